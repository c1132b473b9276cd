"""The indicators of a scorecard, from the records the application already keeps.

Every indicator counts only the days a person held the post in the period
(two people on one post in one quarter each get their own days). All pairs
of a period are computed together, with one query per kind of record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Hazard,
    HazardStatus,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PostHolder,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
)
from safety.services.duty.periods import Period
from safety.services.overdue import overdue_window

#: Reasons of a reminder that went above the accountable holders (contract §5).
ESCALATED = ("superior", "supervision")

Range = tuple[date, date]
Pair = tuple[int, int]  # (post_id, user_id)


@dataclass
class Held:
    """The days one person held one post in the part of a period that has happened."""

    ranges: list[Range] = field(default_factory=list)

    def covers(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.ranges)

    def overlap(self, start: date, end: date) -> int:
        return sum(
            max(0, (min(end, r_end) - max(start, r_start)).days + 1)
            for r_start, r_end in self.ranges
        )

    @property
    def days(self) -> int:
        return sum((end - start).days + 1 for start, end in self.ranges)


def holdings_in(period: Period, today: date) -> dict[Pair, Held]:
    """Who held which post in ``period`` up to ``today``, clipped to it."""
    span = period.days_until(today)
    if span is None:
        return {}
    first, last = span
    rows = db.session.execute(
        sa.select(
            PostHolder.post_id, PostHolder.user_id, PostHolder.start_date, PostHolder.end_date
        )
        .where(
            PostHolder.start_date <= last,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= first),
        )
        .order_by(PostHolder.post_id, PostHolder.user_id, PostHolder.start_date)
    )
    held: dict[Pair, Held] = defaultdict(Held)
    for post_id, user_id, start, end in rows:
        start, end = max(start, first), min(end or last, last)
        if end >= start:
            held[(post_id, user_id)].ranges.append((start, end))
    return dict(held)


def _start_instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.tz()).astimezone(UTC)


def _record(kind: str, ident: int, label: str, detail: Any = None) -> dict[str, Any]:
    return {"type": kind, "id": ident, "label": label, "detail": detail}


def _hazards(post_ids: Iterable[int], period: Period, last: date) -> list[Any]:
    return list(
        db.session.execute(
            sa.select(
                Hazard.id,
                Hazard.number,
                Hazard.accountable_post_id,
                Hazard.deadline,
                Hazard.status,
                Hazard.submitted_at,
                Hazard.closed_at,
            ).where(
                Hazard.accountable_post_id.in_(list(post_ids)),
                Hazard.status != HazardStatus.VOID,
                Hazard.deadline.is_not(None),
                Hazard.deadline <= last,
                sa.or_(
                    Hazard.deadline >= period.start,
                    Hazard.closed_at.is_(None),
                    Hazard.closed_at >= _start_instant(period.start),
                ),
            )
        )
    )


def _hazard_indicators(
    hazards: list[Any], held: Held, today: date, last: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``hazards_on_time`` and ``overdue_days`` for one person's days."""
    tz = clock.tz()
    judged, on_time, late_records = 0, 0, []
    overdue_days, overdue_records = 0, []
    for h in hazards:
        closed_on = h.closed_at.astimezone(tz).date() if h.closed_at else None
        if held.covers(h.deadline) and (h.deadline < today or closed_on is not None):
            judged += 1
            if closed_on is not None and closed_on <= h.deadline:
                on_time += 1
            else:
                late_records.append(_record("hazard", h.id, h.number))
        window = overdue_window(h.deadline, h.status, h.closed_at, h.submitted_at, tz, last)
        if window is not None and (days := held.overlap(*window)):
            overdue_days += days
            overdue_records.append(_record("hazard", h.id, h.number, days))
    ratio = round(on_time / judged, 3) if judged else None
    return (
        {"code": "hazards_on_time", "value": ratio, "of": judged, "records": late_records},
        {"code": "overdue_days", "value": overdue_days, "records": overdue_records},
    )


def _escalations(hazard_posts: dict[int, int], period: Period, last: date) -> dict[Pair, Any]:
    """``{(post_id, local_date): [(hazard_id, number)]}`` of reminders sent above the holders."""
    rows = db.session.execute(
        sa.select(ReminderItem.hazard_id, Hazard.number, ReminderDigest.local_date)
        .join(ReminderDigest, ReminderDigest.id == ReminderItem.digest_id)
        .join(Hazard, Hazard.id == ReminderItem.hazard_id)
        .where(
            ReminderItem.hazard_id.in_(list(hazard_posts)),
            ReminderItem.reason.in_(ESCALATED),
            ReminderDigest.local_date.between(period.start, last),
        )
        .distinct()
    )
    found: dict[Any, set] = defaultdict(set)
    for hazard_id, number, day in rows:
        found[hazard_posts[hazard_id]].add((hazard_id, number, day))
    return found


def _signing(post_ids: list[int], last: date) -> tuple[dict[int, list], dict[Pair, list]]:
    """List versions per post (number, local date made) and signatures per pair."""
    tz = clock.tz()
    versions: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for post_id, version, created in db.session.execute(
        sa.select(
            ResponsibilityListVersion.post_id,
            ResponsibilityListVersion.version,
            ResponsibilityListVersion.created_at,
        )
        .where(ResponsibilityListVersion.post_id.in_(post_ids))
        .order_by(ResponsibilityListVersion.post_id, ResponsibilityListVersion.version)
    ):
        versions[post_id].append((version, created.astimezone(tz).date()))
    signed: dict[Pair, list[tuple[int, date]]] = defaultdict(list)
    for post_id, user_id, version, at in db.session.execute(
        sa.select(
            Acknowledgement.post_id,
            Acknowledgement.user_id,
            Acknowledgement.version,
            Acknowledgement.at,
        ).where(Acknowledgement.post_id.in_(post_ids))
    ):
        signed[(post_id, user_id)].append((version, at.astimezone(tz).date()))
    return versions, signed


def _list_signed_days(
    versions: list[tuple[int, date]], signatures: list[tuple[int, date]], held: Held
) -> dict[str, Any]:
    """The longest wait, in days, from a new list version to this person's signature."""
    worst, records = 0, []
    for index, (version, made) in enumerate(versions):
        until = versions[index + 1][1] if index + 1 < len(versions) else None
        for start, end in held.ranges:
            if until is not None and until <= start:
                continue  # superseded before this holding began
            need_from = max(made, start)
            if need_from > end:
                continue
            dates = [day for v, day in signatures if v >= version]
            signed_on = min(dates) if dates else None
            wait = (
                0
                if signed_on is not None and signed_on <= need_from
                else ((min(signed_on or end, end) - need_from).days)
            )
            if wait > worst:
                worst = wait
            if wait:
                records.append(_record("list_version", version, f"v{version}", wait))
    return {"code": "list_signed_days", "value": worst, "records": records}


def _plans(post_ids: list[int], period: Period, last: date) -> tuple[list[Any], dict[int, list]]:
    plans = list(
        db.session.scalars(
            sa.select(InspectionPlan).where(
                InspectionPlan.responsible_post_id.in_(post_ids),
                InspectionPlan.active.is_(True),
                InspectionPlan.start_date <= last,
            )
        )
    )
    tz = clock.tz()
    done: dict[int, list[date]] = defaultdict(list)
    if plans:
        for plan_id, performed in db.session.execute(
            sa.select(Inspection.plan_id, Inspection.performed_at).where(
                Inspection.plan_id.in_([p.id for p in plans]),
                Inspection.status == InspectionStatus.SUBMITTED,
                Inspection.performed_at >= _start_instant(period.start - timedelta(days=400)),
            )
        ):
            done[plan_id].append(performed.astimezone(tz).date())
    return plans, done


def _checks_on_time(
    plans: list[Any], done: dict[int, list[date]], held: Held, today: date
) -> dict[str, Any]:
    """Share of the checks due on this person's days that were done by their due date."""
    from safety.services.inspections import next_occurrence

    due_count, on_time, records = 0, 0, []
    for plan in plans:
        previous: date | None = None
        due = plan.start_date
        while due is not None and due < today:
            if held.covers(due):
                due_count += 1
                if any(
                    (previous is None or day > previous) and day <= due for day in done[plan.id]
                ):
                    on_time += 1
                else:
                    records.append(_record("plan", plan.id, str(plan.id), due.isoformat()))
            previous, due = due, next_occurrence(plan.kind, plan.start_date, due)
    ratio = round(on_time / due_count, 3) if due_count else None
    return {"code": "checks_on_time", "value": ratio, "of": due_count, "records": records}


def compute(period: Period, today: date, holdings: dict[Pair, Held]) -> dict[Pair, list[dict]]:
    """Every indicator for every pair of ``holdings`` (values only, no scores)."""
    span = period.days_until(today)
    if span is None or not holdings:
        return {}
    last = span[1]
    post_ids = sorted({post_id for post_id, _user in holdings})
    hazards_by_post: dict[int, list[Any]] = defaultdict(list)
    for row in _hazards(post_ids, period, last):
        hazards_by_post[row.accountable_post_id].append(row)
    all_hazards = dict(
        db.session.execute(
            sa.select(Hazard.id, Hazard.accountable_post_id).where(
                Hazard.accountable_post_id.in_(post_ids)
            )
        ).all()
    )
    escalated = _escalations(all_hazards, period, last)
    versions, signed = _signing(post_ids, last)
    plans, done = _plans(post_ids, period, last)
    plans_by_post: dict[int, list[Any]] = defaultdict(list)
    for plan in plans:
        plans_by_post[plan.responsible_post_id].append(plan)
    result: dict[Pair, list[dict]] = {}
    for pair, held in holdings.items():
        post_id, _user = pair
        on_time, overdue = _hazard_indicators(hazards_by_post[post_id], held, today, last)
        went_up = sorted(e for e in escalated.get(post_id, ()) if held.covers(e[2]))
        result[pair] = [
            on_time,
            overdue,
            _checks_on_time(plans_by_post[post_id], done, held, today),
            _list_signed_days(versions.get(post_id, []), signed.get(pair, []), held),
            {
                "code": "escalations",
                "value": len(went_up),
                "records": [_record("hazard", h, n, d.isoformat()) for h, n, d in went_up],
            },
        ]
    return result
