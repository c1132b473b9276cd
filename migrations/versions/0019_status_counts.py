"""status counts: hazards per unit, status and (in rectification) deadline, kept current

The register's per-status counts and My work's read these rows instead of
every hazard of the units (models/tallies.py ``HazardStatusCount``); filled
here from the hazards already in the register and kept in step by the session
afterwards (services/tallies.py).

Revision ID: status_counts_1
Revises: found_cover_1
Create Date: 2026-12-01 02:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "status_counts_1"
down_revision = "found_cover_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hazard_status_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "status", "deadline", name=op.f("pk_hazard_status_counts")
        ),
    )
    # The same count as services/tallies.py's rebuild (repeated: no app import here).
    op.execute(
        "INSERT INTO hazard_status_counts (unit_id, status, deadline, n) "
        "SELECT unit_id, status, due, count(*) FROM (SELECT unit_id, status, "
        "CASE WHEN status = 'rectifying' AND deadline IS NOT NULL THEN deadline "
        "ELSE '9999-12-31' END AS due FROM hazards) AS h GROUP BY unit_id, status, due"
    )


def downgrade():
    op.drop_table("hazard_status_counts")
