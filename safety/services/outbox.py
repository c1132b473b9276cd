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

from safety import clock
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
    conversation_deadline,
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
#: A lease outlives the longest conversation by this much (database work around it).
LEASE_MARGIN = 60
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
    return int(conversation_deadline(current_app.config) + LEASE_MARGIN)


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


def _lease_free(real_now: datetime) -> sa.ColumnElement[bool]:
    """Not leased, or leased by a sender whose lease ran out (by the real clock)."""
    return sa.or_(OutboxEmail.lease_until.is_(None), OutboxEmail.lease_until < real_now)


def _candidates(now: datetime, ignore_backoff: bool, after_id: int, only: list[int] | None) -> list:
    stmt = (
        sa.select(OutboxEmail.id)
        .where(
            OutboxEmail.status == EmailStatus.QUEUED,
            OutboxEmail.id > after_id,
            _lease_free(clock.now()),
        )
        .order_by(OutboxEmail.id)
        .limit(BATCH_SIZE)
    )
    if not ignore_backoff:
        stmt = stmt.where(OutboxEmail.next_attempt_at <= now)
    if only is not None:
        stmt = stmt.where(OutboxEmail.id.in_(only))
    ids = list(db.session.scalars(stmt))
    db.session.commit()  # end the read: no transaction stays open while SMTP talks
    return ids


def _take_lease(email_id: int, owner: str) -> bool:
    """True when this sender now owns the email (atomic on both databases).

    Leases are read and written on the real clock, whatever ``now`` the
    caller decides reminders for: a pass run "as of" an earlier time must
    not see a live lease as expired.
    """
    real_now = clock.now()
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.status == EmailStatus.QUEUED,
            _lease_free(real_now),
        )
        .values(lease_owner=owner, lease_until=real_now + timedelta(seconds=lease_seconds()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _still_relevant(email: OutboxEmail) -> bool:
    """A digest whose hazards are all closed or void (and says nothing else) is moot.

    Three single-table lookups, each on an index by construction (the
    digest by ``email_id``, its items by ``digest_id``, hazards by primary
    key), so no table statistics can turn them into a scan.
    """
    if email.kind != KIND_DIGEST:
        return True
    if email.to_user_id is not None:
        active = db.session.scalar(sa.select(User.active).where(User.id == email.to_user_id))
        if active is False:
            return False
    digest_ids = list(
        db.session.scalars(sa.select(ReminderDigest.id).where(ReminderDigest.email_id == email.id))
    )
    if not digest_ids:
        return True
    items = db.session.execute(
        sa.select(ReminderItem.object_type, ReminderItem.hazard_id).where(
            ReminderItem.digest_id.in_(digest_ids)
        )
    ).all()
    if not items or any(kind != "hazard" or hid is None for kind, hid in items):
        return True
    hazard_ids = {hid for _kind, hid in items}
    statuses = set(db.session.scalars(sa.select(Hazard.status).where(Hazard.id.in_(hazard_ids))))
    return len(statuses) == 0 or not statuses <= set(SETTLED)


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


def _record(email_id: int, owner: str, values: dict[str, Any]) -> None:
    """Add an outcome to the current transaction, only while this sender holds the lease."""
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )


class _Sender:
    """One flush's state: who holds the leases, the SMTP session, the outcome.

    One commit per email: the outcome of an email is committed together with
    the lease of the next one (and the last outcome on its own), and no
    transaction is open while the SMTP server is spoken to.
    """

    def __init__(self, now: datetime, connection: SmtpConnection) -> None:
        self.start_now = now
        self.started = time.monotonic()
        self.owner = sender_id()
        self.connection = connection
        self.result = FlushResult()
        #: Set once the server cannot be reached: the rest is deferred at once.
        self.unreachable: str | None = None
        #: (email id, values) to record with the next commit.
        self.pending: tuple[int, dict[str, Any]] | None = None

    def now(self) -> datetime:
        """The caller's "now" advanced by the time this flush has taken."""
        return self.start_now + timedelta(seconds=time.monotonic() - self.started)

    def _write_pending(self) -> None:
        if self.pending is not None:
            _record(self.pending[0], self.owner, self.pending[1])
            self.pending = None

    def commit(self) -> None:
        """Record what is pending (the last email's outcome) now."""
        self._write_pending()
        db.session.commit()

    def deliver(self, email_id: int) -> None:
        result = self.result
        self._write_pending()
        if not _take_lease(email_id, self.owner):
            db.session.commit()
            result.skipped += 1
            return
        email = db.session.get(OutboxEmail, email_id, populate_existing=True)
        if email is None:
            db.session.commit()
            return
        if not _still_relevant(email):
            _record(email.id, self.owner, {"status": EmailStatus.CANCELLED})
            db.session.commit()
            result.cancelled += 1
            return
        message = _message(email, self.now())
        attempts = email.attempts
        db.session.commit()  # lease (and the previous outcome) saved; nothing open during SMTP
        try:
            self.connection.send(message)
        except TemporaryFailure as error:
            log.warning("email %s deferred: %s", email_id, error)
            if error.connection:
                self.unreachable = str(error)
            self.retry_later(email_id, attempts, str(error), connection=error.connection)
        except PermanentFailure as error:
            log.warning("email %s failed: %s", email_id, error)
            values = {"status": EmailStatus.FAILED, "last_error": str(error)[:2000]}
            self.pending = (email_id, {"attempts": attempts + 1, **values})
            result.failed += 1
        else:
            values = {"status": EmailStatus.SENT, "sent_at": self.now(), "last_error": None}
            self.pending = (email_id, {"attempts": attempts + 1, **values})
            result.sent += 1

    def retry_later(self, email_id: int, attempts: int, error: str, *, connection: bool) -> None:
        """One more attempt counted; backoff. The last allowed one fails the email.

        A server that cannot be reached is not the email's fault: it delays
        the email (with backoff) but never gives it up.
        """
        attempts += 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error[:2000]}
        max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8)
        if attempts >= max_attempts and not connection:
            values["status"] = EmailStatus.FAILED
            self.result.failed += 1
        else:
            values["next_attempt_at"] = self.now() + backoff(attempts)
            self.result.deferred += 1
        self.pending = (email_id, values)

    def defer_untried(self, ignore_backoff: bool, only: list[int] | None) -> None:
        """After the server proved unreachable: put off the rest, counting no attempt.

        One statement for all of them; emails leased by another sender are left alone.
        """
        stmt = (
            sa.update(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.QUEUED, _lease_free(clock.now()))
            .values(
                next_attempt_at=self.now() + backoff(1),
                last_error=f"not tried: {self.unreachable}"[:2000],
            )
            .execution_options(synchronize_session=False)
        )
        if not ignore_backoff:
            stmt = stmt.where(OutboxEmail.next_attempt_at <= self.now())
        if only is not None:
            stmt = stmt.where(OutboxEmail.id.in_(only))
        # Before the tried email's outcome is written: its lease keeps it out.
        self.result.deferred += db.session.execute(stmt).rowcount
        self.commit()


def flush_outbox(
    *, now: datetime, ignore_backoff: bool = False, only_ids: list[int] | None = None
) -> FlushResult:
    """Deliver queued emails due at ``now`` (every queued one with ``ignore_backoff``).

    Never raises for SMTP trouble: outcomes are recorded on the emails. When
    the server cannot be reached, the emails not yet tried are put off in one
    statement without spending their attempts, instead of waiting for one
    timeout per email. A database error stops the flush (leases expire; the
    next flush resumes).
    """
    with SmtpConnection(MailSettings.from_config(current_app.config)) as connection:
        sender = _Sender(now, connection)
        last_id = 0
        try:
            while ids := _candidates(sender.now(), ignore_backoff, last_id, only_ids):
                for email_id in ids:
                    last_id = email_id
                    sender.deliver(email_id)
                    if sender.unreachable is not None:
                        break
                if sender.unreachable is not None:
                    sender.defer_untried(ignore_backoff, only_ids)
                    break
            sender.commit()
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


def retry_failed_emails(actor: User | None, *, now: datetime) -> int:
    """Queue every failed email again, due now, with fresh attempts; how many.

    One statement (and one audit entry): after an outage or a fixed setting,
    admins need not retry emails one by one.

    :raise Forbidden: unless ``actor`` is an admin
    """
    _require_admin(actor)
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.status == EmailStatus.FAILED)
        .values(
            status=EmailStatus.QUEUED,
            attempts=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    audit.record(actor, "email.retry_all", actor, {"count": result.rowcount}, now=now)
    db.session.commit()
    return result.rowcount


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


def outbox_page(
    status: str | None, before: int | None, size: int
) -> tuple[list[OutboxEmail], dict[str, int]]:
    """Newest first, ``size + 1`` emails (one more says there are older ones) of
    ``status`` below id ``before``, and the count of every status."""
    stmt = sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(size + 1)
    if status:
        stmt = stmt.where(OutboxEmail.status == EmailStatus(status))
    if before:
        stmt = stmt.where(OutboxEmail.id < before)
    counts = dict(
        db.session.execute(
            sa.select(OutboxEmail.status, sa.func.count()).group_by(OutboxEmail.status)
        ).all()
    )
    return list(db.session.scalars(stmt)), {s.value: counts.get(s, 0) for s in EmailStatus}
