"""Major hazards waiting for a step (approval of the plan, report to the authority,
write-off) and responsibility agreements waiting for a signature join the daily
digest of those who must act, escalating like overdue hazards (contract §5, §7, §8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.extensions import db
from safety.models import ReminderDigest, ReminderItem
from safety.services import hazards, matrix
from safety.services.reminders import plan_reminders, run_reminders
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def org(app: Any) -> dict[str, Any]:
    """A plant whose principal (main) answers to the group head; a workshop post;
    a safety officer (supervision) and a deputy (leadership) for the plant."""
    group = builders.make_unit(name="集团")
    plant = builders.make_unit(name="纯碱厂", parent=group)
    head = builders.make_post(unit=group, title="总经理")
    principal = builders.make_post(unit=plant, title="厂长", superior=head)
    builders.make_responsibility(principal, plant, "main")
    deputy = builders.make_post(unit=plant, title="副厂长", superior=principal)
    builders.make_responsibility(deputy, plant, "leadership")
    officer = builders.make_post(unit=plant, title="安全员", superior=principal)
    workshop = builders.make_post(unit=plant, title="车间主任", superior=deputy)
    return {
        "plant": plant,
        "head": head,
        "principal": principal,
        "deputy": deputy,
        "officer": officer,
        "workshop": workshop,
        "boss": builders.make_holder(head, email="boss@example.com"),
        "workshop_holder": builders.make_holder(workshop, email="ws@example.com"),
        "deputy_holder": builders.make_holder(deputy, email="deputy@example.com"),
        "officer_holder": builders.make_holder(officer, email="officer@example.com"),
    }


def _assigned_major(org: dict[str, Any]) -> Any:
    """A major hazard of the plant with its plan set, waiting for approval."""
    hazard = hazards.report_hazard(
        builders.make_user(),
        {
            "title": "液氨储罐安全阀失效",
            "unit_id": org["plant"].id,
            "level": "major",
            "criterion": "HG2017-05",
        },
        now=NOW,
    )
    return hazards.assign_hazard(
        builders.actor(),
        hazard,
        {
            "accountable_post_id": org["workshop"].id,
            "deadline": TODAY + timedelta(days=30),
            "measures": "更换安全阀",
            "funds": "20000",
            "plan": {part: "内容" for part in hazards.PLAN_PARTS},
            "stop_work": True,
        },
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )


def told(object_type: str, object_id: int, days: int = 0) -> dict[int, tuple[str, str, int]]:
    """{user_id: (kind, reason, days)} for the line about ``object_type``/``object_id``."""
    plan = plan_reminders(NOW + timedelta(days=days))
    db.session.rollback()
    result = {}
    for user_id, recipient in plan.recipients.items():
        item = recipient.items.get((object_type, object_id))
        if item is not None:
            result[user_id] = (item.kind, item.reason, item.days)
    return result


def test_plan_waiting_for_approval_tells_the_principal(org: dict) -> None:
    principal = builders.make_holder(org["principal"], email="principal@example.com")
    hazard = _assigned_major(org)
    result = told("major_approval", hazard.id)
    assert result == {principal.id: ("plan_approval", "approver", -3)}


@pytest.mark.parametrize(
    ("days", "boss_told", "officer_told"),
    [(3, False, False), (4, True, False), (9, True, False), (10, True, True)],
)
def test_approval_escalates_like_an_overdue_major_hazard(
    org: dict, days: int, boss_told: bool, officer_told: bool
) -> None:
    """Three days to approve; then from the first late day the principal's superior,
    from the seventh the supervision posts of the unit."""
    builders.make_responsibility(org["officer"], org["plant"], "supervision")
    principal = builders.make_holder(org["principal"], email="principal@example.com")
    hazard = _assigned_major(org)
    result = told("major_approval", hazard.id, days=days)
    late = days - 3
    assert result[principal.id] == ("plan_approval", "approver", late)
    assert (org["boss"].id in result) is boss_told
    if boss_told:
        assert result[org["boss"].id] == ("plan_approval", "superior", late)
    assert (org["officer_holder"].id in result) is officer_told


def test_a_vacant_principal_post_sends_the_approval_up_the_chain(org: dict) -> None:
    hazard = _assigned_major(org)  # nobody holds 厂长
    assert told("major_approval", hazard.id) == {org["boss"].id: ("plan_approval", "vacant", -3)}


def test_no_principal_up_the_chain_tells_the_admins(app: Any) -> None:
    unit = builders.make_unit()
    main = builders.make_post(unit=unit)
    builders.make_responsibility(main, unit, "main")
    accountable = builders.make_post(unit=unit)
    hazard = _assigned_major({"plant": unit, "workshop": accountable})
    result = told("major_approval", hazard.id)
    assert result == {builders.actor().id: ("plan_approval", "admin", -3)}


def test_approved_plan_is_no_longer_in_the_digest(org: dict) -> None:
    principal = builders.make_holder(org["principal"], email="principal@example.com")
    hazard = _assigned_major(org)
    hazards.approve_plan(principal, hazard, {}, version=hazard.version, now=NOW, today=TODAY)
    assert told("major_approval", hazard.id) == {}


def test_report_to_the_authority_waits_on_the_managers(org: dict) -> None:
    principal = builders.make_holder(org["principal"], email="principal@example.com")
    hazard = _assigned_major(org)
    result = told("major_report", hazard.id)
    assert result == {
        principal.id: ("authority_report", "manager", -3),
        org["deputy_holder"].id: ("authority_report", "manager", -3),
    }
    hazards.report_authority(
        org["deputy_holder"],
        hazard,
        {"authority": "市应急管理局", "reported_on": TODAY, "listed": True},
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    assert told("major_report", hazard.id) == {}


def test_pending_write_off_waits_on_the_managers_and_escalates(org: dict) -> None:
    builders.make_holder(org["principal"], email="principal@example.com")
    hazard = builders.make_hazard("pending_writeoff", level="major", unit=org["plant"], listed=True)
    assert hazard.status.value == "pending_writeoff"
    result = told("major_writeoff", hazard.id)
    assert result[org["deputy_holder"].id] == ("write_off", "manager", -7)
    assert org["boss"].id not in result
    late = told("major_writeoff", hazard.id, days=8)
    assert late[org["deputy_holder"].id] == ("write_off", "manager", 1)
    assert late[org["boss"].id] == ("write_off", "superior", 1)  # 厂长's superior
    assert told("major_report", hazard.id) == {}


def test_the_digest_names_each_waiting_step(smtp: SmtpServer, org: dict) -> None:
    builders.make_holder(org["principal"], email="principal@example.com")
    hazard = _assigned_major(org)
    run_reminders(now=NOW)
    [mail] = smtp.to("principal@example.com", kind="digest")
    text = mail.part("plain")
    assert f"重大事故隐患 {hazard.number} 的治理方案待审批：液氨储罐安全阀失效" in text
    assert f"重大事故隐患 {hazard.number} 尚未上报监管部门：液氨储罐安全阀失效" in text
    assert f"http://safety.test/hazards/{hazard.id}" in text
    assert "还剩 3 天" in text or "3 天" in text
    reasons = set(db.session.execute(sa.select(ReminderItem.kind, ReminderItem.reason)).all())
    assert {("plan_approval", "approver"), ("authority_report", "manager")} <= reasons


def test_the_digest_in_english(smtp: SmtpServer, org: dict) -> None:
    builders.make_holder(org["principal"], email="principal@example.com", locale="en")
    hazard = _assigned_major(org)
    run_reminders(now=NOW)
    [mail] = smtp.to("principal@example.com", kind="digest")
    text = mail.part("plain")
    assert f"Major hazard {hazard.number} waits for the approval of its rectification plan" in text
    assert f"Major hazard {hazard.number} is not yet reported to the authority" in text


def test_waiting_steps_still_make_one_digest_a_day(smtp: SmtpServer, org: dict) -> None:
    principal = builders.make_holder(org["principal"], email="principal@example.com")
    _assigned_major(org)
    run_reminders(now=NOW)
    run_reminders(now=NOW + timedelta(hours=5))
    assert len(smtp.to("principal@example.com", kind="digest")) == 1
    digests = sa.select(sa.func.count()).where(ReminderDigest.user_id == principal.id)
    assert db.session.scalar(digests) == 1
    run_reminders(now=NOW + timedelta(days=1))
    assert len(smtp.to("principal@example.com", kind="digest")) == 2


# --- responsibility agreements -------------------------------------------------------


def test_unsigned_agreements_tell_the_new_holder_and_the_superior(org: dict) -> None:
    post = org["workshop"]
    builders.make_responsibility(post, org["plant"], "direct")
    first = org["workshop_holder"]
    matrix.sign_agreement(first, post.id, 2026, now=NOW, today=TODAY)
    newcomer = builders.make_holder(post, email="new@example.com")
    agreement_id = matrix.agreement_data(post.id, 2026, TODAY)["agreement"].id
    result = told("agreement", agreement_id)
    assert result == {
        newcomer.id: ("agreement_unsigned", "holder", None),
        org["deputy_holder"].id: ("agreement_unsigned", "countersign", None),
    }
    matrix.sign_agreement(org["deputy_holder"], post.id, 2026, now=NOW, today=TODAY)
    matrix.sign_agreement(newcomer, post.id, 2026, now=NOW, today=TODAY)
    assert told("agreement", agreement_id) == {}


def test_the_digest_names_the_agreement_to_sign(smtp: SmtpServer, org: dict) -> None:
    post = org["workshop"]
    matrix.sign_agreement(org["workshop_holder"], post.id, 2026, now=NOW, today=TODAY)
    run_reminders(now=NOW)
    [mail] = smtp.to("deputy@example.com", kind="digest")
    text = mail.part("plain")
    assert "待签署的安全生产责任书：车间主任（2026年）" in text
    assert f"http://safety.test/matrix/posts/{post.id}/agreements/2026" in text
    assert smtp.to("ws@example.com", kind="digest") == []
