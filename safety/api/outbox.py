"""The email outbox (admins): what was queued, sent, failed or cancelled."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields

from safety import clock
from safety.api.common import ListArgs, list_schema, make_blueprint, paginate, require_admin_api
from safety.models import EmailStatus, OutboxEmail
from safety.services import outbox
from safety.services.db import get_or_404

blp = make_blueprint("outbox", "The email outbox: delivery status, retries, test emails")


class OutboxEmailSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    to = fields.String(attribute="to_addr")
    to_user_id = fields.Integer(allow_none=True)
    subject = fields.String()
    status = fields.Enum(EmailStatus, by_value=True)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class OutboxListArgs(ListArgs):
    status = fields.Enum(EmailStatus, by_value=True, load_default=None)


class TestEmailSchema(Schema):
    to = fields.String(required=True)


OutboxList = list_schema(OutboxEmailSchema, "OutboxList")


@blp.route("/outbox")
class Outbox(MethodView):
    @blp.arguments(OutboxListArgs, location="query")
    @blp.response(200, OutboxList)
    def get(self, args: dict) -> dict:
        """Emails, oldest first; ``status`` filters (queued, sent, failed, cancelled)."""
        require_admin_api()
        stmt = sa.select(OutboxEmail)
        if args["status"] is not None:
            stmt = stmt.where(OutboxEmail.status == args["status"])
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])


@blp.route("/outbox/<int:email_id>")
class OutboxById(MethodView):
    @blp.response(200, OutboxEmailSchema)
    def get(self, email_id: int) -> OutboxEmail:
        require_admin_api()
        return get_or_404(OutboxEmail, email_id)


@blp.route("/outbox/<int:email_id>/retry")
class OutboxRetry(MethodView):
    @blp.response(200, OutboxEmailSchema)
    def post(self, email_id: int) -> OutboxEmail:
        """Queue a failed email again and try to deliver it now (409 unless failed)."""
        user = require_admin_api()
        email = get_or_404(OutboxEmail, email_id)
        now = clock.now()
        outbox.retry_email(user, email, now=now)
        outbox.flush_outbox(now=now, ignore_backoff=True, only_ids=[email.id])
        return get_or_404(OutboxEmail, email_id)


class RetryFailedSchema(Schema):
    queued = fields.Integer()
    sent = fields.Integer()
    deferred = fields.Integer()
    failed = fields.Integer()


@blp.route("/outbox/retry-failed")
class OutboxRetryFailed(MethodView):
    @blp.response(200, RetryFailedSchema)
    def post(self) -> dict:
        """Queue every failed email again and try to deliver them now."""
        user = require_admin_api()
        now = clock.now()
        queued = outbox.retry_failed_emails(user, now=now)
        result = outbox.flush_outbox(now=now, ignore_backoff=True)
        return {
            "queued": queued,
            "sent": result.sent,
            "deferred": result.deferred,
            "failed": result.failed,
        }


@blp.route("/outbox/test")
class OutboxTest(MethodView):
    @blp.arguments(TestEmailSchema)
    @blp.response(201, OutboxEmailSchema)
    def post(self, data: dict) -> OutboxEmail:
        """Send a test email to check the SMTP settings; the answer says how it went."""
        return outbox.send_test_email(require_admin_api(), data["to"], now=clock.now())
