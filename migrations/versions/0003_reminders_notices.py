"""in-app notices of hazard events (contract §5, event notifications)

Revision ID: reminders_1
Revises: 0002
Create Date: 2026-11-30 15:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base

# revision identifiers, used by Alembic.
revision = "reminders_1"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("read_at", safety.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", safety.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notices_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_notices_hazard_id_hazards")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index("ix_notices_user_read", ["user_id", "read_at"], unique=False)


def downgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_user_read")
        batch_op.drop_index(batch_op.f("ix_notices_hazard_id"))
    op.drop_table("notices")
