"""party posts (党政同责) and yearly responsibility agreements (安全生产责任书)

Revision ID: matrix_1
Revises: inspections_1
Create Date: 2026-11-30 15:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (as in 0001: custom column types live there)

# revision identifiers, used by Alembic.
revision = "matrix_1"
down_revision = "inspections_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("party", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "responsibility_agreements",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", safety.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "year"),
    )
    op.create_table(
        "agreement_signatures",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("signed_as_post_id", sa.Integer(), nullable=False),
        sa.Column("at", safety.models.base.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["responsibility_agreements.id"]),
        sa.ForeignKeyConstraint(["signed_as_post_id"], ["posts.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "user_id", "role"),
    )
    with op.batch_alter_table("agreement_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_signatures_agreement_id"), ["agreement_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("agreement_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_signatures_agreement_id"))
    op.drop_table("agreement_signatures")
    op.drop_table("responsibility_agreements")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("party")
