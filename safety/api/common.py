"""What every API blueprint shares: bearer auth, cursor pagination, schemas."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from safety import clock
from safety.api.errors import error_response
from safety.extensions import db
from safety.models import User
from safety.services.accounts import user_for_token
from safety.services.errors import Forbidden, ValidationError
from safety.services.validation import MAX_ID

BEARER_SCHEME = {"type": "http", "scheme": "bearer"}


def make_blueprint(name: str, description: str, *, public: bool = False) -> Blueprint:
    """A smorest blueprint under /api/v1 that requires a bearer token (unless ``public``)."""
    bp = Blueprint(f"api_{name}", __name__, url_prefix="/api/v1", description=description)
    if not public:
        bp.before_request(require_bearer)
    return bp


def require_bearer() -> Any:
    """Sign the request in from ``Authorization: Bearer``; 401 otherwise.

    The API never uses the session cookie, so it is not exposed to CSRF.
    """
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    user = user_for_token(raw.strip(), now=clock.now()) if scheme.lower() == "bearer" else None
    if user is None:
        response = error_response(401, "Missing, invalid or expired bearer token.")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_user = user
    return None


def api_user() -> User:
    return g.api_user


def require_admin_api() -> User:
    user = api_user()
    if not user.is_admin:
        raise Forbidden("Only administrators may do this.")
    return user


# --- pagination --------------------------------------------------------------


class ListArgs(Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _ids_in_range(self, data: dict[str, Any], **_kw: Any) -> None:
        """A filter id no column can hold names nothing: 422, not a database overflow."""
        for name, field in self.fields.items():
            value = data.get(name)
            if isinstance(field, fields.Integer) and value is not None and abs(value) > MAX_ID:
                raise MarshmallowValidationError("Number out of range.", name)


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
    """:raise ValidationError: on a cursor this API did not hand out."""
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


def list_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """``{"items": [item], "next_cursor": str|null}`` for ``item_schema``."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
    )


class ErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
