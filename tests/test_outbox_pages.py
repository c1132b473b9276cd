"""The notifications pages: my digests, the admin outbox, the reminder log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import EmailStatus, OutboxEmail, User
from safety.services.reminders import run_reminders
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import NOW, TODAY, rectifying


def test_my_page_shows_what_my_digest_said(smtp: SmtpServer, client: Any, auth: Any) -> None:
    post = builders.make_post()
    me = builders.make_holder(post, locale="en")
    hazard = rectifying(post, deadline=TODAY - timedelta(days=2), title="Blocked exit")
    run_reminders(now=NOW)
    auth.login(me.email)
    page = client.get("/notifications/").get_data(as_text=True)
    assert hazard.number in page and "Blocked exit" in page
    assert "2 days overdue" in page
    assert "accountable" in page


def test_reminder_log_per_hazard(smtp: SmtpServer, client: Any, auth: Any) -> None:
    post = builders.make_post()
    me = builders.make_holder(post, name="张三")
    hazard = rectifying(post, deadline=TODAY)
    run_reminders(now=NOW)
    run_reminders(now=NOW + timedelta(days=1))
    auth.login(me.email)
    page = client.get(f"/notifications/hazards/{hazard.id}").get_data(as_text=True)
    assert page.count("张三") >= 2
    assert "2026-03-12" in page and "2026-03-13" in page
    assert client.get("/notifications/hazards/999999").status_code == 404


def test_admin_outbox_lists_retries_and_tests(
    smtp: SmtpServer, client: Any, auth: Any, admin: User
) -> None:
    post = builders.make_post()
    builders.make_holder(post, email="bad@example.com")
    rectifying(post, deadline=TODAY)
    smtp.answer("550 5.1.1 No such user")
    run_reminders(now=NOW)
    email = db.session.scalar(sa.select(OutboxEmail))
    assert email.status == EmailStatus.FAILED

    auth.login(admin.email)
    page = client.get("/notifications/outbox?status=failed").get_data(as_text=True)
    assert "bad@example.com" in page and "550 5.1.1 No such user" in page

    smtp.answer("250 OK")
    token = auth.csrf("/notifications/outbox")
    response = client.post(f"/notifications/outbox/{email.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxEmail, email.id).status == EmailStatus.SENT

    response = client.post(
        "/notifications/outbox/test", data={"csrf_token": token, "to": "ops@example.com"}
    )
    assert response.status_code == 302
    assert len(smtp.to("ops@example.com")) == 1


def test_outbox_page_is_for_admins_only(app: Any, client: Any, auth: Any) -> None:
    me = builders.make_user()
    auth.login(me.email)
    assert client.get("/notifications/outbox").status_code == 403
    token = auth.csrf("/notifications/")
    assert (
        client.post(
            "/notifications/outbox/test", data={"csrf_token": token, "to": "a@b.cn"}
        ).status_code
        == 403
    )


def test_outbox_page_warns_about_people_without_email(
    smtp: SmtpServer, client: Any, auth: Any, admin: User
) -> None:
    post = builders.make_post()
    holder = builders.make_holder(post, name="李四")
    db.session.get(User, holder.id).email = ""
    db.session.commit()
    from safety import clock

    now = clock.now()
    rectifying(post, deadline=clock.local_date(now))
    assert "1 without email" in run_reminders(now=now).line()
    auth.login(admin.email)
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "李四" in page


def test_my_page_links_items_by_their_hazard_and_never_fails(
    app: Any, client: Any, auth: Any
) -> None:
    """Items written without ``object_id`` (the demo history's) still link to their hazard."""
    from safety.models import ReminderDigest, ReminderItem

    post = builders.make_post()
    me = builders.make_holder(post, locale="en")
    hazard = rectifying(post, deadline=TODAY - timedelta(days=2), title="Blocked exit")
    digest = ReminderDigest(user_id=me.id, local_date=TODAY, created_at=NOW)
    db.session.add(digest)
    db.session.flush()
    db.session.add_all(
        [
            ReminderItem(
                digest_id=digest.id,
                object_type="hazard",
                hazard_id=hazard.id,
                kind="overdue",
                reason="accountable",
                days=2,
            ),
            ReminderItem(
                digest_id=digest.id,
                object_type="inspection_plan",
                kind="inspection_due",
                reason="holder",
            ),
        ]
    )
    db.session.commit()
    auth.login(me.email)
    response = client.get("/notifications/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/notifications/hazards/{hazard.id}"' in page
    assert hazard.number in page and "Blocked exit" in page


def test_admins_retry_every_failed_email_at_once(
    smtp: SmtpServer, client: Any, auth: Any, api: Any, admin: User
) -> None:
    from safety.services import outbox

    for n in range(3):
        outbox.queue_email(
            kind="test",
            to_addr=f"r{n}@example.com",
            subject="s",
            text_body="t",
            html_body=None,
            now=NOW,
        )
    db.session.commit()
    smtp.answer("550 5.7.1 Relaying denied")
    assert outbox.flush_outbox(now=NOW).failed == 3
    smtp.answer("250 OK")
    auth.login(admin.email)
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "/notifications/outbox/retry-failed" in page
    token = auth.csrf("/notifications/outbox")
    response = client.post("/notifications/outbox/retry-failed", data={"csrf_token": token})
    assert response.status_code == 302
    assert len(smtp.messages) == 3
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(OutboxEmail.status)).all()
    assert statuses == [EmailStatus.SENT] * 3

    smtp.answer("550 5.7.1 Relaying denied")
    outbox.queue_email(
        kind="test", to_addr="r9@example.com", subject="s", text_body="t", html_body=None, now=NOW
    )
    db.session.commit()
    outbox.flush_outbox(now=NOW)
    smtp.answer("250 OK")
    api.login(admin.email)
    body = api.post("/outbox/retry-failed").get_json()
    assert (body["queued"], body["sent"]) == (1, 1)
    me = builders.make_user()
    api.login(me.email)
    assert api.post("/outbox/retry-failed").status_code == 403
