"""The daily digest end to end: contents, language, once a day, outages, cancels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from safety.extensions import db
from safety.models import (
    EmailStatus,
    HazardStatus,
    OutboxEmail,
    ReminderDigest,
    ReminderItem,
)
from safety.services.reminders import run_reminders
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import NOW, TODAY, rectifying


@pytest.fixture
def team(app: Any) -> dict[str, Any]:
    unit = builders.make_unit(name="一车间")
    boss_post = builders.make_post(unit=unit, title="车间主任")
    post = builders.make_post(unit=unit, superior=boss_post, title="班组长")
    return {
        "unit": unit,
        "post": post,
        "boss_post": boss_post,
        "holder": builders.make_holder(post, email="holder@example.com", locale="en"),
        "boss": builders.make_holder(boss_post, email="boss@example.com", locale="zh_CN"),
    }


def test_digest_lists_each_hazard_with_why_and_link_in_english(
    smtp: SmtpServer, team: dict
) -> None:
    overdue = rectifying(team["post"], deadline=TODAY - timedelta(days=4), title="Broken guard")
    soon = rectifying(team["post"], deadline=TODAY + timedelta(days=2), title="Loose cable")
    summary = run_reminders(now=NOW)
    assert summary.line() == (
        "reminders 2026-03-12: 2 recipients, 2 hazards, 2 queued, 2 sent, 0 failed, 0 deferred"
    )
    [mail] = smtp.to("holder@example.com")
    assert mail.subject == "Safety reminder: 1 overdue, 1 due soon"
    for body in (mail.part("plain"), mail.part("html")):
        for text in (
            overdue.number,
            "Broken guard",
            soon.number,
            "Loose cable",
            "一车间",
            "2026-03-08",
            "4 days overdue",
            "2 days left",
            "accountable",
            f"http://safety.test/hazards/{overdue.id}",
            f"http://safety.test/hazards/{soon.id}",
        ):
            assert text in body, text


def test_digest_in_chinese_for_the_superior_names_the_single_number(
    smtp: SmtpServer, team: dict
) -> None:
    hazard = rectifying(team["post"], deadline=TODAY - timedelta(days=3))
    run_reminders(now=NOW)
    [mail] = smtp.to("boss@example.com")
    assert hazard.number in mail.subject
    assert "逾期" in mail.subject
    text = mail.part("plain")
    assert "已逾期 3 天" in text
    assert "上级" in text
    assert f"http://safety.test/hazards/{hazard.id}" in text


def test_one_email_per_person_per_day_however_many_passes(smtp: SmtpServer, team: dict) -> None:
    rectifying(team["post"], deadline=TODAY)
    first = run_reminders(now=NOW)
    assert first.queued == 1
    # Later that day something new is due: still no second email today.
    rectifying(team["post"], deadline=TODAY + timedelta(days=1))
    again = run_reminders(now=NOW + timedelta(hours=6))
    assert (again.queued, again.flush.sent) == (0, 0)
    assert len(smtp.to("holder@example.com")) == 1
    # The next day brings the next digest, with both hazards.
    next_day = run_reminders(now=NOW + timedelta(days=1))
    assert next_day.queued == 1
    mails = smtp.to("holder@example.com")
    assert len(mails) == 2
    assert "2 due soon" in mails[1].subject or "1 overdue" in mails[1].subject


def test_local_date_decides_the_day_not_utc(smtp: SmtpServer, team: dict) -> None:
    rectifying(team["post"], deadline=TODAY)
    run_reminders(now=NOW)
    # 23:30 UTC is already the next morning in Shanghai: a new day, a new digest.
    late = NOW.replace(hour=23, minute=30)
    assert run_reminders(now=late).queued == 1
    dates = db.session.scalars(sa.select(ReminderDigest.local_date).order_by(ReminderDigest.id))
    assert [d.isoformat() for d in dates] == ["2026-03-12", "2026-03-13"]


def test_dry_run_writes_and_sends_nothing(smtp: SmtpServer, team: dict) -> None:
    rectifying(team["post"], deadline=TODAY)
    summary = run_reminders(now=NOW, dry_run=True)
    assert "dry run" in summary.line()
    assert summary.queued == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderDigest)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0
    assert smtp.messages == []


def test_smtp_down_keeps_digests_queued_and_delivers_them_once_when_back(
    smtp: SmtpServer, team: dict
) -> None:
    rectifying(team["post"], deadline=TODAY - timedelta(days=5))
    smtp.stop()
    summary = run_reminders(now=NOW)
    assert summary.line().endswith("2 queued, 0 sent, 0 failed, 2 deferred")
    # Another pass the same day queues nothing new.
    assert run_reminders(now=NOW + timedelta(minutes=30)).queued == 0
    smtp.start()
    later = run_reminders(now=NOW + timedelta(hours=3))
    assert (later.queued, later.flush.sent) == (0, 2)
    run_reminders(now=NOW + timedelta(hours=5))
    assert len(smtp.to("holder@example.com")) == 1
    assert len(smtp.to("boss@example.com")) == 1


def test_queued_digest_of_closed_hazards_is_cancelled(smtp: SmtpServer, team: dict) -> None:
    hazard = rectifying(team["post"], deadline=TODAY)
    smtp.stop()
    run_reminders(now=NOW)
    hazard.status = HazardStatus.CLOSED
    db.session.commit()
    smtp.start()
    from safety.services.outbox import flush_outbox

    result = flush_outbox(now=NOW + timedelta(hours=3))
    assert (result.sent, result.cancelled) == (0, 1)
    assert smtp.messages == []
    email = db.session.scalar(sa.select(OutboxEmail))
    assert email.status == EmailStatus.CANCELLED


def test_digest_with_one_hazard_still_open_is_sent(smtp: SmtpServer, team: dict) -> None:
    closed = rectifying(team["post"], deadline=TODAY)
    rectifying(team["post"], deadline=TODAY + timedelta(days=1))
    smtp.stop()
    run_reminders(now=NOW)
    closed.status = HazardStatus.VOID
    db.session.commit()
    smtp.start()
    run_reminders(now=NOW + timedelta(hours=3))
    assert len(smtp.to("holder@example.com")) == 1


def test_reminder_items_record_what_was_said(smtp: SmtpServer, team: dict) -> None:
    hazard = rectifying(team["post"], deadline=TODAY - timedelta(days=3))
    run_reminders(now=NOW)
    rows = db.session.execute(
        sa.select(ReminderDigest.user_id, ReminderItem.kind, ReminderItem.reason, ReminderItem.days)
        .join(ReminderDigest, ReminderDigest.id == ReminderItem.digest_id)
        .where(ReminderItem.hazard_id == hazard.id)
        .order_by(ReminderDigest.user_id)
    ).all()
    assert sorted(rows) == sorted(
        [
            (team["holder"].id, "overdue", "accountable", 3),
            (team["boss"].id, "overdue", "superior", 3),
        ]
    )
    assert all(d.email_id is not None for d in db.session.scalars(sa.select(ReminderDigest)).all())


def test_person_without_email_gets_a_digest_record_and_a_warning(
    smtp: SmtpServer, team: dict
) -> None:
    from safety.models import User
    from safety.services.reminders import digests_without_email

    holder = db.session.get(User, team["holder"].id)
    holder.email = ""
    db.session.commit()
    rectifying(team["post"], deadline=TODAY)
    summary = run_reminders(now=NOW)
    assert "1 without email" in summary.line()
    assert [row[1] for row in digests_without_email(TODAY)] == [holder.id]
    # Not absorbed in silence (issue 14): the superior post's holder is told instead.
    assert [m.rcpt_tos for m in smtp.messages] == [["boss@example.com"]]


def _count_queries(fn: Any) -> int:
    engine = db.engine
    count = 0

    def before(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def _grow(team: dict, people: int, hazards: int) -> None:
    for _ in range(people):
        post = builders.make_post(unit=team["unit"], superior=team["boss_post"])
        builders.make_holder(post)
        for i in range(hazards):
            rectifying(post, deadline=TODAY - timedelta(days=i))


def test_the_pass_makes_the_same_number_of_queries_at_any_size(team: dict) -> None:
    _grow(team, 2, 2)
    small = _count_queries(lambda: run_reminders(now=NOW, deliver=False))
    _grow(team, 12, 8)
    large = _count_queries(lambda: run_reminders(now=NOW + timedelta(days=1), deliver=False))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderItem)) > 100
    assert small == large


def test_cli_pass_exits_zero_with_smtp_down(runner: Any, team: dict) -> None:
    rectifying(team["post"], deadline=TODAY)
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-12T10:00"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("reminders 2026-03-12: 1 recipients, 1 hazards, 1 queued")
    assert "1 deferred" in result.output


def test_a_holder_without_a_usable_address_does_not_absorb_the_digest(
    smtp: SmtpServer, app: Any, client: Any, auth: Any, admin: Any
) -> None:
    """The people above (the §5 ladder) are told, and admins see the address problem."""
    from safety.models import User

    unit = builders.make_unit()
    top = builders.make_post(unit=unit)
    boss_post = builders.make_post(unit=unit, superior=top)
    post = builders.make_post(unit=unit, superior=boss_post)
    silent = builders.make_holder(post, name="王五")
    boss = builders.make_holder(boss_post, email="boss@example.com", locale="en")
    db.session.get(User, boss.id).email = "not an address"
    builders.make_holder(top, email="top@example.com", locale="en")
    db.session.get(User, silent.id).email = ""
    db.session.commit()
    from safety import clock

    now = clock.now()  # the admin page warns about the last two weeks
    hazard = rectifying(post, deadline=clock.local_date(now) + timedelta(days=1), unit=unit)
    run_reminders(now=now)
    [mail] = smtp.to("top@example.com")
    assert hazard.number in mail.subject
    assert "no usable email address" in mail.part("plain")
    auth.login(admin.email)
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "王五" in page


def test_due_control_checks_join_the_owner_holders_digest(smtp: SmtpServer, team: dict) -> None:
    """Contract §6: a due check is in the owner holders' digest, naming the control
    and its risk point, linking to the check form."""
    from datetime import UTC, datetime

    point = builders.make_risk_point(unit=team["post"].unit, name="Lime kiln")
    risk = builders.make_risk(point, event="CO poisoning")
    control = builders.make_control(
        risk,
        team["post"],
        text="Check the CO alarm",
        now=datetime(2026, 3, 10, 2, tzinfo=UTC),
    )
    run_reminders(now=NOW)
    [mail] = smtp.to("holder@example.com")
    body = mail.part("plain")
    assert "Check the CO alarm" in body and "Lime kiln" in body
    assert f"http://safety.test/risks/controls/{control.id}/check" in body
