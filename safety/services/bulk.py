"""Bulk loads: a table's secondary indexes built once after the load, not row by row.

Inserting 100k hazards row by row into 18 indexes and the search index took
12.6 s on SQLite; loading the bare table and building the same indexes after
took 3.8 s. On PostgreSQL a trigram GIN index is far cheaper to build than to
keep up insert by insert. :func:`indexes_deferred` drops the table's
non-unique indexes (unique ones stay: they are rules, checked as rows arrive),
yields, and creates them again from the definitions the database itself
gave, so what comes back is what was there, whichever migration made it.

Everything happens in the caller's transaction: on both databases DDL is
transactional, so a failed load leaves the indexes as they were. Meanwhile
the table is locked for other writers (and on PostgreSQL for readers), which
suits a generator of demo data, not a live import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from safety.models import hazard_search

#: Rows per statement (SQLite) or per id reservation and COPY (PostgreSQL).
CHUNK = 5000


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _insert_sqlite(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite cannot return ids in parameter order from one statement, so
    SQLAlchemy would insert row by row: one executemany per chunk instead, and
    the ids follow the highest one, as SQLite assigns them under the write lock
    this transaction holds (checked)."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        start = conn.scalar(sa.select(sa.func.max(table.c.id))) or 0
        conn.execute(table.insert(), chunk)
        end = conn.scalar(sa.select(sa.func.max(table.c.id)))
        if end != start + len(chunk):
            raise RuntimeError(f"{table.name}: ids are not consecutive")
        ids.extend(range(start + 1, end + 1))
    return ids


def _insert_postgresql(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Ids taken from the table's sequence first, then the rows COPY'd with them.

    An INSERT of many VALUES rows spends most of its time in psycopg's Python
    parsing of the placeholders (43 of 59 s for 100k hazards); COPY has none.
    Values go through each column's bind processing, as in an INSERT.
    """
    names = list(rows[0])
    dialect = conn.dialect
    process = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    sequence = sa.text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
    )
    sql = f"COPY {table.name} (id, {', '.join(names)}) FROM STDIN"
    ids: list[int] = []
    for chunk in _chunks(rows):
        chunk_ids = list(conn.scalars(sequence, {"table": table.name, "n": len(chunk)}))
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor, cursor.copy(sql) as copy:
            for row_id, row in zip(chunk_ids, chunk, strict=True):
                values = [row[name] for name in names]
                copy.write_row(
                    [row_id, *(f(v) if f else v for f, v in zip(process, values, strict=True))]
                )
        ids.extend(chunk_ids)
    return ids


def insert_rows(conn: sa.Connection, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts with the same keys, no ``id``); their new ids in order."""
    if not rows:
        return []
    table = model.__table__
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, table, rows)
    return _insert_postgresql(conn, table, rows)


def _sqlite_indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    )
    return [(name, sql) for name, sql in rows if not sql.upper().startswith("CREATE UNIQUE")]


def _postgresql_indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        sa.text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:table AS regclass) "
            "AND NOT i.indisunique AND NOT i.indisprimary"
        ),
        {"table": table},
    )
    return [(name, sql) for name, sql in rows]


def secondary_indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX …)`` of the table's non-unique indexes, as the database has them."""
    if conn.dialect.name == "sqlite":
        return _sqlite_indexes(conn, table)
    return _postgresql_indexes(conn, table)


@contextmanager
def indexes_deferred(conn: sa.Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s non-unique indexes for the block; build them again after it."""
    indexes = secondary_indexes(conn, table)
    quote = conn.dialect.identifier_preparer.quote
    for name, _sql in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)


@contextmanager
def hazards_bulk_load(conn: sa.Connection) -> Iterator[None]:
    """Insert many hazards in the block: indexes, and SQLite's search table, built after it.

    The search table's insert trigger is dropped too and the new rows (ids past
    the highest before the block) are added to it in one statement.
    """
    trigger = hazard_search.FTS_INSERT_TRIGGER
    sqlite = conn.dialect.name == "sqlite" and bool(
        conn.scalar(
            sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": trigger},
        )
    )
    last = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM hazards"))
    if sqlite:
        conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    with indexes_deferred(conn, "hazards"):
        yield
    if sqlite:
        conn.execute(sa.text(hazard_search.FTS_BACKFILL), {"after": last})
        conn.exec_driver_sql(hazard_search.FTS_INSERT_TRIGGER_SQL)
