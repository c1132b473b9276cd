"""Delivering the outbox against a real SMTP server: outages, 4xx, 5xx, hangs."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from safety.models import EmailStatus, OutboxEmail
from safety.services import outbox
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
        assert email.attempts == 1
        assert email.next_attempt_at > NOW
        assert email.last_error
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
    assert outbox.flush_outbox(now=NOW + timedelta(hours=3)).sent == 2
    assert len(smtp.messages) == 2


def test_leased_email_is_not_sent_by_a_second_sender(smtp: SmtpServer, app: Any, db: Any) -> None:
    [email] = queue(db)
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email.id)
        .values(lease_owner="other", lease_until=NOW + timedelta(minutes=1))
    )
    db.session.commit()
    assert outbox.flush_outbox(now=NOW).sent == 0
    # An expired lease (its sender died) is taken over.
    assert outbox.flush_outbox(now=NOW + timedelta(minutes=2)).sent == 1
    assert len(smtp.messages) == 1


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
