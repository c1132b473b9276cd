"""lead: hazard list indexes for status counts per unit and the level filter

The register page counts hazards per status (and overdue) in a unit's subtree:
with ``deadline`` in the unit/status index the count reads the index alone.
The level filter (few major hazards) in found-date order gets its own index,
so a filter with few or no hits no longer walks the whole register.

Revision ID: lead_1
Revises: rperf_1
Create Date: 2026-11-30 20:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "lead_1"
down_revision = "rperf_1"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_hazards_unit_status", table_name="hazards")
    op.create_index("ix_hazards_unit_status_deadline", "hazards", ["unit_id", "status", "deadline"])
    op.create_index("ix_hazards_level_found", "hazards", ["level", "found_on", "id"])


def downgrade():
    op.drop_index("ix_hazards_level_found", table_name="hazards")
    op.drop_index("ix_hazards_unit_status_deadline", table_name="hazards")
    op.create_index("ix_hazards_unit_status", "hazards", ["unit_id", "status"])
