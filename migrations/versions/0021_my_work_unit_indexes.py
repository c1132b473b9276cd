"""my work unit indexes: a unit's hazards to verify and to assign in list order

My work lists a unit's hazards to verify (oldest submission first) and to
assign (oldest found first), 20 of each. Through (unit, status, deadline) the
planners read and sorted every such hazard of the unit (1.5 ms each for a busy
workshop at 100k on SQLite); these indexes give them in order. The extension
request index holds only the requests now: over every hazard SQLite could
not tell how few they are and tested each hazard of the unit instead (4.4 ms).

Revision ID: my_work_units_1
Revises: digest_day_1
Create Date: 2026-12-01 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "my_work_units_1"
down_revision = "digest_day_1"
branch_labels = None
depends_on = None

REQUESTED = sa.text("extension_requested IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_hazards_unit_status_submitted",
        "hazards",
        ["unit_id", "status", "submitted_at", "id"],
    )
    op.create_index(
        "ix_hazards_unit_status_found", "hazards", ["unit_id", "status", "found_on", "id"]
    )
    op.drop_index("ix_hazards_extension_requested", table_name="hazards")
    op.create_index(
        "ix_hazards_extension_requested",
        "hazards",
        ["extension_requested", "id"],
        sqlite_where=REQUESTED,
        postgresql_where=REQUESTED,
    )


def downgrade():
    op.drop_index("ix_hazards_extension_requested", table_name="hazards")
    op.create_index("ix_hazards_extension_requested", "hazards", ["extension_requested", "id"])
    op.drop_index("ix_hazards_unit_status_found", table_name="hazards")
    op.drop_index("ix_hazards_unit_status_submitted", table_name="hazards")
