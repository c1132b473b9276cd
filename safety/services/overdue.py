"""What "overdue" means, in one place: a hazard in rectification past its deadline.

Python predicates for one hazard and SQL clauses for filters and counts, for
today and (in the reports) as of a past date. Inspection plans have their own
notion, :func:`safety.services.inspections.plan_is_late`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from safety.models import Hazard, HazardStatus

S = HazardStatus

#: Submitted and not sent back: done with, for "overdue" (a listed major hazard
#: verified and waiting for the authority's write-off included).
RESOLVED_STATES = (S.PENDING_VERIFICATION, S.PENDING_WRITEOFF, S.CLOSED)

__all__ = [
    "RESOLVED_STATES",
    "day_end_instant",
    "days_left",
    "days_overdue",
    "days_overdue_on",
    "is_overdue",
    "overdue_clause",
    "overdue_on_clause",
    "overdue_on_days_buckets",
    "overdue_window",
    "resolved_by_clause",
]


def is_overdue(hazard: Hazard, today: date) -> bool:
    """Only a hazard in rectification past its deadline is overdue.

    Closed, void, reported and pending hazards never are.
    """
    return hazard.status == S.RECTIFYING and hazard.deadline is not None and today > hazard.deadline


def days_overdue(hazard: Hazard, today: date) -> int:
    """Whole days past the deadline (0 when not overdue)."""
    return (today - hazard.deadline).days if is_overdue(hazard, today) else 0


def overdue_clause(
    today: date, status: sa.ColumnElement[Any] = Hazard.status, deadline: Any = Hazard.deadline
) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`is_overdue` for filters and counts (over the hazards, or over
    other rows that carry a hazard status and deadline: the status counts)."""
    return sa.and_(status == S.RECTIFYING.value, deadline < today)


def days_left(hazard: Hazard, today: date) -> int | None:
    """Days until the deadline while the hazard is still open and not overdue."""
    if hazard.deadline is None or hazard.status not in (S.RECTIFYING, S.PENDING_VERIFICATION):
        return None
    return (hazard.deadline - today).days


# --- as of a past date (the reports) ------------------------------------------------
# Added by the reports area. A hazard's status at a past instant is rebuilt from
# its timestamps: it was in rectification at the end of a day when it had been
# assigned by then and neither closed nor submitted (and not sent back) by then.


def day_end_instant(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight after ``day`` (the end of that day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def resolved_by_clause(instant: datetime) -> sa.ColumnElement[bool]:
    """SQL: closed, or submitted and not sent back, before ``instant``."""
    return sa.or_(
        Hazard.closed_at < instant,
        sa.and_(
            Hazard.submitted_at < instant,
            Hazard.status.in_(RESOLVED_STATES),
        ),
    )


def overdue_on_clause(day: date, tz: ZoneInfo) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`overdue_clause` as of the end of local ``day``, past or present."""
    end = day_end_instant(day, tz)
    return sa.and_(
        Hazard.status != S.VOID,
        Hazard.found_on <= day,
        Hazard.deadline < day,
        Hazard.assigned_at < end,
        sa.or_(Hazard.closed_at.is_(None), Hazard.closed_at >= end),
        sa.not_(
            sa.and_(
                Hazard.submitted_at.is_not(None),
                Hazard.submitted_at < end,
                Hazard.status.in_(RESOLVED_STATES),
            )
        ),
    )


def _first_true(conditions: Sequence[sa.ColumnElement[bool]]) -> sa.ColumnElement[int]:
    return sa.case(*[(c, i) for i, c in enumerate(conditions)], else_=len(conditions))


def overdue_on_days_buckets(
    days: Sequence[date], tz: ZoneInfo
) -> tuple[sa.ColumnElement[int], sa.ColumnElement[int], sa.ColumnElement[int]]:
    """SQL: for ascending ``days``, the index of the first day by whose end the hazard
    was past its deadline, assigned, and resolved (``len(days)`` when never).

    A hazard was overdue at the end of ``days[i]`` exactly when
    ``max(late, assigned) <= i < resolved``: group by the three to count per day
    in one query, whatever the number of hazards.
    """
    ends = [day_end_instant(day, tz) for day in days]
    late = _first_true([Hazard.deadline < day for day in days])
    assigned = _first_true([Hazard.assigned_at < end for end in ends])
    resolved = _first_true([resolved_by_clause(end) for end in ends])
    return late, assigned, resolved


def days_overdue_on(deadline: date | None, day: date) -> int:
    """Whole days past ``deadline`` at ``day``, for a hazard overdue then (0 otherwise)."""
    return max(0, (day - deadline).days) if deadline is not None else 0


def overdue_window(
    deadline: date | None,
    status: str,
    closed_at: datetime | None,
    submitted_at: datetime | None,
    tz: ZoneInfo,
    last: date,
) -> tuple[date, date] | None:
    """First and last overdue day up to ``last``: from the day after the deadline to
    the day the rectification was submitted (when it is now pending or closed), the
    closing day, or ``last``. None when never overdue (or void)."""
    if deadline is None or status == S.VOID:
        return None
    start = deadline + timedelta(days=1)
    end = last
    if closed_at is not None:
        end = min(end, closed_at.astimezone(tz).date())
    if submitted_at is not None and status in RESOLVED_STATES:
        end = min(end, submitted_at.astimezone(tz).date())
    return (start, end) if end >= start else None
