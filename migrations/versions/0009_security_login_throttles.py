"""sign-in throttling per account and per address, shared by every worker

Revision ID: security_1
Revises: reports_2
Create Date: 2026-11-30 15:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (custom column types live there)

# revision identifiers, used by Alembic.
revision = "security_1"
down_revision = "reports_2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", safety.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", safety.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )


def downgrade():
    op.drop_table("login_throttles")
