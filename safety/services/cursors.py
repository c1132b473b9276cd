"""Opaque cursors for keyset pagination, shared by the API and the HTML lists.

A cursor is the sort key of the last item shown, as URL-safe base64 JSON.
It lives with the services because lists are built here; the API and the
views only pass it through.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.services.errors import ValidationError


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")


def _plain(value: Any) -> bool:
    """A cursor holds strings and numbers a database column can hold, nothing else."""
    if isinstance(value, bool) or value is None:
        return value is None
    if isinstance(value, int):
        return abs(value) <= 2**63 - 1
    return isinstance(value, str | float)


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """:raise ValidationError: on a cursor this application did not hand out."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()), parse_constant=_no_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size or not all(map(_plain, values)):
        raise ValidationError({"cursor": "Invalid cursor."})
    return values


def paginate(
    stmt: sa.Select,
    *,
    cursor: str | None,
    limit: int,
    keys: Sequence[sa.ColumnElement[Any]] | None = None,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
    parse: Sequence[Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """Keyset pagination, ascending on ``keys`` (default: the primary key ``id``).

    ``stmt`` selects one entity. One query per page, however deep the cursor.
    """
    entity = stmt.column_descriptions[0]["entity"]
    keys = list(keys or [entity.id])
    key_of = key_of or (lambda obj: [obj.id])
    if cursor:
        values = decode_cursor(cursor, len(keys))
        if parse:
            try:
                values = [fn(v) for fn, v in zip(parse, values, strict=True)]
            except (TypeError, ValueError):
                raise ValidationError({"cursor": "Invalid cursor."}) from None
        elif not all(isinstance(v, int) for v in values):
            raise ValidationError({"cursor": "Invalid cursor."})
        stmt = stmt.where(sa.tuple_(*keys) > sa.tuple_(*values))
    rows = list(db.session.scalars(stmt.order_by(*keys).limit(limit + 1)))
    next_cursor = encode_cursor(key_of(rows[limit - 1])) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}
