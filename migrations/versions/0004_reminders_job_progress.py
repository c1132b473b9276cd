"""job claims record their progress, so an abandoned one can be taken over

Revision ID: reminders_2
Revises: reminders_1
Create Date: 2026-11-30 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base

# revision identifiers, used by Alembic.
revision = "reminders_2"
down_revision = "reminders_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", safety.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("progress", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("progress")
        batch_op.drop_column("heartbeat_at")
