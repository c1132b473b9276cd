"""a draft's inspection item may have photos before its result

Revision ID: inspections_1
Revises: reminders_2
Create Date: 2026-11-30 15:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (as in 0001: custom column types live there)

# revision identifiers, used by Alembic.
revision = "inspections_1"
down_revision = "reminders_2"
branch_labels = None
depends_on = None

RESULT = sa.Enum("pass", "fail", "na", name="itemresult", native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.alter_column("result", existing_type=RESULT, nullable=True)


def downgrade():
    op.execute(
        "DELETE FROM inspection_photos WHERE item_id IN "
        "(SELECT id FROM inspection_items WHERE result IS NULL)"
    )
    op.execute("DELETE FROM inspection_items WHERE result IS NULL")
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.alter_column("result", existing_type=RESULT, nullable=False)
