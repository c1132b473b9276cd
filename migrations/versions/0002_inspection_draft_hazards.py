"""inspection items keep the hazard prepared for a failed item

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (as in 0001: custom column types live there)

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hazard_title", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column(
                "hazard_level",
                sa.Enum("general", "major", name="hazardlevel", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("hazard_description", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.drop_column("hazard_description")
        batch_op.drop_column("hazard_level")
        batch_op.drop_column("hazard_title")
