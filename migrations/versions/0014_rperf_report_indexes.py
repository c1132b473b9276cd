"""rperf: covering indexes for the reports (trend, statutory counts)

Each holds what its query filters and groups on (status, unit), so the counts
are read from the index without visiting the table. Plain ``op.create_index``
(no batch mode: a batch rebuild of ``hazards`` on SQLite would drop the search
triggers of 0013).

Revision ID: rperf_1
Revises: scale_1
Create Date: 2026-11-30 19:45:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "rperf_1"
down_revision = "scale_1"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_hazards_found_cover": [
        "found_on",
        "status",
        "unit_id",
        "level",
        "assigned_at",
        "submitted_at",
        "closed_at",
    ],
    "ix_hazards_closed_cover": ["closed_at", "status", "unit_id"],
    "ix_hazards_deadline_cover": [
        "deadline",
        "status",
        "unit_id",
        "assigned_at",
        "submitted_at",
        "closed_at",
    ],
}


def upgrade():
    for name, columns in _INDEXES.items():
        op.create_index(name, "hazards", columns, unique=False)


def downgrade():
    for name in _INDEXES:
        op.drop_index(name, table_name="hazards")
