"""When a plan is due: calendar arithmetic only, no database."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from safety.models import (
    PlanKind,
)

# --- plan schedules -----------------------------------------------------------

#: Seasonal checks are due when a season begins (meteorological seasons).
SEASON_MONTHS = (3, 6, 9, 12)
_MONTH_STEPS = {PlanKind.MONTHLY: 1, PlanKind.QUARTERLY: 3, PlanKind.HOLIDAY: 12}


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, the day clamped to the month's end.

    Always computed from the plan's start date, never from the previous due
    date, so Jan 31 → Feb 28 (29) → Mar 31 and not Mar 28.
    """
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_occurrence(kind: PlanKind | str, start: date, after: date) -> date | None:
    """The first due date of a plan strictly after ``after`` (None: never again).

    daily/weekly step from ``start``; monthly and quarterly keep ``start``'s
    day of month; holiday checks recur yearly on ``start``'s date (Feb 29 →
    Feb 28 in common years); seasonal checks fall on the first day of each
    season (Mar, Jun, Sep, Dec 1); a one-off plan is due once, on ``start``.
    """
    kind = PlanKind(kind)
    if after < start:
        return start
    if kind == PlanKind.ONE_OFF:
        return None
    if kind == PlanKind.DAILY:
        return after + timedelta(days=1)
    if kind == PlanKind.WEEKLY:
        return start + timedelta(days=((after - start).days // 7 + 1) * 7)
    if kind == PlanKind.SEASONAL:
        year, month = after.year, after.month
        for _step in range(5):
            month += 1
            if month > 12:
                year, month = year + 1, 1
            if month in SEASON_MONTHS:
                return date(year, month, 1)
    step = _MONTH_STEPS[kind]
    elapsed = (after.year - start.year) * 12 + after.month - start.month
    count = max(elapsed // step, 0)
    candidate = add_months(start, count * step)
    while candidate <= after:
        count += 1
        candidate = add_months(start, count * step)
    return candidate


def due_dates(kind: PlanKind | str, start: date, count: int) -> list[date]:
    """The first ``count`` due dates of a plan (fewer for a one-off)."""
    result: list[date] = []
    current: date | None = start
    while current is not None and len(result) < count:
        result.append(current)
        current = next_occurrence(kind, start, current)
    return result
