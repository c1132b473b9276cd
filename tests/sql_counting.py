"""Count the SQL statements a piece of code runs (constant-query checks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from safety.extensions import db


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """The statements run inside the block, without SQLite's explicit BEGIN
    (transaction control; PostgreSQL sends none through the cursor)."""
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
