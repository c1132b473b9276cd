"""Delivering the outbox against a real SMTP server: outages, 4xx, 5xx, hangs."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety import clock
from safety.models import EmailStatus, OutboxEmail
from safety.services import outbox
from safety.services.mailer import SmtpConnection
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")

NOW = builders.NOW


def queue(db: Any, n: int = 1, to: str = "someone@example.com") -> list[OutboxEmail]:
    emails = [
        outbox.queue_email(
            kind="test",
            to_addr=to,
            subject=f"Hello {i}",
            text_body="text",
            html_body="<p>html</p>",
            now=NOW,
        )
        for i in range(n)
    ]
    db.session.commit()
    return emails


def reload(db: Any, email: OutboxEmail) -> OutboxEmail:
    return db.session.get(OutboxEmail, email.id, populate_existing=True)


def test_queued_email_is_sent_once_with_text_and_html(smtp: SmtpServer, app: Any, db: Any) -> None:
    [email] = queue(db)
    result = outbox.flush_outbox(now=NOW)
    assert (result.sent, result.failed, result.deferred) == (1, 0, 0)
    assert outbox.flush_outbox(now=NOW + timedelta(hours=1)).sent == 0
    [received] = smtp.messages
    assert received.subject == "Hello 0"
    assert received.part("plain").strip() == "text"
    assert "<p>html</p>" in received.part("html")
    email = reload(db, email)
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None and email.lease_owner is None


def test_outage_keeps_emails_queued_then_delivers_each_once(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    emails = queue(db, 3)
    smtp.stop()
    result = outbox.flush_outbox(now=NOW)
    assert (result.sent, result.deferred) == (0, 3)
    for email in emails:
        email = reload(db, email)
        assert email.status == EmailStatus.QUEUED
        assert email.next_attempt_at > NOW
        assert email.last_error
    # Only the email that was tried spent an attempt (issue 14).
    assert [reload(db, e).attempts for e in emails] == [1, 0, 0]
    # Backoff: nothing is due a second later.
    smtp.start()
    assert outbox.flush_outbox(now=NOW + timedelta(seconds=1)).sent == 0
    later = NOW + timedelta(hours=2)
    assert outbox.flush_outbox(now=later).sent == 3
    assert outbox.flush_outbox(now=later + timedelta(hours=2)).sent == 0
    assert sorted(m.subject for m in smtp.messages) == ["Hello 0", "Hello 1", "Hello 2"]


def test_ignore_backoff_delivers_at_once(smtp: SmtpServer, app: Any, db: Any) -> None:
    queue(db)
    smtp.stop()
    outbox.flush_outbox(now=NOW)
    smtp.start()
    assert outbox.flush_outbox(now=NOW, ignore_backoff=True).sent == 1


def test_temporary_reply_is_retried_until_max_attempts_then_failed(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    [email] = queue(db)
    smtp.answer("451 4.3.0 Try again later")
    now = NOW
    for expected in (1, 2):
        assert outbox.flush_outbox(now=now).deferred == 1
        email = reload(db, email)
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, expected)
        assert "451" in email.last_error
        now = email.next_attempt_at
    assert outbox.flush_outbox(now=now).failed == 1
    email = reload(db, email)
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 3)


def test_permanent_reply_fails_at_once_and_is_listed_then_retried(
    smtp: SmtpServer, app: Any, db: Any, api: Any, admin: Any
) -> None:
    [email] = queue(db)
    smtp.answer("550 5.1.1 No such user")
    assert outbox.flush_outbox(now=NOW).failed == 1
    email = reload(db, email)
    assert email.status == EmailStatus.FAILED
    assert email.last_error.startswith("550")

    api.login(admin.email)
    body = api.get("/outbox?status=failed").get_json()
    assert [(i["to"], i["subject"], i["status"], i["attempts"]) for i in body["items"]] == [
        ("someone@example.com", "Hello 0", "failed", 1)
    ]
    assert api.get("/outbox?status=queued").get_json()["items"] == []

    smtp.answer("250 OK")
    response = api.post(f"/outbox/{email.id}/retry")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "sent"
    assert len(smtp.messages) == 1
    assert api.post(f"/outbox/{email.id}/retry").status_code == 409


def test_outbox_api_is_for_admins_only(app: Any, api: Any) -> None:
    user = builders.make_user()
    api.login(user.email)
    assert api.get("/outbox").status_code == 403


def test_hanging_server_times_out_and_the_email_is_retried(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    app.config["MAIL_TIMEOUT"] = 1
    emails = queue(db, 2)
    smtp.hang()
    started = time.monotonic()
    result = outbox.flush_outbox(now=NOW)
    # One timeout for the batch, not one per email.
    assert time.monotonic() - started < 5
    assert (result.sent, result.deferred) == (0, 2)
    assert all(reload(db, e).status == EmailStatus.QUEUED for e in emails)
    smtp.start()
    # A deadline for a healthy server: 1 s for the whole conversation failed
    # under load on a busy machine (one of the two deferred again).
    app.config["MAIL_TIMEOUT"] = 10
    assert outbox.flush_outbox(now=NOW + timedelta(hours=3)).sent == 2
    assert len(smtp.messages) == 2


def test_leased_email_is_not_sent_by_a_second_sender(smtp: SmtpServer, app: Any, db: Any) -> None:
    """Leases are on the real clock: a flush "as of" any time respects a live one."""
    [email] = queue(db)
    real_now = clock.now()
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email.id)
        .values(lease_owner="other", lease_until=real_now + timedelta(minutes=1))
    )
    db.session.commit()
    assert outbox.flush_outbox(now=NOW).sent == 0
    # A pass "as of" a later time (reminders run --now) does not steal it either.
    assert outbox.flush_outbox(now=real_now + timedelta(days=1)).sent == 0
    # An expired lease (its sender died) is taken over.
    with time_machine.travel(real_now + timedelta(minutes=2), tick=True):
        assert outbox.flush_outbox(now=NOW + timedelta(minutes=2)).sent == 1
    assert len(smtp.messages) == 1


def test_ten_flushes_during_an_outage_fail_nothing_and_one_after_delivers_all(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    emails = queue(db, 5)
    smtp.stop()
    now = NOW
    for _ in range(10):
        result = outbox.flush_outbox(now=now)
        assert result.failed == 0 and result.sent == 0
        now += timedelta(hours=2)
    assert all(reload(db, e).status == EmailStatus.QUEUED for e in emails)
    # Only the email tried first each time spent attempts.
    assert [reload(db, e).attempts for e in emails][1:] == [0, 0, 0, 0]
    smtp.start()
    assert outbox.flush_outbox(now=now).sent == 5
    assert len(smtp.messages) == 5


def test_delivery_costs_one_commit_per_email_and_no_transaction_during_smtp(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    queue(db, 6)
    commits = 0
    open_during_send: list[bool] = []

    def count(_session: Any) -> None:
        nonlocal commits
        commits += 1

    real_send = SmtpConnection.send

    def watching_send(self: Any, message: Any) -> None:
        open_during_send.append(db.session().in_transaction())
        real_send(self, message)

    sa.event.listen(db.session, "after_commit", count)
    SmtpConnection.send = watching_send
    try:
        assert outbox.flush_outbox(now=NOW).sent == 6
    finally:
        SmtpConnection.send = real_send
        sa.event.remove(db.session, "after_commit", count)
    assert open_during_send == [False] * 6
    # One per email, plus the candidates' read and the last outcome.
    assert commits <= 6 + 3


def test_the_moot_digest_check_is_index_lookups_without_joins(smtp: SmtpServer, app: Any) -> None:
    from safety.extensions import db as _db
    from safety.services.reminders import run_reminders
    from tests.test_reminders_rules import TODAY, rectifying

    post = builders.make_post()
    builders.make_holder(post)
    rectifying(post, deadline=TODAY)
    smtp.stop()
    run_reminders(now=NOW)
    smtp.start()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", record)
    try:
        email = _db.session.scalar(sa.select(OutboxEmail))
        statements.clear()
        assert outbox._still_relevant(email) is True
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", record)
    assert statements and not any("JOIN" in s.upper() for s in statements)


def test_send_test_email_reports_the_outcome(smtp: SmtpServer, app: Any, admin: Any) -> None:
    email = outbox.send_test_email(admin, "ops@example.com", now=NOW)
    assert email.status == EmailStatus.SENT
    [received] = smtp.to("ops@example.com")
    assert "SMTP" in received.part("plain")


@pytest.mark.parametrize("to", ["", "not-an-address"])
def test_send_test_email_rejects_bad_address(app: Any, admin: Any, to: str) -> None:
    from safety.services.errors import ValidationError

    with pytest.raises(ValidationError):
        outbox.send_test_email(admin, to, now=NOW)


def test_only_admins_send_test_emails_or_retry(app: Any, db: Any) -> None:
    from safety.services.errors import Forbidden

    user = builders.make_user()
    with pytest.raises(Forbidden):
        outbox.send_test_email(user, "x@example.com", now=NOW)
    [email] = queue(db)
    with pytest.raises(Forbidden):
        outbox.retry_email(user, email, now=NOW)


def test_outbox_flush_command_delivers_and_exits_zero(
    smtp: SmtpServer, app: Any, db: Any, runner: Any
) -> None:
    queue(db, 2)
    smtp.stop()
    result = runner.invoke(args=["outbox", "flush"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 0 sent, 0 failed, 2 deferred, 0 cancelled"
    smtp.start()
    # Backoff is ignored: "outbox flush" tries every queued email now.
    result = runner.invoke(args=["outbox", "flush"])
    assert result.output.strip() == "outbox: 2 sent, 0 failed, 0 deferred, 0 cancelled"


def test_a_trickling_server_cannot_hold_a_flush_past_the_conversation_deadline(
    smtp: SmtpServer, app: Any, db: Any
) -> None:
    """Every read succeeds within MAIL_TIMEOUT, yet the conversation never ends."""
    app.config["MAIL_TIMEOUT"] = 2
    app.config["MAIL_DEADLINE"] = 3
    emails = queue(db, 2)
    smtp.trickle(every=0.3)
    started = time.monotonic()
    result = outbox.flush_outbox(now=NOW)
    assert time.monotonic() - started < 6
    assert (result.sent, result.deferred) == (0, 2)
    assert all(reload(db, e).status == EmailStatus.QUEUED for e in emails)
    assert "3" in reload(db, emails[0]).last_error
    smtp.start()
    # A deadline for a healthy server: 1 s for the whole conversation failed
    # under load on a busy machine (one of the two deferred again).
    app.config["MAIL_TIMEOUT"] = 10
    assert outbox.flush_outbox(now=NOW + timedelta(hours=3)).sent == 2


def test_the_lease_covers_the_longest_conversation(app: Any) -> None:
    app.config["MAIL_TIMEOUT"] = 10
    app.config["MAIL_DEADLINE"] = 75
    assert outbox.lease_seconds() > 75
