"""reports: notice board links (a unit's 通报 page at an unguessable, revocable link)

Revision ID: reports_2
Revises: reports_1
Create Date: 2026-11-30 15:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (custom column types live there)

# revision identifiers, used by Alembic.
revision = "reports_2"
down_revision = "reports_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_board_links",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", safety.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", safety.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_notice_board_links_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_notice_board_links_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_board_links")),
        sa.UniqueConstraint("token", name=op.f("uq_notice_board_links_token")),
    )
    with op.batch_alter_table("notice_board_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_board_links_unit_id"), ["unit_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("notice_board_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_board_links_unit_id"))
    op.drop_table("notice_board_links")
