"""What every API blueprint shares: bearer auth, cursor pagination, schemas."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from safety import clock, permissions
from safety.api.errors import error_response
from safety.models import User
from safety.services.accounts import user_for_token
from safety.services.cursors import paginate  # noqa: F401  (re-exported for the API areas)
from safety.services.errors import Forbidden
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
    if not permissions.is_admin(user):
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
