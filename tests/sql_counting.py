"""Count the SQL statements a piece of code runs (constant-query checks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from safety.extensions import db


@contextmanager
def _listening(record: Callable[[str, Any], None]) -> Iterator[None]:
    """Call ``record(statement, parameters)`` for each statement run inside the block."""

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_a: Any) -> None:
        record(statement, params)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """The statements run inside the block, without SQLite's explicit BEGIN
    (transaction control; PostgreSQL sends none through the cursor)."""
    statements: list[str] = []

    def record(statement: str, _params: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    with _listening(record):
        yield statements


@contextmanager
def hazard_selects(table: str = "hazards") -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs from ``table`` run inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(statement: str, params: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, params))

    with _listening(record):
        yield seen


def explain(statement: str, params: Any) -> str:
    """The plan of ``statement``: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's
    EXPLAIN with sequential and bitmap scans off (test tables are tiny)."""
    db.session.rollback()  # SQLite: the session's write lock would block this connection
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        rows = conn.exec_driver_sql(prefix + statement, params)
        return "\n".join(str(row[-1] if sqlite else row[0]) for row in rows)
