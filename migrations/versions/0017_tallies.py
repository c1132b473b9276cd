"""tallies: pre-aggregated hazard figures for the reports

Two tables of deltas per unit, grade, kind and found-month cohort, one row
per month and one per day (models/tallies.py), filled here from the
hazards already in the register and kept in step by the session afterwards
(services/tallies.py).

Revision ID: tallies_1
Revises: 0016_p1
Create Date: 2026-11-30 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "tallies_1"
down_revision = "0016_p1"
branch_labels = None
depends_on = None


def _table(name: str, time_key: str) -> None:
    op.create_table(
        name,
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("cohort", sa.Date(), nullable=False),
        sa.Column(time_key, sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "level", "kind", "cohort", time_key, name=op.f(f"pk_{name}")
        ),
    )
    op.create_index(f"ix_{name}_{time_key}", name, [time_key, "cohort"])


def upgrade():
    _table("hazard_tally_months", "month")
    _table("hazard_tally_days", "day")
    from safety.services.tallies import rebuild_tallies

    rebuild_tallies(op.get_bind())


def downgrade():
    op.drop_index("ix_hazard_tally_days_day", table_name="hazard_tally_days")
    op.drop_table("hazard_tally_days")
    op.drop_index("ix_hazard_tally_months_month", table_name="hazard_tally_months")
    op.drop_table("hazard_tally_months")
