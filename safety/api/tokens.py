"""Bearer tokens: ``POST /api/v1/tokens`` signs in, ``DELETE /tokens/current`` signs out."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from safety import clock
from safety.api.common import make_blueprint, require_bearer
from safety.api.errors import ErrorEnvelope, error_response
from safety.services import accounts
from safety.services.throttling import Throttled

blp = make_blueprint("tokens", "Bearer tokens", public=True)


class TokenRequest(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenRequest)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, schema=ErrorEnvelope, description="Wrong credentials")
    @blp.alt_response(
        429,
        schema=ErrorEnvelope,
        description="Too many failed sign-ins for this account or address; see Retry-After",
    )
    def post(self, data: dict) -> Any:
        """Sign in; failures are throttled like the web form's (per account and address)."""
        try:
            token, expires_at = accounts.issue_token(
                data["email"], data["password"], now=clock.now(), address=request.remote_addr
            )
        except Throttled as error:
            response = error_response(429, error.message, code=error.code)
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        return {"token": token, "expires_at": expires_at}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorEnvelope, description="No or an invalid bearer token")
    @blp.doc(security=[{"bearerAuth": []}])
    def delete(self) -> Any:
        """Revoke the bearer token this request carries (sign out of the API)."""
        refused = require_bearer()
        if refused is not None:
            return refused
        raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
        accounts.revoke_token(raw, now=clock.now())
        return None
