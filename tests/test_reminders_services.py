"""Reminders over hazards, lists and plans made by the other areas' own services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import EmailStatus, OutboxEmail, ReminderItem
from safety.services.outbox import flush_outbox
from safety.services.reminders import run_reminders
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import NOW, TODAY


def test_major_hazard_assigned_through_the_services_escalates_from_day_one(
    smtp: SmtpServer, app: Any
) -> None:
    unit = builders.make_unit()
    boss_post = builders.make_post(unit=unit)
    post = builders.make_post(unit=unit, superior=boss_post)
    builders.make_holder(post, email="holder@example.com")
    builders.make_holder(boss_post, email="boss@example.com")
    hazard = builders.make_hazard(
        "rectifying",
        unit=unit,
        level="major",
        accountable_post=post,
        deadline=TODAY - timedelta(days=1),
    )
    run_reminders(now=NOW)
    for address in ("holder@example.com", "boss@example.com"):
        [mail] = smtp.to(address, kind="digest")
        assert hazard.number in mail.subject


def test_closing_through_the_services_cancels_the_queued_digest(smtp: SmtpServer, app: Any) -> None:
    post = builders.make_post()
    holder = builders.make_holder(post, email="holder@example.com")
    hazard = builders.make_hazard(
        "rectifying", accountable_post=post, deadline=TODAY, submitter=holder
    )
    smtp.stop()
    run_reminders(now=NOW)
    from safety.services import hazards

    hazards.submit_hazard(
        holder, hazard, note="已整改", version=hazard.version, now=NOW, today=TODAY
    )
    hazards.verify_hazard(
        builders.actor(), hazard, note="验收合格", version=hazard.version, now=NOW, today=TODAY
    )
    smtp.start()
    result = flush_outbox(now=NOW + timedelta(hours=3))
    assert result.cancelled == 1
    assert smtp.to("holder@example.com", kind="digest") == []
    digest = sa.select(OutboxEmail.status).where(OutboxEmail.kind == "digest")
    assert db.session.scalar(digest) == EmailStatus.CANCELLED


def test_digest_also_lists_unsigned_responsibility_lists_and_due_inspections(
    smtp: SmtpServer, app: Any
) -> None:
    unit = builders.make_unit()
    post = builders.make_post(unit=unit, title="安全员")
    builders.make_holder(post, email="holder@example.com", locale="en")
    builders.make_responsibility(post, unit, kind="supervision")
    builders.make_plan(unit=unit, post=post)  # monthly from 2026-01-31: due
    summary = run_reminders(now=NOW)
    assert summary.queued == 1
    [mail] = smtp.to("holder@example.com")
    text = mail.part("plain")
    assert "Responsibility list to sign: 安全员" in text
    assert "Inspection due:" in text
    kinds = set(db.session.scalars(sa.select(ReminderItem.kind)))
    assert kinds == {"unsigned", "inspection_due"}
    assert mail.subject == "Safety reminder: 2 items to do"
