"""reports: an index on hazards.closed_at (closed since the period began)

Revision ID: reports_1
Revises: matrix_1
Create Date: 2026-11-30 15:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "reports_1"
down_revision = "matrix_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.create_index("ix_hazards_closed_at", ["closed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index("ix_hazards_closed_at")
