"""POST /api/v1/tokens: exchange email and password for a bearer token."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from safety import clock
from safety.api.common import make_blueprint
from safety.services import accounts

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
    @blp.alt_response(401, description="Wrong credentials or a locked account")
    def post(self, data: dict) -> dict:
        """Sign in; failures count toward the account's lock like the web form's."""
        token, expires_at = accounts.issue_token(data["email"], data["password"], now=clock.now())
        return {"token": token, "expires_at": expires_at}
