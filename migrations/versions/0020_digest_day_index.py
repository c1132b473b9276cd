"""digest day index: who has today's digest reads one day's slice

Every reminder pass asks which people have today's digest. The unique key
(user_id, local_date) cannot answer that, so it read every digest ever made,
which grows by one per person per day.

Revision ID: digest_day_1
Revises: status_counts_1
Create Date: 2026-12-01 02:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "digest_day_1"
down_revision = "status_counts_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_reminder_digests_day", "reminder_digests", ["local_date", "user_id"])


def downgrade():
    op.drop_index("ix_reminder_digests_day", table_name="reminder_digests")
