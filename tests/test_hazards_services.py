"""The closed loop through the services: transitions, validation, numbering, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from safety.models import AuditEvent, Hazard, HazardCounter, HazardEvent, HazardStatus
from safety.services import hazards
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.overdue import days_overdue, is_overdue, overdue_clause
from tests import builders
from tests.builders import NOW, TODAY

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody signs in here: skip argon2 so the many people these tests make are cheap."""
    monkeypatch.setattr("safety.services.org.hash_password", lambda password: "unused")


def events_of(hazard: Hazard) -> list[str]:
    from safety.extensions import db

    return list(
        db.session.scalars(
            sa.select(HazardEvent.action)
            .where(HazardEvent.hazard_id == hazard.id)
            .order_by(HazardEvent.id)
        )
    )


def assign_data(post_id: int, **over: Any) -> dict[str, Any]:
    data = {
        "accountable_post_id": post_id,
        "deadline": TODAY + timedelta(days=10),
        "measures": "加装防护罩",
        "funds": "1200.50",
        "contingency_plan": "停机挂牌",
    }
    data.update(over)
    return data


def test_full_loop_records_each_step_in_history() -> None:
    hazard = builders.make_hazard("closed")
    assert hazard.status == HazardStatus.CLOSED
    assert events_of(hazard) == ["report", "assign", "submit", "verify"]
    assert hazard.version == 4
    assert hazard.verified_by_id != hazard.submitted_by_id
    assert hazard.closed_at == NOW


def test_report_numbers_per_year_and_audits(db: Any) -> None:
    first = builders.make_hazard()
    second = builders.make_hazard()
    next_year = builders.make_hazard(now=datetime(2027, 1, 5, 2, tzinfo=UTC))
    assert (first.number, second.number) == ("YH-2026-0001", "YH-2026-0002")
    assert next_year.number == "YH-2027-0001"
    assert db.session.get(HazardCounter, 2026).last == 2
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "Hazard")
    ).all()
    assert actions.count("hazard.report") == 3


def test_number_year_follows_the_organisation_timezone() -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Shanghai.
    hazard = builders.make_hazard(now=datetime(2026, 12, 31, 17, tzinfo=UTC))
    assert hazard.number == "YH-2027-0001"


def test_new_hazard_does_not_commit(db: Any) -> None:
    unit = builders.make_unit()
    reporter = builders.make_user()
    hazard = hazards.new_hazard(reporter, {"title": "x", "unit_id": unit.id}, now=NOW)
    assert hazard.id is not None
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 0


REPORT_CASES = [
    ({"unit_id": None}, "unit_id"),
    ({"unit_id": 999999}, "unit_id"),
    ({"unit_id": "abc"}, "unit_id"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"level": "huge"}, "level"),
    ({"found_at": "yesterday"}, "found_at"),
    ({"found_at": "2030-01-01T00:00:00+08:00"}, "found_at"),
    ({"risk": {"l": 3, "e": 6}}, "risk.c"),
    ({"risk": {"l": 0, "e": 6, "c": 7}}, "risk.l"),
    ({"risk": {"l": 3, "e": 60, "c": 7}}, "risk.e"),
    ({"risk": {"l": 3, "e": 6, "c": "big"}}, "risk.c"),
    ({"risk": "high"}, "risk"),
    ({"location": "x" * 301}, "location"),
    ({"category": "x" * 65}, "category"),
]


def test_report_validation_names_the_field(db: Any, subtests: Any) -> None:
    """Each bad input names its field and leaves no hazard and no used number."""
    unit = builders.make_unit()
    reporter = builders.make_user()
    for data, field in REPORT_CASES:
        with subtests.test(field=field, data=str(data)[:40]):
            values = {"title": "配电室门未关", "unit_id": unit.id, **data}
            with pytest.raises(ValidationError) as error:
                hazards.report_hazard(reporter, values, now=NOW)
            assert field in error.value.fields
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 0
            assert db.session.scalar(sa.select(sa.func.count()).select_from(HazardCounter)) == 0


def test_report_keeps_risk_and_local_found_date() -> None:
    unit = builders.make_unit()
    hazard = hazards.report_hazard(
        builders.make_user(),
        {
            "title": "氨罐区泄漏报警器失效",
            "unit_id": unit.id,
            "level": "major",
            "criterion": "HG2017-12",
            "found_at": "2026-03-11T23:30:00",  # Shanghai local, no offset
            "risk": {"l": "6", "e": 6, "c": 15},
        },
        now=NOW,
    )
    assert hazard.found_on == date(2026, 3, 11)
    assert hazards.risk_score(hazard) == 540
    assert hazards.risk_grade(540) == "major"


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (400, "major"),
        (320, "significant"),
        (200, "significant"),
        (160, "general"),
        (90, "general"),
        (70, "low"),
        (1, "low"),
    ],
)
def test_lec_grades_follow_config_thresholds(score: float, grade: str) -> None:
    assert hazards.risk_grade(score) == grade


def test_assign_sets_five_fixes_and_version() -> None:
    hazard = builders.make_hazard()
    post = builders.make_post(unit=hazard.unit)
    hazards.assign_hazard(
        builders.actor(), hazard, assign_data(post.id), version=1, now=NOW, today=TODAY
    )
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.funds == Decimal("1200.50")
    assert hazard.accountable_post_id == post.id
    assert hazard.version == 2
    assert hazard.updated_at == NOW


ASSIGN_CASES = [
    ({"accountable_post_id": None}, "accountable_post_id"),
    ({"accountable_post_id": 999999}, "accountable_post_id"),
    ({"deadline": None}, "deadline"),
    ({"deadline": TODAY - timedelta(days=1)}, "deadline"),
    ({"deadline": "31/12/2026"}, "deadline"),
    ({"measures": ""}, "measures"),
    ({"funds": None}, "funds"),
    ({"funds": "-1"}, "funds"),
    ({"funds": "lots"}, "funds"),
    ({"funds": "NaN"}, "funds"),
    ({"funds": "1e20"}, "funds"),
    ({"contingency_plan": " "}, "contingency_plan"),
]


def test_assign_validation_names_the_field_and_writes_nothing(db: Any, subtests: Any) -> None:
    hazard = builders.make_hazard()
    post = builders.make_post(unit=hazard.unit)
    for over, field in ASSIGN_CASES:
        with subtests.test(field=field, over=str(over)):
            with pytest.raises(ValidationError) as error:
                hazards.assign_hazard(
                    builders.actor(),
                    hazard,
                    assign_data(post.id, **over),
                    version=1,
                    now=NOW,
                    today=TODAY,
                )
            assert field in error.value.fields
            db.session.rollback()
            db.session.refresh(hazard)
            assert hazard.status == HazardStatus.REPORTED and hazard.version == 1
            assert events_of(hazard) == ["report"]


def test_deadline_today_is_allowed() -> None:
    hazard = builders.make_hazard()
    post = builders.make_post(unit=hazard.unit)
    hazards.assign_hazard(
        builders.actor(),
        hazard,
        assign_data(post.id, deadline=TODAY),
        version=1,
        now=NOW,
        today=TODAY,
    )
    assert hazard.deadline == TODAY


@pytest.mark.parametrize("part", hazards.PLAN_PARTS)
def test_major_hazard_needs_every_plan_part(part: str) -> None:
    hazard = builders.make_hazard(level="major")
    post = builders.make_post(unit=hazard.unit)
    plan = {p: "内容" for p in hazards.PLAN_PARTS}
    plan[part] = "  "
    with pytest.raises(ValidationError) as error:
        hazards.assign_hazard(
            builders.actor(),
            hazard,
            assign_data(post.id, plan=plan),
            version=1,
            now=NOW,
            today=TODAY,
        )
    assert list(error.value.fields) == [f"plan.{part}"]


def test_major_hazard_without_plan_names_all_parts() -> None:
    hazard = builders.make_hazard(level="major")
    post = builders.make_post(unit=hazard.unit)
    with pytest.raises(ValidationError) as error:
        hazards.assign_hazard(
            builders.actor(), hazard, assign_data(post.id), version=1, now=NOW, today=TODAY
        )
    assert set(error.value.fields) == {f"plan.{p}" for p in hazards.PLAN_PARTS}


def test_general_hazard_needs_no_plan() -> None:
    hazard = builders.make_hazard("rectifying")
    assert hazard.plan is None


def test_stale_version_is_a_conflict_with_a_clear_message() -> None:
    hazard = builders.make_hazard("rectifying")
    with pytest.raises(Conflict) as error:
        hazards.extend_hazard(
            builders.actor(),
            hazard,
            deadline=TODAY + timedelta(days=60),
            reason="备件未到",
            version=1,
            now=NOW,
            today=TODAY,
        )
    assert "reload" in error.value.message.lower() or "刷新" in error.value.message


@pytest.mark.parametrize("status", [s.value for s in HazardStatus])
def test_disallowed_transition_is_a_conflict(status: str, subtests: Any) -> None:
    """Every action the transition table forbids from ``status`` is a 409, even for an admin."""
    hazard = builders.make_hazard(status)
    admin = builders.actor()
    kwargs: dict[str, Any] = {"version": hazard.version, "now": NOW, "today": TODAY}
    post_id = builders.make_post().id
    calls = {
        "assign": lambda: hazards.assign_hazard(admin, hazard, assign_data(post_id), **kwargs),
        "submit": lambda: hazards.submit_hazard(admin, hazard, note="x", **kwargs),
        "verify": lambda: hazards.verify_hazard(admin, hazard, note="x", **kwargs),
        "reject": lambda: hazards.reject_hazard(admin, hazard, note="x", **kwargs),
        "extend": lambda: hazards.extend_hazard(
            admin, hazard, deadline=TODAY + timedelta(days=90), reason="x", **kwargs
        ),
        "void": lambda: hazards.void_hazard(admin, hazard, reason="x", **kwargs),
    }
    forbidden = [
        a for a in hazards.ACTIONS if HazardStatus(status) not in hazards.TRANSITIONS[a][0]
    ]
    assert forbidden
    for action in forbidden:
        with subtests.test(action=action), pytest.raises(Conflict):
            calls[action]()


def test_reject_returns_to_rectifying_and_keeps_deadline() -> None:
    hazard = builders.make_hazard("pending_verification")
    deadline = hazard.deadline
    hazards.reject_hazard(
        builders.actor(), hazard, note="护栏高度不够", version=hazard.version, now=NOW, today=TODAY
    )
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.deadline == deadline
    assert hazard.submitted_by_id is None
    assert events_of(hazard)[-1] == "reject"


@pytest.mark.parametrize("action", ["reject_note", "void_reason", "extend_reason", "submit_note"])
def test_reasons_are_required(action: str) -> None:
    status = {"reject_note": "pending_verification", "submit_note": "rectifying"}.get(
        action, "rectifying"
    )
    submitter = builders.make_user()
    post = builders.make_post()
    builders.make_holding(post, submitter)
    hazard = builders.make_hazard(status, accountable_post=post, submitter=submitter)
    kw: dict[str, Any] = {"version": hazard.version, "now": NOW, "today": TODAY}
    admin = builders.actor()
    with pytest.raises(ValidationError) as error:
        if action == "reject_note":
            hazards.reject_hazard(admin, hazard, note="", **kw)
        elif action == "void_reason":
            hazards.void_hazard(admin, hazard, reason=None, **kw)
        elif action == "extend_reason":
            hazards.extend_hazard(
                admin, hazard, deadline=TODAY + timedelta(days=60), reason="", **kw
            )
        else:
            hazards.submit_hazard(submitter, hazard, note=" ", **kw)
    assert set(error.value.fields) & {"note", "reason"}


def test_extend_needs_a_later_deadline() -> None:
    hazard = builders.make_hazard("rectifying")
    with pytest.raises(ValidationError) as error:
        hazards.extend_hazard(
            builders.actor(),
            hazard,
            deadline=hazard.deadline,
            reason="x",
            version=hazard.version,
            now=NOW,
            today=TODAY,
        )
    assert "deadline" in error.value.fields
    hazards.extend_hazard(
        builders.actor(),
        hazard,
        deadline=hazard.deadline + timedelta(days=7),
        reason="备件",
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    assert hazard.status == HazardStatus.RECTIFYING
    assert events_of(hazard)[-1] == "extend"


@pytest.mark.parametrize(
    ("status", "today_offset", "overdue", "days"),
    [
        ("rectifying", 0, False, 0),  # the deadline day itself is not overdue
        ("rectifying", 1, True, 1),
        ("rectifying", 9, True, 9),
        ("pending_verification", 9, False, 0),
        ("closed", 9, False, 0),
        ("void", 9, False, 0),
        ("reported", 9, False, 0),
    ],
)
def test_overdue_only_when_rectifying_past_deadline(
    db: Any, status: str, today_offset: int, overdue: bool, days: int
) -> None:
    deadline = TODAY + timedelta(days=3)
    hazard = builders.make_hazard(status, deadline=deadline)
    today = deadline + timedelta(days=today_offset)
    assert is_overdue(hazard, today) is overdue
    assert days_overdue(hazard, today) == days
    in_sql = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Hazard)
        .where(Hazard.id == hazard.id, overdue_clause(today))
    )
    assert bool(in_sql) is overdue


def test_deactivated_reporter_cannot_report(db: Any) -> None:
    user = builders.make_user()
    user.active = False
    db.session.commit()
    with pytest.raises(Forbidden):
        hazards.report_hazard(user, {"title": "x", "unit_id": builders.make_unit().id}, now=NOW)


def test_major_hazard_authority_and_write_off() -> None:
    """Contract §7: the report to the authority names it; a listed hazard waits for 核销."""
    from safety.extensions import db

    hazard = builders.make_hazard("pending_verification", level="major")
    admin = builders.actor()
    with pytest.raises(ValidationError) as error:
        hazards.report_authority(
            admin, hazard, {"listed": True}, version=hazard.version, now=NOW, today=TODAY
        )
    assert {"authority", "reported_on"} <= set(error.value.fields)
    db.session.rollback()
    hazards.report_authority(
        admin,
        hazard,
        {"reported_on": TODAY, "listed": "on", "authority": "市应急管理局"},
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    verifier = builders.grant_hazard_role("supervision", hazard.unit)
    hazards.verify_hazard(
        verifier, hazard, evaluation="已消除", version=hazard.version, now=NOW, today=TODAY
    )
    assert hazard.status == HazardStatus.PENDING_WRITEOFF and hazard.closed_at is None
    hazards.write_off_hazard(
        admin,
        hazard,
        {"authority": "市应急管理局", "decided_on": TODAY, "document_no": "核〔2026〕1号"},
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.listed_for_supervision and hazard.written_off_on == TODAY
    assert events_of(hazard)[-3:] == ["report_authority", "verify", "write_off"]


def test_general_hazard_has_no_authority_fields() -> None:
    hazard = builders.make_hazard("rectifying")
    with pytest.raises(Conflict):
        hazards.report_authority(
            builders.actor(),
            hazard,
            {"authority": "市应急管理局", "reported_on": TODAY},
            version=hazard.version,
            now=NOW,
            today=TODAY,
        )


def test_filters_include_the_unit_subtree_and_search() -> None:
    parent = builders.make_unit()
    child = builders.make_unit(parent=parent)
    other = builders.make_unit()
    inside = builders.make_hazard(unit=child, title="氨压缩机皮带罩缺失")
    builders.make_hazard(unit=other, title="其他")
    page = hazards.list_hazards(hazards.HazardFilters(unit_id=parent.id), user=None, today=TODAY)
    assert [h.id for h in page.items] == [inside.id]
    page = hazards.list_hazards(hazards.HazardFilters(q="皮带罩"), user=None, today=TODAY)
    assert [h.id for h in page.items] == [inside.id]
    page = hazards.list_hazards(hazards.HazardFilters(q="100%"), user=None, today=TODAY)
    assert page.items == []


@pytest.mark.parametrize("sort", ["id", "found", "deadline"])
def test_keyset_pages_cover_every_hazard_once(sort: str) -> None:
    unit = builders.make_unit()
    made = []
    for i in range(7):
        made.append(
            builders.make_hazard(
                "rectifying" if i % 2 else "reported",
                unit=unit,
                deadline=TODAY + timedelta(days=i % 3),
                found_at=NOW - timedelta(days=i % 4),
            ).id
        )
    seen: list[int] = []
    cursor = None
    while True:
        page = hazards.list_hazards(
            hazards.HazardFilters(sort=sort), user=None, today=TODAY, cursor=cursor, limit=3
        )
        seen.extend(h.id for h in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


def test_bad_cursor_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        hazards.list_hazards(hazards.HazardFilters(), user=None, today=TODAY, cursor="junk!")


def test_mine_filter_covers_reporter_and_accountable_holder() -> None:
    me = builders.make_user()
    post = builders.make_post()
    builders.make_holding(post, me)
    reported = builders.make_hazard(reporter=me)
    accountable = builders.make_hazard("rectifying", accountable_post=post)
    builders.make_hazard("rectifying")
    page = hazards.list_hazards(hazards.HazardFilters(mine=True), user=me, today=TODAY)
    assert {h.id for h in page.items} == {reported.id, accountable.id}


def test_status_counts_include_overdue() -> None:
    builders.make_hazard("rectifying", deadline=TODAY - timedelta(days=2))
    builders.make_hazard("rectifying")
    builders.make_hazard("closed")
    counts = hazards.status_counts(None, today=TODAY)
    assert counts["rectifying"] == 2 and counts["closed"] == 1 and counts["overdue"] == 1
