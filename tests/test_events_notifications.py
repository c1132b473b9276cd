"""Event notifications (contract §5): sent at once, apart from the daily digest.

Driven through the hazard services' own actions; emails go through a real
SMTP server and the scheduler's flush job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from safety import jobs
from safety.extensions import db
from safety.models import EmailStatus, Notice, OutboxEmail
from safety.services import events, hazards
from safety.services.outbox import flush_outbox
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")

NOW = builders.NOW
TODAY = builders.TODAY


def _assign(hazard: Any, post: Any, actor: Any = None) -> None:
    data = {
        "accountable_post_id": post.id,
        "deadline": TODAY + timedelta(days=10),
        "measures": "更换护栏",
        "funds": "100",
        "contingency_plan": "设置警戒区",
    }
    if hazard.level.value == "major":
        data["plan"] = {part: f"{part} 内容" for part in hazards.PLAN_PARTS}
    hazards.assign_hazard(
        actor or builders.actor(), hazard, data, version=hazard.version, now=NOW, today=TODAY
    )


def test_assigning_tells_the_holders_at_once_in_their_language(
    smtp: SmtpServer, app: Any, client: Any, auth: Any
) -> None:
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    zh = builders.make_holder(post, email="zh@example.com")
    builders.make_holder(post, email="en@example.com", locale="en")
    hazard = builders.make_hazard(unit=unit, title="护栏破损")
    assert smtp.messages == [] and db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0

    _assign(hazard, post)
    # Delivered by the scheduler's next minute flush, not by a reminder pass.
    assert jobs.run_job(app, "outbox.flush", now=NOW + timedelta(minutes=1)) is not None

    [zh_mail] = smtp.to("zh@example.com")
    [en_mail] = smtp.to("en@example.com")
    assert hazard.number in zh_mail.subject and hazard.number in en_mail.subject
    assert "分配" in zh_mail.subject
    assert "assigned to your post" in en_mail.subject
    link = f"http://safety.test/hazards/{hazard.id}"
    assert link in zh_mail.part("plain") and link in en_mail.part("html")
    assert "更换护栏" in en_mail.part("plain")  # the measures, as the note

    notices = db.session.scalars(sa.select(Notice).order_by(Notice.user_id)).all()
    assert {n.kind for n in notices} == {"assigned"} and len(notices) == 2
    auth.login(zh.email)
    page = client.get("/notifications/").get_data(as_text=True)
    assert hazard.number in page and "护栏破损" in page
    assert f'href="/hazards/{hazard.id}"' in page


def test_vacant_post_sends_the_event_up_the_chain_then_to_admins(
    smtp: SmtpServer, app: Any
) -> None:
    unit = builders.make_unit()
    top = builders.make_post(unit=unit)
    middle = builders.make_post(unit=unit, superior=top)
    post = builders.make_post(unit=unit, superior=middle)
    builders.make_holder(top, email="top@example.com")
    hazard = builders.make_hazard(unit=unit)
    _assign(hazard, post)

    lonely = builders.make_post(unit=unit)
    builders.make_user(email="admin2@example.com", is_admin=True)
    other = builders.make_hazard(unit=unit)
    _assign(other, lonely)
    flush_outbox(now=NOW)

    [mail] = smtp.to("top@example.com")
    assert hazard.number in mail.subject
    # The builders' admin assigned it: the actor is never told about their own action.
    [admin_mail] = smtp.to("admin2@example.com")
    assert other.number in admin_mail.subject
    assert smtp.to("builder-admin@example.com") == []


def test_rejecting_tells_the_accountable_holders_with_the_reason(
    smtp: SmtpServer, app: Any
) -> None:
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    holder = builders.make_holder(post, email="holder@example.com", locale="en")
    hazard = builders.make_hazard("pending_verification", unit=unit, accountable_post=post)
    flush_outbox(now=NOW)
    before = len(smtp.to("holder@example.com"))
    hazards.reject_hazard(
        builders.actor(), hazard, note="护栏未固定", version=hazard.version, now=NOW, today=TODAY
    )
    flush_outbox(now=NOW)
    [mail] = smtp.to("holder@example.com")[before:]
    assert "rejected" in mail.subject and hazard.number in mail.subject
    assert "护栏未固定" in mail.part("plain")
    assert holder.id in set(db.session.scalars(sa.select(Notice.user_id)))


def test_a_major_hazard_reported_tells_main_responsibility_above(
    smtp: SmtpServer, app: Any
) -> None:
    plant = builders.make_unit()
    workshop = builders.make_unit(parent=plant)
    head = builders.grant_hazard_role(
        "main", plant, builders.make_user(email="head@example.com", locale="en")
    )
    builders.grant_hazard_role("supervision", plant, builders.make_user(email="sup@example.com"))
    builders.make_hazard(unit=workshop, level="general")
    flush_outbox(now=NOW)
    assert smtp.messages == []  # a general hazard: nobody is told at once

    major = builders.make_hazard(unit=workshop, level="major", title="Tank leak")
    flush_outbox(now=NOW)
    [mail] = smtp.to("head@example.com")
    assert "Major hazard reported" in mail.subject and major.number in mail.subject
    assert f"http://safety.test/hazards/{major.id}" in mail.part("plain")
    assert smtp.to("sup@example.com") == []
    assert db.session.scalar(sa.select(Notice.user_id).where(Notice.kind == "reported")) == head.id


def test_extension_requested_tells_the_requesters_managers_not_the_requester(
    smtp: SmtpServer, app: Any
) -> None:
    unit = builders.make_unit()
    boss_post = builders.make_post(unit=unit)
    post = builders.make_post(unit=unit, superior=boss_post)
    requester = builders.make_holder(post, email="req@example.com")
    builders.make_holder(boss_post, email="boss@example.com")
    builders.grant_hazard_role("leadership", unit, builders.make_user(email="lead@example.com"))
    builders.grant_hazard_role("direct", unit, builders.make_user(email="direct@example.com"))
    hazard = builders.make_hazard("rectifying", unit=unit, accountable_post=post)
    flush_outbox(now=NOW)
    seen = len(smtp.messages)

    events.hazard_event("extension_requested", hazard, requester, "设备到货延迟", now=NOW)
    db.session.commit()
    flush_outbox(now=NOW)
    told = {address for m in smtp.messages[seen:] for address in m.rcpt_tos}
    assert told == {"boss@example.com", "lead@example.com"}

    events.hazard_event("extension_decided", hazard, builders.actor(), "同意延期", now=NOW)
    db.session.commit()
    flush_outbox(now=NOW)
    [decided] = [m for m in smtp.to("req@example.com") if "延期" in m.part("plain")]
    assert hazard.number in decided.subject


def test_unknown_kinds_notify_nobody(smtp: SmtpServer, app: Any) -> None:
    post = builders.make_post()
    builders.make_holder(post)
    hazard = builders.make_hazard("rectifying", accountable_post=post)
    count = db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)))
    notices = db.session.scalar(sa.select(sa.func.count(Notice.id)))
    events.hazard_event("something_else", hazard, None, now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == count
    assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == notices


def test_event_emails_are_not_digests_and_never_cancelled(smtp: SmtpServer, app: Any) -> None:
    post = builders.make_post()
    builders.make_holder(post, email="holder@example.com")
    smtp.stop()
    builders.make_hazard("closed", accountable_post=post)
    smtp.start()
    result = flush_outbox(now=NOW + timedelta(hours=1))
    assert result.cancelled == 0 and result.sent == 1
    email = db.session.scalar(sa.select(OutboxEmail))
    assert email.kind == events.KIND_EVENT and email.status == EmailStatus.SENT


def test_nobody_is_notified_while_muted(app: Any) -> None:
    """The demo loader mutes events: a year of history is not news today."""
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    builders.make_holder(post)
    with events.muted():
        builders.make_hazard("rectifying", unit=unit, accountable_post=post)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 0


def test_assigning_a_major_hazard_asks_main_responsibility_to_approve_its_plan(
    smtp: SmtpServer, app: Any
) -> None:
    plant = builders.make_unit()
    head = builders.grant_hazard_role(
        "main", plant, builders.make_user(email="approver@example.com", locale="en")
    )
    post = builders.make_post(unit=plant)
    builders.make_holder(post, email="fixer@example.com")
    general = builders.make_hazard(unit=plant, level="general")
    _assign(general, post)
    major = builders.make_hazard(unit=plant, level="major", title="Tank leak")
    flush_outbox(now=NOW)
    smtp.messages.clear()

    _assign(major, post)
    flush_outbox(now=NOW)
    subjects = [m.subject for m in smtp.to("approver@example.com")]
    assert any("awaits approval" in s and major.number in s for s in subjects), subjects
    kinds = set(db.session.scalars(sa.select(Notice.kind).where(Notice.user_id == head.id)))
    assert "plan_approval_needed" in kinds
