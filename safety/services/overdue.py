"""What "overdue" means, in one place: a hazard in rectification past its deadline.

Python predicates for one hazard and SQL clauses for filters and counts, for
today and (in the reports) as of a past date. Inspection plans have their own
notion, :func:`safety.services.inspections.plan_is_late`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

import sqlalchemy as sa

from safety.models import Hazard, HazardStatus

S = HazardStatus

__all__ = ["days_left", "days_overdue", "is_overdue", "overdue_clause", "overdue_window"]


def is_overdue(hazard: Hazard, today: date) -> bool:
    """Only a hazard in rectification past its deadline is overdue.

    Closed, void, reported and pending hazards never are.
    """
    return hazard.status == S.RECTIFYING and hazard.deadline is not None and today > hazard.deadline


def days_overdue(hazard: Hazard, today: date) -> int:
    """Whole days past the deadline (0 when not overdue)."""
    return (today - hazard.deadline).days if is_overdue(hazard, today) else 0


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`is_overdue` for filters and counts."""
    return sa.and_(Hazard.status == S.RECTIFYING, Hazard.deadline < today)


def days_left(hazard: Hazard, today: date) -> int | None:
    """Days until the deadline while the hazard is still open and not overdue."""
    if hazard.deadline is None or hazard.status not in (S.RECTIFYING, S.PENDING_VERIFICATION):
        return None
    return (hazard.deadline - today).days


def overdue_window(
    deadline: date | None,
    status: str,
    submitted_at: datetime | None,
    closed_at: datetime | None,
    *,
    last: date,
    tz: tzinfo,
) -> tuple[date, date] | None:
    """First and last local day a hazard was overdue, up to ``last`` (None: never).

    From the day after the deadline to the day the fix was submitted (when it
    is now pending or closed), the day it closed, or ``last``; a void hazard
    is never overdue.
    """
    if deadline is None or status == S.VOID:
        return None
    start = deadline + timedelta(days=1)
    end = last
    if closed_at is not None:
        end = min(end, closed_at.astimezone(tz).date())
    if submitted_at is not None and status in (S.PENDING_VERIFICATION, S.CLOSED):
        end = min(end, submitted_at.astimezone(tz).date())
    return (start, end) if end >= start else None
