"""Small database helpers shared by services (no commits here)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from safety.extensions import db


def insert_or_ignore(model: type, values: dict[str, Any], conflict_on: list[str]) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING``; True when this call inserted the row.

    Exactly-once claims rest on this: of several processes inserting the same
    key, one gets True.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(sa.literal_column("1"))
    )
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    return db.session.execute(stmt).first() is not None


def get_or_404(model: type, ident: Any, message: str | None = None) -> Any:
    """Load by primary key or raise :class:`NotFound` (also for ids no row can have)."""
    from safety.services.validation import load_or_404

    return load_or_404(model, ident, message or f"{model.__name__} {ident} not found")


def exists(stmt: sa.Select) -> bool:
    return db.session.scalar(sa.select(stmt.exists())) or False
