"""A hand-built data set for the report tests, with figures worked out by hand.

Organisation data goes through the services (``tests.builders``); hazards,
list versions, acknowledgements, inspections and reminders are inserted with
the ORM so that past states (closed last month, signed in January) are exact
and independent of the hazard services. Times are in Asia/Shanghai (UTC+8).

Units: G (root) → A → A1, and G → B. Posts: pA (unit A, superior pBoss),
pB (unit B), pA1 (unit A1), pBoss (unit G). pA is held by u1 until 2026-02-10
and by u2 from 2026-02-11; pA1 only from 2026-03-25 (vacant before).

Hazards (found_on, deadline, what happened), the period of interest March 2026:

===  ====  =====  ======  ==========  ==========  ==========================================
id   unit  level  status  found_on    deadline    notes
===  ====  =====  ======  ==========  ==========  ==========================================
H1   A     gen    closed  2026-03-02  2026-03-10  closed 03-09 10:00 (on time), funds 1000
H2   A1    gen    closed  2026-03-05  2026-03-20  closed 03-31 23:30 local (15:30 UTC), late
H3   B     major  closed  2026-03-10  2026-03-31  submitted 03-31, closed 04-01 00:30 local
H4   A     gen    rect.   2026-03-01  2026-03-30  1 day overdue at 03-31
H5   A     major  rect.   2026-01-15  2026-02-01  58 days overdue at 03-31; post changed hands
H6   B     gen    rect.   2026-03-03  2026-03-25  6 days overdue at 03-31
H7   A1    gen    rect.   2026-03-04  2026-03-21  10 days overdue at 03-31; post vacant first
H8   A1    gen    rep.    2026-03-20  —
H9   B     gen    void    2026-03-06  —
H10  A     gen    closed  2026-02-20  2026-02-28  closed 03-03 (late)
H11  B     gen    pend.   2026-03-15  2026-03-28  submitted 03-27 (not overdue)
H12  A     gen    rect.   2026-04-02  2026-04-03  after the period
H13  A     gen    closed  2026-02-28  2026-03-05  closed 02-28 20:00 local
===  ====  =====  ======  ==========  ==========  ==========================================
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Checklist,
    Hazard,
    HazardLevel,
    HazardStatus,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PlanKind,
    Post,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
    SafetyTarget,
    Unit,
    User,
)
from tests import builders

TZ = ZoneInfo("Asia/Shanghai")
#: "Today" for the March figures: the period is over, so they are as of 03-31.
TODAY = date(2026, 4, 5)
COMPLETE_PLAN = {
    "objective": "消除隐患",
    "methods": "更换",
    "resources": "备件",
    "organisation": "车间",
    "schedule": "两周",
    "safety_measures": "监护",
}
_seq = itertools.count(1)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Shanghai) wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def add_hazard(
    unit: Unit,
    *,
    status: str,
    found_on: date,
    level: str = "general",
    deadline: date | None = None,
    assigned_on: date | None = None,
    submitted_at: datetime | None = None,
    closed_at: datetime | None = None,
    funds: str | int | None = None,
    category: str | None = None,
    post: Post | None = None,
    plan: dict[str, Any] | None = None,
    title: str | None = None,
) -> Hazard:
    """Insert a hazard in a given state directly (no service, no audit).

    A deadline implies an assignment on ``assigned_on`` (default: found_on).
    """
    n = next(_seq)
    if deadline is not None and assigned_on is None:
        assigned_on = found_on
    hazard = Hazard(
        number=f"T-{found_on.year}-{n:05d}",
        year=found_on.year,
        seq=n,
        title=title or f"隐患{n}",
        unit_id=unit.id,
        level=HazardLevel(level),
        status=HazardStatus(status),
        found_at=local(found_on, 9),
        found_on=found_on,
        category=category,
        accountable_post_id=post.id if post is not None else None,
        measures="整改" if deadline else None,
        funds=Decimal(str(funds)) if funds is not None else None,
        deadline=deadline,
        contingency_plan="预案" if deadline else None,
        plan=plan,
        assigned_at=local(assigned_on, 11) if assigned_on else None,
        submitted_at=submitted_at,
        closed_at=closed_at,
    )
    db.session.add(hazard)
    db.session.flush()
    return hazard


@dataclass
class DataSet:
    units: dict[str, Unit] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    hazards: dict[str, Hazard] = field(default_factory=dict)


def build() -> DataSet:
    """The whole data set described in the module docstring; committed."""
    ds = DataSet()
    g = builders.make_unit(name="集团", code="G")
    a = builders.make_unit(name="甲厂", code="G-A", parent=g)
    a1 = builders.make_unit(name="甲厂一车间", code="G-A-1", parent=a)
    b = builders.make_unit(name="乙公司", code="G-B", parent=g)
    ds.units = {"G": g, "A": a, "A1": a1, "B": b}
    boss = builders.make_post(title="总经理", unit=g, level="decision")
    pa = builders.make_post(title="甲厂厂长", unit=a, superior=boss)
    pb = builders.make_post(title="乙公司经理", unit=b, superior=boss)
    pa1 = builders.make_post(title="车间主任", unit=a1, superior=pa)
    ds.posts = {"boss": boss, "A": pa, "B": pb, "A1": pa1}
    u1 = builders.make_user(name="张一", email="u1@example.com")
    u2 = builders.make_user(name="李二", email="u2@example.com")
    u3 = builders.make_user(name="王三", email="u3@example.com")
    u4 = builders.make_user(name="赵四", email="u4@example.com")
    u5 = builders.make_user(name="钱五", email="u5@example.com")
    ds.users = {"u1": u1, "u2": u2, "u3": u3, "u4": u4, "u5": u5}
    builders.make_holding(pa, u1, start=date(2025, 1, 1), end=date(2026, 2, 10))
    builders.make_holding(pa, u2, start=date(2026, 2, 11))
    builders.make_holding(pb, u3, start=date(2020, 1, 1))
    builders.make_holding(pa1, u4, start=date(2026, 3, 25))
    builders.make_holding(boss, u5, start=date(2020, 1, 1))

    d = date
    h = ds.hazards
    h["H1"] = add_hazard(
        a,
        status="closed",
        found_on=d(2026, 3, 2),
        deadline=d(2026, 3, 10),
        submitted_at=local(d(2026, 3, 9), 8),
        closed_at=local(d(2026, 3, 9), 10),
        funds=1000,
        category="electrical",
        post=pa,
    )
    h["H2"] = add_hazard(
        a1,
        status="closed",
        found_on=d(2026, 3, 5),
        deadline=d(2026, 3, 20),
        submitted_at=local(d(2026, 3, 31), 20),
        closed_at=local(d(2026, 3, 31), 23, 30),
        funds=500,
        category="electrical",
        post=pa1,
    )
    h["H3"] = add_hazard(
        b,
        status="closed",
        level="major",
        found_on=d(2026, 3, 10),
        deadline=d(2026, 3, 31),
        submitted_at=local(d(2026, 3, 31), 10),
        closed_at=local(d(2026, 4, 1), 0, 30),
        funds=20000,
        post=pb,
        plan=COMPLETE_PLAN,
    )
    h["H4"] = add_hazard(
        a,
        status="rectifying",
        found_on=d(2026, 3, 1),
        deadline=d(2026, 3, 30),
        funds=300,
        category="fire",
        post=pa,
    )
    h["H5"] = add_hazard(
        a,
        status="rectifying",
        level="major",
        found_on=d(2026, 1, 15),
        deadline=d(2026, 2, 1),
        funds=80000,
        post=pa,
        plan={**COMPLETE_PLAN, "schedule": ""},
        title="液氨储罐安全阀失效",
    )
    h["H6"] = add_hazard(
        b, status="rectifying", found_on=d(2026, 3, 3), deadline=d(2026, 3, 25), funds=200, post=pb
    )
    h["H7"] = add_hazard(
        a1,
        status="rectifying",
        found_on=d(2026, 3, 4),
        deadline=d(2026, 3, 21),
        funds=100,
        post=pa1,
    )
    h["H8"] = add_hazard(a1, status="reported", found_on=d(2026, 3, 20))
    h["H9"] = add_hazard(b, status="void", found_on=d(2026, 3, 6))
    h["H10"] = add_hazard(
        a,
        status="closed",
        found_on=d(2026, 2, 20),
        deadline=d(2026, 2, 28),
        submitted_at=local(d(2026, 3, 2), 9),
        closed_at=local(d(2026, 3, 3), 9),
        funds=10,
        post=pa,
    )
    h["H11"] = add_hazard(
        b,
        status="pending_verification",
        found_on=d(2026, 3, 15),
        deadline=d(2026, 3, 28),
        submitted_at=local(d(2026, 3, 27), 9),
        funds=50,
        post=pb,
    )
    h["H12"] = add_hazard(
        a, status="rectifying", found_on=d(2026, 4, 2), deadline=d(2026, 4, 3), post=pa
    )
    h["H13"] = add_hazard(
        a,
        status="closed",
        found_on=d(2026, 2, 28),
        deadline=d(2026, 3, 5),
        submitted_at=local(d(2026, 2, 28), 18),
        closed_at=local(d(2026, 2, 28), 20),
        post=pa,
    )

    # Responsibility lists: pA v1 (Jan), v2 (02-20); pB v1; pA1 has none.
    for post, version, made in (
        (pa, 1, d(2026, 1, 1)),
        (pa, 2, d(2026, 2, 20)),
        (pb, 1, d(2026, 1, 1)),
    ):
        db.session.add(
            ResponsibilityListVersion(
                post_id=post.id, version=version, items=[], created_at=local(made, 9)
            )
        )
    db.session.add(
        Acknowledgement(post_id=pa.id, user_id=u1.id, version=1, at=local(d(2026, 1, 5)))
    )
    db.session.add(
        Acknowledgement(post_id=pa.id, user_id=u2.id, version=2, at=local(d(2026, 3, 1)))
    )

    # Inspections: weekly plan on A from Monday 03-02 (5 in March), monthly on B from
    # 01-15 (1), one-off on A1 on 03-20 (1), an inactive daily plan (0): 7 planned.
    checklist = Checklist(name="日常检查")
    db.session.add(checklist)
    db.session.flush()
    for unit, kind, start, active in (
        (a, PlanKind.WEEKLY, d(2026, 3, 2), True),
        (b, PlanKind.MONTHLY, d(2026, 1, 15), True),
        (a1, PlanKind.ONE_OFF, d(2026, 3, 20), True),
        (a, PlanKind.DAILY, d(2026, 1, 1), False),
    ):
        db.session.add(
            InspectionPlan(
                unit_id=unit.id,
                checklist_id=checklist.id,
                kind=kind,
                start_date=start,
                active=active,
            )
        )
    # Done in March: 03-02 and 03-31 23:30 local; not: 04-01 00:30 local, a draft.
    for unit, at, status in (
        (a, local(d(2026, 3, 2)), InspectionStatus.SUBMITTED),
        (a, local(d(2026, 3, 31), 23, 30), InspectionStatus.SUBMITTED),
        (b, local(d(2026, 4, 1), 0, 30), InspectionStatus.SUBMITTED),
        (a1, local(d(2026, 3, 10)), InspectionStatus.DRAFT),
    ):
        db.session.add(Inspection(unit_id=unit.id, performed_at=at, status=status))

    # Reminders about H5: u1 daily 02-02..02-10, u2 02-11..02-15 and 02-20..02-21,
    # the superior u5 on 02-04 and 02-05; one about H4 to u1 (another hazard).
    def remind(user: User, day: date, hazard: Hazard, reason: str) -> None:
        digest = db.session.scalar(
            db.select(ReminderDigest).where(
                ReminderDigest.user_id == user.id, ReminderDigest.local_date == day
            )
        )
        if digest is None:
            digest = ReminderDigest(user_id=user.id, local_date=day)
            db.session.add(digest)
            db.session.flush()
        db.session.add(
            ReminderItem(
                digest_id=digest.id,
                hazard_id=hazard.id,
                kind="overdue",
                reason=reason,
                days=(day - hazard.deadline).days,
            )
        )

    h5 = h["H5"]
    for i in range(9):
        remind(u1, d(2026, 2, 2) + timedelta(days=i), h5, "accountable")
    for i in range(5):
        remind(u2, d(2026, 2, 11) + timedelta(days=i), h5, "accountable")
    for day in (d(2026, 2, 20), d(2026, 2, 21)):
        remind(u2, day, h5, "accountable")
    for day in (d(2026, 2, 4), d(2026, 2, 5)):
        remind(u5, day, h5, "superior")
    remind(u1, d(2026, 2, 3), h["H4"], "accountable")

    # Targets for 2026: A rectification rate ≥95%, B no overdue, G a metric we cannot measure.
    db.session.add(
        SafetyTarget(
            unit_id=a.id,
            year=2026,
            title="隐患整改率",
            metric="rectification_rate",
            target_value="≥95%",
        )
    )
    db.session.add(
        SafetyTarget(
            unit_id=b.id, year=2026, title="逾期隐患", metric="overdue_hazards", target_value="0"
        )
    )
    db.session.add(
        SafetyTarget(
            unit_id=g.id, year=2026, title="重大事故", metric="major_accidents", target_value="0"
        )
    )
    db.session.commit()
    return ds


def add_filler(unit: Unit, post: Post, count: int, *, start: date = date(2025, 6, 1)) -> None:
    """``count`` more hazards of every kind, for query-count tests at two sizes."""
    statuses = ("reported", "rectifying", "pending_verification", "closed", "void")
    for i in range(count):
        found = start + timedelta(days=i % 300)
        status = statuses[i % len(statuses)]
        deadline = None if status in ("reported", "void") else found + timedelta(days=10)
        add_hazard(
            unit,
            status=status,
            level="major" if i % 7 == 0 else "general",
            found_on=found,
            deadline=deadline,
            submitted_at=local(found + timedelta(days=5))
            if status in ("pending_verification", "closed")
            else None,
            closed_at=local(found + timedelta(days=12)) if status == "closed" else None,
            funds=i,
            category=("fire", "electrical", None)[i % 3],
            post=post if deadline else None,
        )
    db.session.commit()
