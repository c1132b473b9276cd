"""The transactional outbox: queue with the decision, deliver later, never twice.

Emails are rows written in the same transaction as the decision to send them
(see :mod:`safety.services.reminders`). :func:`flush_outbox` delivers them:

- each email is leased (``UPDATE … WHERE status='queued' AND lease free``;
  rowcount 1 means this sender owns it), so concurrent senders — scheduler
  processes, ``reminders run``, ``outbox flush`` — never send one email twice;
- the outcome is committed right after the SMTP reply, one email at a time,
  so a crash loses at most the outcome of the email in flight;
- connection errors, timeouts and 4xx replies are retried with exponential
  backoff and jitter (after ``MAIL_MAX_ATTEMPTS`` the email is ``failed``);
  a 5xx reply fails it at once; a failed email stays listed and an admin can
  retry it;
- a reminder digest is re-checked just before sending: when every hazard it
  mentions has been closed or voided meanwhile, it is cancelled instead.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from safety.extensions import db
from safety.models import (
    EmailStatus,
    Hazard,
    HazardStatus,
    OutboxEmail,
    ReminderDigest,
    ReminderItem,
    User,
)
from safety.services import audit
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.mailer import (
    MailSettings,
    Message,
    PermanentFailure,
    SmtpConnection,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

#: Kinds of email in the outbox.
KIND_DIGEST = "digest"
KIND_TEST = "test"

#: Emails leased per query; each is still leased (and committed) on its own.
BATCH_SIZE = 100
#: Backoff: base * 2**(attempts-1), capped, then "equal jitter" (50–100 %).
DEFAULT_RETRY_BASE = 60
DEFAULT_RETRY_MAX = 3600
#: Statuses after which a hazard needs no more reminding.
SETTLED = (HazardStatus.CLOSED, HazardStatus.VOID)


@dataclass
class FlushResult:
    """What one flush did; ``line()`` is what ``outbox flush`` prints."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    cancelled: int = 0
    skipped: int = 0  # leased by another sender meanwhile
    interrupted: bool = False  # a database error stopped the flush

    def line(self) -> str:
        return (
            f"outbox: {self.sent} sent, {self.failed} failed, {self.deferred} deferred, "
            f"{self.cancelled} cancelled"
        )


def sender_id() -> str:
    """Who holds a lease: host, process and a random part (unique per call)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> int:
    """Long enough for one SMTP conversation (connect, greet, send, quit)."""
    return int(max(60, 6 * float(current_app.config.get("MAIL_TIMEOUT") or 10)))


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Delay before attempt ``attempts + 1``: exponential, capped, jittered."""
    base = float(current_app.config.get("MAIL_RETRY_BASE", DEFAULT_RETRY_BASE))
    cap = float(current_app.config.get("MAIL_RETRY_MAX", DEFAULT_RETRY_MAX))
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=delay * jitter)


# --- queueing ----------------------------------------------------------------


def render_email(name: str, context: dict[str, Any]) -> str:
    """Render an email template without a request (no request context processors)."""
    return current_app.jinja_env.get_template(name).render(context)


def queue_email(
    *,
    kind: str,
    to_addr: str,
    subject: str,
    text_body: str,
    html_body: str | None,
    now: datetime,
    to_user_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxEmail:
    """Add an email to the caller's transaction (no commit: it belongs to a decision)."""
    email = OutboxEmail(
        kind=kind,
        to_user_id=to_user_id,
        to_addr=to_addr,
        subject=subject[:300],
        text_body=text_body,
        html_body=html_body,
        status=EmailStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    db.session.add(email)
    return email


# --- delivery ----------------------------------------------------------------


def _candidates(now: datetime, ignore_backoff: bool, after_id: int, only: list[int] | None) -> list:
    stmt = (
        sa.select(OutboxEmail.id)
        .where(
            OutboxEmail.status == EmailStatus.QUEUED,
            OutboxEmail.id > after_id,
            sa.or_(OutboxEmail.lease_until.is_(None), OutboxEmail.lease_until < now),
        )
        .order_by(OutboxEmail.id)
        .limit(BATCH_SIZE)
    )
    if not ignore_backoff:
        stmt = stmt.where(OutboxEmail.next_attempt_at <= now)
    if only is not None:
        stmt = stmt.where(OutboxEmail.id.in_(only))
    return list(db.session.scalars(stmt))


def _take_lease(email_id: int, owner: str, now: datetime) -> bool:
    """True when this sender now owns the email (atomic on both databases)."""
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.status == EmailStatus.QUEUED,
            sa.or_(OutboxEmail.lease_until.is_(None), OutboxEmail.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds()))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _still_relevant(email: OutboxEmail) -> bool:
    """A digest whose hazards are all closed or void (and says nothing else) is moot."""
    if email.kind != KIND_DIGEST:
        return True
    if email.to_user_id is not None:
        active = db.session.scalar(sa.select(User.active).where(User.id == email.to_user_id))
        if active is False:
            return False
    rows = db.session.execute(
        sa.select(ReminderItem.object_type, Hazard.status)
        .join(ReminderDigest, ReminderDigest.id == ReminderItem.digest_id)
        .outerjoin(Hazard, Hazard.id == ReminderItem.hazard_id)
        .where(ReminderDigest.email_id == email.id)
    ).all()
    if not rows:
        return True
    return any(obj_type != "hazard" or status not in SETTLED for obj_type, status in rows)


def _message(email: OutboxEmail, now: datetime) -> Message:
    return Message(
        to=email.to_addr,
        subject=email.subject,
        text=email.text_body,
        html=email.html_body,
        message_id=f"<outbox-{email.id}.{email.created_at:%Y%m%d%H%M%S}@safety>",
        date=now,
        # Lets mail rules (and tests) tell the daily digest from event notices.
        headers={"X-Safety-Kind": email.kind},
    )


def _finish(email_id: int, owner: str, values: dict[str, Any]) -> None:
    """Record an outcome, only while this sender still holds the lease."""
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _defer(email: OutboxEmail, owner: str, error: str, now: datetime) -> bool:
    """One more failed attempt; True when that was the last one allowed."""
    attempts = email.attempts + 1
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8)
    if attempts >= max_attempts:
        _finish(
            email.id,
            owner,
            {"attempts": attempts, "status": EmailStatus.FAILED, "last_error": error[:2000]},
        )
        return True
    _finish(
        email.id,
        owner,
        {
            "attempts": attempts,
            "last_error": error[:2000],
            "next_attempt_at": now + backoff(attempts),
        },
    )
    return False


class _Sender:
    """One flush's state: who holds the leases, the SMTP session, the outcome."""

    def __init__(self, now: datetime, connection: SmtpConnection) -> None:
        self.start_now = now
        self.started = time.monotonic()
        self.owner = sender_id()
        self.connection = connection
        self.result = FlushResult()
        #: Set once the server cannot be reached: the rest is deferred at once.
        self.unreachable: str | None = None

    def now(self) -> datetime:
        """The caller's "now" advanced by the time this flush has taken."""
        return self.start_now + timedelta(seconds=time.monotonic() - self.started)

    def deliver(self, email_id: int) -> None:
        result = self.result
        if not _take_lease(email_id, self.owner, self.now()):
            result.skipped += 1
            return
        email = db.session.get(OutboxEmail, email_id, populate_existing=True)
        if email is None:
            return
        if not _still_relevant(email):
            _finish(email.id, self.owner, {"status": EmailStatus.CANCELLED})
            result.cancelled += 1
            return
        if self.unreachable is not None:
            self.retry_later(email, self.unreachable)
            return
        try:
            self.connection.send(_message(email, self.now()))
        except TemporaryFailure as error:
            log.warning("email %s deferred: %s", email.id, error)
            if error.connection:
                self.unreachable = str(error)
            self.retry_later(email, str(error))
        except PermanentFailure as error:
            log.warning("email %s failed: %s", email.id, error)
            values = {"status": EmailStatus.FAILED, "last_error": str(error)[:2000]}
            _finish(email.id, self.owner, {"attempts": email.attempts + 1, **values})
            result.failed += 1
        else:
            values = {"status": EmailStatus.SENT, "sent_at": self.now(), "last_error": None}
            _finish(email.id, self.owner, {"attempts": email.attempts + 1, **values})
            result.sent += 1

    def retry_later(self, email: OutboxEmail, error: str) -> None:
        if _defer(email, self.owner, error, self.now()):
            self.result.failed += 1
        else:
            self.result.deferred += 1


def flush_outbox(
    *, now: datetime, ignore_backoff: bool = False, only_ids: list[int] | None = None
) -> FlushResult:
    """Deliver queued emails due at ``now`` (every queued one with ``ignore_backoff``).

    Never raises for SMTP trouble: outcomes are recorded on the emails. When
    the server cannot be reached, the rest of the batch is deferred at once
    instead of waiting for one timeout per email. A database error stops the
    flush (leases expire; the next flush resumes).
    """
    with SmtpConnection(MailSettings.from_config(current_app.config)) as connection:
        sender = _Sender(now, connection)
        last_id = 0
        try:
            while ids := _candidates(sender.now(), ignore_backoff, last_id, only_ids):
                for email_id in ids:
                    last_id = email_id
                    sender.deliver(email_id)
        except sa.exc.OperationalError:
            db.session.rollback()
            log.exception("outbox flush stopped by a database error")
            sender.result.interrupted = True
    db.session.expire_all()
    return sender.result


# --- admin actions -----------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    from safety.permissions import is_admin

    if not is_admin(actor):
        raise Forbidden(_("Only administrators may manage the outbox."))


def retry_email(actor: User | None, email: OutboxEmail, *, now: datetime) -> OutboxEmail:
    """Queue a failed email again, due now, with a fresh count of attempts.

    :raise Forbidden: unless ``actor`` is an admin
    :raise Conflict: when the email is not failed
    """
    _require_admin(actor)
    if email.status != EmailStatus.FAILED:
        raise Conflict(_("Only a failed email can be retried."))
    email.status = EmailStatus.QUEUED
    email.attempts = 0
    email.next_attempt_at = now
    email.lease_owner = None
    email.lease_until = None
    audit.record(actor, "email.retry", email, {"to": email.to_addr}, now=now)
    db.session.commit()
    return email


def _valid_address(to: str | None) -> str:
    from email_validator import EmailNotValidError, validate_email

    text = (to or "").strip()
    if not text:
        raise ValidationError({"to": _("Enter an email address.")})
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError({"to": _("Not a valid email address.")}) from None


def send_test_email(actor: User | None, to: str, *, now: datetime) -> OutboxEmail:
    """Queue a test email in the actor's language and try to deliver it at once.

    The outcome (sent, or queued/failed with the SMTP error) is on the email.

    :raise Forbidden: unless ``actor`` is an admin
    :raise ValidationError: ``to`` is not an email address
    """
    _require_admin(actor)
    address = _valid_address(to)
    settings = MailSettings.from_config(current_app.config)
    with force_locale(actor.locale.value):
        context = {
            "actor": actor,
            "settings": settings,
            "now": now,
            "base_url": current_app.config["BASE_URL"],
        }
        subject = _("Safety: test email")
        text = render_email("email/test.txt", context)
        html = render_email("email/test.html", context)
    email = queue_email(
        kind=KIND_TEST,
        to_addr=address,
        subject=subject,
        text_body=text,
        html_body=html,
        now=now,
    )
    audit.record(actor, "email.test", email, {"to": address}, now=now)
    db.session.commit()
    flush_outbox(now=now, ignore_backoff=True, only_ids=[email.id])
    return db.session.get(OutboxEmail, email.id, populate_existing=True)
