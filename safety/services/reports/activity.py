"""Inspections done and planned, responsibility-list sign-off, and safety targets."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PlanKind,
    Post,
    PostHolder,
    ResponsibilityListVersion,
    SafetyTarget,
    Unit,
    User,
)
from safety.services.reports.common import TARGET_METRICS, rate
from safety.services.reports.figures import figures_by_unit, roll_up
from safety.services.reports.periods import Period, Scope, day_end, day_start


def plan_occurrences(plan: InspectionPlan, first: date, last: date) -> int:
    """How many times ``plan`` falls due in [first, last].

    The due dates are the inspections area's own (:func:`next_occurrence`);
    daily and weekly plans are counted in closed form, the others step through
    their few due dates, so the cost depends on plans, not on hazards.
    """
    from safety.services.inspections import next_occurrence

    start = plan.start_date
    if last < start:
        return 0
    kind = PlanKind(plan.kind)
    lo = max(first, start)
    if kind == PlanKind.DAILY:
        return (last - lo).days + 1
    if kind == PlanKind.WEEKLY:
        offset = (lo - start).days
        first_due = start + timedelta(days=-(-offset // 7) * 7)
        return 0 if first_due > last else (last - first_due).days // 7 + 1
    count = 0
    due = next_occurrence(kind, start, first - timedelta(days=1))
    while due is not None and due <= last:
        count += 1
        due = next_occurrence(kind, start, due)
    return count


@dataclass
class InspectionFigures:
    done: int
    planned: int
    done_by_unit: dict[int, int]
    planned_by_unit: dict[int, int]

    @property
    def rate(self) -> float | None:
        return rate(self.done, self.planned)


def inspections(scope: Scope, period: Period, *, today: date) -> InspectionFigures:
    """Done vs planned in the period (two queries: inspections grouped, active plans)."""
    tz = clock.tz()
    unit_filter = Inspection.unit_id.in_(scope.unit_ids) if scope.unit is not None else sa.true()
    done_rows = db.session.execute(
        sa.select(Inspection.unit_id, sa.func.count())
        .where(
            unit_filter,
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.performed_at >= day_start(period.start, tz),
            Inspection.performed_at < day_end(period.end, tz),
        )
        .group_by(Inspection.unit_id)
    ).all()
    plan_filter = (
        InspectionPlan.unit_id.in_(scope.unit_ids) if scope.unit is not None else sa.true()
    )
    plans = db.session.scalars(
        sa.select(InspectionPlan).where(plan_filter, InspectionPlan.active.is_(True))
    ).all()
    planned_by_unit: dict[int, int] = defaultdict(int)
    for plan in plans:
        planned_by_unit[plan.unit_id] += plan_occurrences(plan, period.start, period.end)
    done_by_unit = {uid: int(n) for uid, n in done_rows}
    return InspectionFigures(
        done=sum(done_by_unit.values()),
        planned=sum(planned_by_unit.values()),
        done_by_unit=done_by_unit,
        planned_by_unit=dict(planned_by_unit),
    )


@dataclass
class SignOff:
    post_id: int
    post_title: str
    unit_id: int
    unit_name: str
    user_id: int
    user_name: str
    version: int
    signed_at: datetime | None


def sign_offs(scope: Scope, *, on: date) -> list[SignOff]:
    """Each holder on ``on`` of a scope post with a list, and their signature (one query).

    The version that counts is the latest made by the end of ``on``.
    """
    tz = clock.tz()
    end = day_end(on, tz)
    current = (
        sa.select(
            ResponsibilityListVersion.post_id.label("post_id"),
            sa.func.max(ResponsibilityListVersion.version).label("version"),
        )
        .where(ResponsibilityListVersion.created_at < end)
        .group_by(ResponsibilityListVersion.post_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Post.id,
            Post.title,
            Unit.id,
            Unit.name,
            User.id,
            User.name,
            current.c.version,
            Acknowledgement.at,
        )
        .join(current, current.c.post_id == Post.id)
        .join(Unit, Unit.id == Post.unit_id)
        .join(PostHolder, PostHolder.post_id == Post.id)
        .join(User, User.id == PostHolder.user_id)
        .outerjoin(
            Acknowledgement,
            sa.and_(
                Acknowledgement.post_id == Post.id,
                Acknowledgement.user_id == User.id,
                Acknowledgement.version == current.c.version,
                Acknowledgement.at < end,
            ),
        )
        .where(
            PostHolder.start_date <= on,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= on),
            User.active.is_(True),
        )
        .order_by(Unit.code, Post.title, User.name)
    )
    if scope.unit is not None:
        stmt = stmt.where(Post.unit_id.in_(scope.unit_ids))
    seen: set[tuple[int, int]] = set()
    result: list[SignOff] = []
    for row in db.session.execute(stmt).all():
        if (row[0], row[4]) in seen:  # two overlapping holdings of one person
            continue
        seen.add((row[0], row[4]))
        result.append(SignOff(*row))
    return result


@dataclass
class TargetRow:
    unit_id: int
    unit_name: str
    title: str
    metric: str | None
    target_value: str | None
    actual: float | int | None
    achieved: bool | None


def _parse_target(text: str | None) -> float | None:
    match = re.search(r"-?\d+(?:\.\d+)?", text or "")
    if not match:
        return None
    value = float(match[0])
    return value / 100 if "%" in (text or "") else value


def targets(scope: Scope, period: Period, *, today: date) -> list[TargetRow]:
    """The units' targets for the period's year against the year-to-date actuals.

    Two queries: the targets, and the year's figures grouped by unit (rolled
    up per target unit in Python).
    """
    year = period.end.year
    stmt = sa.select(SafetyTarget).where(SafetyTarget.year == year).order_by(SafetyTarget.id)
    if scope.unit is not None:
        stmt = stmt.where(SafetyTarget.unit_id.in_(scope.unit_ids))
    rows = db.session.scalars(stmt).all()
    if not rows:
        return []
    ytd = Period(date(year, 1, 1), min(period.end, date(year, 12, 31)), "range", "")
    whole = Scope(None, tuple(scope.units), scope.units, scope.children)
    per_unit = figures_by_unit(whole, ytd, today=today)
    rolled = roll_up(whole, per_unit, {t.unit_id for t in rows})
    result = []
    for target in rows:
        fig = rolled[target.unit_id]
        actual: float | int | None = {
            "rectification_rate": fig.rectification_rate,
            "on_time_rate": fig.on_time_rate,
            "overdue_hazards": fig.overdue,
            "open_major_hazards": fig.open_major,
        }.get(target.metric or "")
        goal = _parse_target(target.target_value)
        achieved = None
        if actual is not None and goal is not None and target.metric in TARGET_METRICS:
            achieved = actual >= goal if TARGET_METRICS[target.metric] else actual <= goal
        unit = scope.units.get(target.unit_id)
        result.append(
            TargetRow(
                target.unit_id,
                unit.name if unit else "",
                target.title,
                target.metric,
                target.target_value,
                actual,
                achieved,
            )
        )
    return result
