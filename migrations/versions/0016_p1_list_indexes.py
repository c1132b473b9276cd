"""p1: hazard list indexes for filters sorted by deadline and for My work

A status or level filter sorted by deadline walked the whole deadline sort
index when it had few or no hits (void hazards, which have no deadline, come
last: 0.2 s at 100k). Each gets an index on the filter column and the exact
deadline sort key. My work's lists get theirs: a post's hazards in deadline
order, hazards to verify by submission, and open extension requests.

The expression indexes repeat ``safety/models/hazard_search.py`` (a migration
must not change when the app does) and are left out of the models/migrations
comparison by name, as ``ix_hazards_deadline_sort`` of ``scale_1``.

Revision ID: 0016_p1
Revises: lead_1
Create Date: 2026-11-30 22:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_p1"
down_revision = "lead_1"
branch_labels = None
depends_on = None

#: name → the columns before the deadline sort key (then id).
EXPRESSION = {
    "ix_hazards_status_deadline_sort": "status, ",
    "ix_hazards_level_deadline_sort": "level, ",
    "ix_hazards_post_status_deadline_sort": "accountable_post_id, status, ",
}


def upgrade():
    for name, lead in EXPRESSION.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON hazards "
            f"({lead}coalesce(deadline, '9999-12-31'), id)"
        )
    op.create_index("ix_hazards_status_submitted", "hazards", ["status", "submitted_at", "id"])
    op.create_index("ix_hazards_extension_requested", "hazards", ["extension_requested", "id"])


def downgrade():
    op.drop_index("ix_hazards_extension_requested", table_name="hazards")
    op.drop_index("ix_hazards_status_submitted", table_name="hazards")
    for name in EXPRESSION:
        op.execute(f"DROP INDEX IF EXISTS {name}")
