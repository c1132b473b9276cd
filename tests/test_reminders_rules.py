"""Who hears about which hazard (contract section 5), one rule at a time."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
    HazardStatus,
    Post,
    Responsibility,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.services.reminders import plan_reminders
from tests import builders

NOW = builders.NOW  # 2026-03-12 10:00 in Asia/Shanghai
TODAY = date(2026, 3, 12)
_numbers = itertools.count(9001)


def rectifying(
    post: Post | None,
    *,
    deadline: date,
    level: str = "general",
    unit: Unit | None = None,
    status: HazardStatus = HazardStatus.RECTIFYING,
    title: str | None = None,
) -> Hazard:
    """A hazard already assigned (rows written directly: the rules only read them)."""
    seq = next(_numbers)
    unit = unit or (post.unit if post is not None else builders.make_unit())
    hazard = Hazard(
        number=f"YH-2026-{seq:04d}",
        year=2026,
        seq=seq,
        title=title or f"隐患{seq}",
        unit_id=unit.id,
        level=HazardLevel(level),
        status=status,
        found_at=NOW,
        found_on=TODAY,
        accountable_post_id=post.id if post is not None else None,
        deadline=deadline,
        measures="措施",
        funds=0,
        contingency_plan="预案",
        version=2,
    )
    db.session.add(hazard)
    db.session.commit()
    return hazard


def told(hazard: Hazard, now: Any = NOW) -> dict[int, tuple[str, str, int]]:
    """{user_id: (kind, reason, days)} for ``hazard`` in today's plan."""
    plan = plan_reminders(now)
    db.session.rollback()
    result = {}
    for user_id, recipient in plan.recipients.items():
        item = recipient.items.get(("hazard", hazard.id))
        if item is not None:
            result[user_id] = (item.kind, item.reason, item.days)
    return result


@pytest.fixture
def chain(app: Any) -> dict[str, Any]:
    """A unit with a post, its superior and the superior's superior, each held."""
    unit = builders.make_unit()
    top = builders.make_post(unit=unit, level="decision")
    middle = builders.make_post(unit=unit, superior=top)
    post = builders.make_post(unit=unit, superior=middle, level="operation")
    return {
        "unit": unit,
        "top": top,
        "middle": middle,
        "post": post,
        "holder": builders.make_holder(post),
        "boss": builders.make_holder(middle),
        "chief": builders.make_holder(top),
    }


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(0, ("due_soon", "accountable", 0)), (3, ("due_soon", "accountable", -3)), (4, None)],
)
def test_due_soon_from_three_days_before_the_deadline(
    chain: dict, days_left: int, expected: tuple | None
) -> None:
    hazard = rectifying(chain["post"], deadline=TODAY + timedelta(days=days_left))
    result = told(hazard)
    assert result.get(chain["holder"].id) == expected
    assert chain["boss"].id not in result


@pytest.mark.parametrize(
    ("level", "days", "superior_told"),
    [
        ("general", 1, False),
        ("general", 2, False),
        ("general", 3, True),
        ("major", 1, True),
    ],
)
def test_overdue_tells_holders_daily_and_the_superior_from_day_three_or_one_for_major(
    chain: dict, level: str, days: int, superior_told: bool
) -> None:
    hazard = rectifying(chain["post"], deadline=TODAY - timedelta(days=days), level=level)
    result = told(hazard)
    assert result[chain["holder"].id] == ("overdue", "accountable", days)
    assert (chain["boss"].id in result) is superior_told
    if superior_told:
        assert result[chain["boss"].id] == ("overdue", "superior", days)
    assert chain["chief"].id not in result


@pytest.mark.parametrize(("days", "supervisor_told"), [(6, False), (7, True), (30, True)])
def test_supervision_from_seven_days_covers_units_below(
    chain: dict, days: int, supervisor_told: bool
) -> None:
    parent = builders.make_unit()
    child = builders.make_unit(parent=parent)
    safety_post = builders.make_post(unit=parent)
    supervisor = builders.make_holder(safety_post)
    db.session.add(
        Responsibility(
            post_id=safety_post.id, unit_id=parent.id, kind=ResponsibilityKind.SUPERVISION
        )
    )
    # A main responsibility is no reason to be told.
    main_post = builders.make_post(unit=parent)
    other = builders.make_holder(main_post)
    db.session.add(
        Responsibility(post_id=main_post.id, unit_id=parent.id, kind=ResponsibilityKind.MAIN)
    )
    db.session.commit()
    hazard = rectifying(chain["post"], deadline=TODAY - timedelta(days=days), unit=child)
    result = told(hazard)
    assert (supervisor.id in result) is supervisor_told
    if supervisor_told:
        assert result[supervisor.id] == ("overdue", "supervision", days)
    assert other.id not in result


def test_vacant_post_goes_up_to_the_first_superior_with_a_holder(app: Any) -> None:
    unit = builders.make_unit()
    top = builders.make_post(unit=unit)
    middle = builders.make_post(unit=unit, superior=top)
    post = builders.make_post(unit=unit, superior=middle)
    chief = builders.make_holder(top)
    # The middle post had a holder once; not any more.
    builders.make_holding(middle, end=TODAY - timedelta(days=1))
    hazard = rectifying(post, deadline=TODAY + timedelta(days=1))
    assert told(hazard) == {chief.id: ("due_soon", "vacant", -1)}


def test_nobody_up_the_chain_means_the_admins_are_told(app: Any, admin: User) -> None:
    post = builders.make_post(superior=builders.make_post())
    hazard = rectifying(post, deadline=TODAY - timedelta(days=1))
    result = told(hazard)
    assert result[admin.id] == ("overdue", "admin", 1)
    # The builders' admin is an admin too.
    assert all(reason == "admin" for _kind, reason, _days in result.values())


def test_deactivated_holder_is_not_told(chain: dict, admin: User) -> None:
    from safety.services import org

    org.deactivate_user(admin, chain["holder"], today=TODAY, now=NOW)
    hazard = rectifying(chain["post"], deadline=TODAY)
    result = told(hazard)
    assert chain["holder"].id not in result
    # The post is vacant now: its share goes up.
    assert result[chain["boss"].id] == ("due_soon", "vacant", 0)


@pytest.mark.parametrize("status", [HazardStatus.PENDING_VERIFICATION, HazardStatus.CLOSED])
def test_only_rectifying_hazards_are_reminded(chain: dict, status: HazardStatus) -> None:
    hazard = rectifying(chain["post"], deadline=TODAY - timedelta(days=10), status=status)
    assert told(hazard) == {}


def test_one_line_per_person_with_the_strongest_reason(chain: dict) -> None:
    # The holder also holds the superior post: told once, as accountable.
    builders.make_holding(chain["middle"], chain["holder"])
    hazard = rectifying(chain["post"], deadline=TODAY - timedelta(days=5))
    result = told(hazard)
    assert result[chain["holder"].id] == ("overdue", "accountable", 5)
    assert result[chain["boss"].id] == ("overdue", "superior", 5)


def test_a_person_without_usable_email_is_a_warning_not_a_crash(chain: dict) -> None:
    holder = db.session.get(User, chain["holder"].id)
    holder.email = ""
    db.session.commit()
    rectifying(chain["post"], deadline=TODAY)
    plan = plan_reminders(NOW)
    db.session.rollback()
    assert [r.user_id for r in plan.without_email] == [holder.id]
