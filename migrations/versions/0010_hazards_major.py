"""hazards: major-hazard procedure, criteria (判定标准), repeats, extension requests

Revision ID: hazards_1
Revises: security_1
Create Date: 2026-11-30 15:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import safety.models.base  # noqa: F401  (as in 0001: custom column types live there)

# revision identifiers, used by Alembic.
revision = "hazards_1"
down_revision = "security_1"
branch_labels = None
depends_on = None


def upgrade():
    criteria_sets = op.create_table(
        "criteria_sets",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", safety.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria_sets")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_criteria_sets_code_version")),
    )
    criteria_items = op.create_table(
        "criteria_items",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"], ["criteria_sets.id"], name=op.f("fk_criteria_items_set_id_criteria_sets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria_items")),
        sa.UniqueConstraint("set_id", "code", name=op.f("uq_criteria_items_set_id_code")),
    )
    with op.batch_alter_table("criteria_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criteria_items_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_criteria_items_set_id"), ["set_id"], unique=False)

    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criterion", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("basis", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("repeat", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("stop_work", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("plan_approved_at", safety.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("plan_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("extension_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("extension_requested", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supervision_deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("evaluation", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("write_off_authority", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("write_off_document", sa.String(length=100), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_hazards_repeat_of_id_hazards"), "hazards", ["repeat_of_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_hazards_plan_approved_by_id_users"),
            "users",
            ["plan_approved_by_id"],
            ["id"],
        )

    # Ship the 2017 chemical criteria with the schema (demo load adds it too, idempotently).
    from datetime import UTC, datetime

    from safety.services.hazards.criteria_data import CHEMICAL_2017 as data

    conn = op.get_bind()
    conn.execute(
        criteria_sets.insert().values(
            id=1,
            code=data["code"],
            title=data["title"],
            version=data["version"],
            published=True,
            created_at=datetime.now(UTC),
        )
    )
    conn.execute(
        criteria_items.insert(),
        [
            {"set_id": 1, "code": code, "position": i, "text": text}
            for i, (code, text) in enumerate(data["items"], start=1)
        ],
    )
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT setval('criteria_sets_id_seq', (SELECT max(id) FROM criteria_sets))")
        )


def downgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_hazards_plan_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_hazards_repeat_of_id_hazards"), type_="foreignkey")
        for name in (
            "write_off_document",
            "write_off_authority",
            "evaluation",
            "supervision_deadline",
            "extension_reason",
            "extension_requested",
            "extension_count",
            "plan_approved_by_id",
            "plan_approved_at",
            "stop_work",
            "repeat_of_id",
            "repeat",
            "basis",
            "criterion",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("criteria_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criteria_items_set_id"))
        batch_op.drop_index(batch_op.f("ix_criteria_items_code"))
    op.drop_table("criteria_items")
    op.drop_table("criteria_sets")
