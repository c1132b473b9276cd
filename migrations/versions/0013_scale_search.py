"""scale: index-backed hazard text search and deadline sort

PostgreSQL: pg_trgm and a GIN trigram index over number, title, description
and location. SQLite: an FTS5 trigram table over the same columns, filled from
the existing rows and kept current by triggers. Both: an expression index on
the deadline sort key. The SQL matches ``safety/models/hazard_search.py``
(copied: a migration must not change when the app does).

Note for later migrations: on SQLite, ``batch_alter_table("hazards")``
recreates the table and loses the triggers and the expression index; run
this revision's ``upgrade()`` SQL again after such a migration.

Revision ID: scale_1
Revises: duty_1
Create Date: 2026-11-30 16:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "scale_1"
down_revision = "duty_1"
branch_labels = None
depends_on = None

_COLS = "number, title, description, location"
_NEW = "new.number, new.title, new.description, new.location"
_OLD = "old.number, old.title, old.description, old.location"

BOTH = [
    "CREATE INDEX IF NOT EXISTS ix_hazards_deadline_sort ON hazards "
    "(coalesce(deadline, '9999-12-31'), id)",
]
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_hazards_search_trgm ON hazards USING gin "
    "(number gin_trgm_ops, title gin_trgm_ops, description gin_trgm_ops, "
    "location gin_trgm_ops)",
]
SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS hazards_fts USING fts5({_COLS}, "
    "content='hazards', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS hazards_fts_ai AFTER INSERT ON hazards BEGIN "
    f"INSERT INTO hazards_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER IF NOT EXISTS hazards_fts_ad AFTER DELETE ON hazards BEGIN "
    f"INSERT INTO hazards_fts(hazards_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS hazards_fts_au AFTER UPDATE OF {_COLS} ON hazards BEGIN "
    f"INSERT INTO hazards_fts(hazards_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO hazards_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO hazards_fts(hazards_fts) VALUES ('rebuild')",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in BOTH + {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("hazards_fts_ai", "hazards_fts_ad", "hazards_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS hazards_fts")
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_hazards_search_trgm")
    op.execute("DROP INDEX IF EXISTS ix_hazards_deadline_sort")
