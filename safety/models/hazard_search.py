"""Search and sort indexes on ``hazards`` that the ORM cannot declare portably.

The hazard list searches four text columns by substring and sorts by
``coalesce(deadline, '9999-12-31')``. Without these objects both scan the
table; with them the cost of a page stays flat as the register grows:

- PostgreSQL: a pg_trgm GIN index over the four searched columns (it serves
  ``ILIKE '%q%'`` directly);
- SQLite: an FTS5 trigram table over the same columns, kept current by
  triggers (the list uses it as a prefilter and re-checks with LIKE);
- both: expression indexes matching the deadline sort exactly (alone, and
  after status, level, or accountable post and status).

They are created with the ``hazards`` table (``create_all``, tests) and by the
migration ``scale_1`` (which repeats this SQL: migrations must not import the
app), and left out of the models/migrations comparison by name.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from safety.models.hazards import Hazard

#: The deadline sort key in SQL; the ORDER BY must spell it exactly so.
FAR_FUTURE_SQL = "'9999-12-31'"
DEADLINE_SORT_INDEX = "ix_hazards_deadline_sort"
TRIGRAM_INDEX = "ix_hazards_search_trgm"
FTS_TABLE = "hazards_fts"
SEARCHED = ("number", "title", "description", "location")

_COLS = ", ".join(SEARCHED)
_NEW = ", ".join(f"new.{c}" for c in SEARCHED)
_OLD = ", ".join(f"old.{c}" for c in SEARCHED)

POSTGRESQL_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON hazards USING gin "
    f"({', '.join(f'{c} gin_trgm_ops' for c in SEARCHED)})",
]
FTS_INSERT_TRIGGER = f"{FTS_TABLE}_ai"
FTS_INSERT_TRIGGER_SQL = (
    f"CREATE TRIGGER IF NOT EXISTS {FTS_INSERT_TRIGGER} AFTER INSERT ON hazards BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_COLS}) VALUES (new.id, {_NEW}); END"
)
#: What the insert trigger does, for the hazards past ``:after`` at once (bulk loads).
FTS_BACKFILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, {_COLS}) SELECT id, {_COLS} FROM hazards WHERE id > :after"
)
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_COLS}, "
    "content='hazards', content_rowid='id', tokenize='trigram')",
    FTS_INSERT_TRIGGER_SQL,
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON hazards BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {_COLS} ON hazards BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
]
#: Deadline-sorted indexes: name → the columns before the sort key (then ``id``).
#: A filter on those columns sorted by deadline walks its own slice of one of
#: these (status or level filter, My work's hazards of a post), with few or
#: no hits as with many (migrations ``scale_1`` and ``0016_p1``).
DEADLINE_SORT_INDEXES = {
    DEADLINE_SORT_INDEX: "",
    "ix_hazards_status_deadline_sort": "status, ",
    "ix_hazards_level_deadline_sort": "level, ",
    "ix_hazards_post_status_deadline_sort": "accountable_post_id, status, ",
}
BOTH_CREATE = [
    f"CREATE INDEX IF NOT EXISTS {name} ON hazards ({lead}coalesce(deadline, {FAR_FUTURE_SQL}), id)"
    for name, lead in DEADLINE_SORT_INDEXES.items()
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def create_statements(dialect: str) -> list[str]:
    """The SQL that creates the search objects on this database."""
    extra = {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}.get(dialect, [])
    return [*BOTH_CREATE, *extra]


def is_search_object(name: str | None) -> bool:
    """True for the objects above (and FTS5's shadow tables): not in the models."""
    return bool(name) and (
        name in DEADLINE_SORT_INDEXES or name == TRIGRAM_INDEX or name.startswith(FTS_TABLE)
    )


def _create(target: sa.Table, connection: Any, **_kw: Any) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _drop(target: sa.Table, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


sa.event.listen(Hazard.__table__, "after_create", _create)
sa.event.listen(Hazard.__table__, "before_drop", _drop)
