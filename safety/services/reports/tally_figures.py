"""The reports' figures read from the tallies (services/tallies.py) instead of the hazards.

A figure is a sum of deltas over a range of days: whole months from the month
rows, the ragged ends from the day rows. The cost follows units × months, not
hazards. Cohort figures ("of the hazards found in the period") need a period of
whole months; other periods read those three from the hazards found in them.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import NO_COHORT, HazardTallyDay, HazardTallyMonth
from safety.services import tallies as t
from safety.services.reports.common import (
    AGEING_BUCKETS,
    LEVELS,
    OPEN_STATES,
)
from safety.services.reports.periods import Period, Scope

#: One measure: its kinds, its cohort range (None: not a cohort figure) and its
#: days (first None: since the beginning).
Measure = tuple[tuple[str, ...], tuple[date, date] | None, date | None, date]


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return month_end(day) + timedelta(days=1)


def whole_months(period: Period) -> bool:
    """Whether the period is whole months (the cohort tallies can answer it)."""
    return period.start.day == 1 and period.end == month_end(period.end)


def split_days(
    first: date | None, last: date
) -> tuple[tuple[date | None, date] | None, list[tuple[date, date]]]:
    """``[first, last]`` as whole months (first days, inclusive) and ragged day ranges."""
    lo = None if first is None else (first if first.day == 1 else _next_month(first))
    hi = last.replace(day=1) if last == month_end(last) else _previous_month(last)
    months = (lo, hi) if hi is not None and (lo is None or lo <= hi) else None
    ragged: list[tuple[date, date]] = []
    if first is not None and first.day != 1:
        ragged.append((first, min(last, month_end(first))))
    if last != month_end(last):
        start = last.replace(day=1)
        if first is not None:
            start = max(start, first)
        if not ragged or ragged[0][1] < start:
            ragged.append((start, last))
    return months, ragged


def _previous_month(day: date) -> date | None:
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1) if first.year > 1 else None


def _where(model: type, column: Any, measures: list[Measure], scope: Scope, whole: bool) -> Any:
    parts = []
    for kinds, cohorts, first, last in measures:
        months, ragged = split_days(first, last)
        ranges = [months] if whole else ragged
        if whole and months is None:
            continue
        when = []
        for lo, hi in ranges:
            cond = [column <= hi]
            if lo is not None:
                cond.append(column >= lo)
            when.append(sa.and_(*cond))
        if not when:
            continue
        cohort = (
            model.cohort == NO_COHORT
            if cohorts is None
            else model.cohort.between(cohorts[0], cohorts[1])
        )
        parts.append(sa.and_(model.kind.in_(kinds), cohort, sa.or_(*when)))
    if not parts:
        return sa.false()
    scoped = [] if scope.unit is None else [model.unit_id.in_(scope.unit_ids)]
    return sa.and_(*scoped, sa.or_(*parts))


def sum_tallies(
    scope: Scope, measures: list[Measure], *, by: str = "unit"
) -> dict[tuple[Any, str, str], tuple[int, Decimal]]:
    """{(unit_id or month, level, kind): (n, amount)} summed over each measure's range.

    ``by="month"`` groups the month rows by month instead (the trend; whole
    months only, the ragged day rows summed under their month's first day).
    """
    out: dict[tuple[Any, str, str], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    selects = []
    for model, column, whole in (
        (HazardTallyMonth, HazardTallyMonth.month, True),
        (HazardTallyDay, HazardTallyDay.day, False),
    ):
        group = model.unit_id if by == "unit" else column
        selects.append(
            sa.select(
                sa.literal(whole).label("whole"),
                group.label("g"),
                model.level,
                model.kind,
                sa.func.sum(model.n),
                sa.func.sum(model.amount),
            )
            .where(_where(model, column, measures, scope, whole))
            .group_by(group, model.level, model.kind)
        )
    for whole, group, level, kind, n, amount in db.session.execute(sa.union_all(*selects)):
        if by == "month" and not whole:
            group = group.replace(day=1)
        cell = out[(group, level, kind)]
        cell[0] += int(n or 0)
        cell[1] += Decimal(str(amount or 0))
    return {key: (n, amount) for key, (n, amount) in out.items()}


def _late_between(sums: dict, unit: int, first: int, last: int | None) -> int:
    """Overdue by ``first`` to ``last`` days (None: or more), from the ≥k-days stocks."""

    def at_least(k: int) -> int:
        return sum(sums.get((unit, lv, t.LATE[k]), (0, 0))[0] for lv in LEVELS)

    return at_least(first) - (at_least(last + 1) if last is not None else 0)


def tally_figures_by_unit(scope: Scope, period: Period, *, today: date) -> dict[int, Any]:
    """The same as :func:`figures.figures_by_unit`, from the tallies."""
    from safety.services.reports.figures import Figures, found_figures_by_unit

    as_of = period.as_of(today)
    whole = whole_months(period)
    cohorts = (period.start, period.end.replace(day=1))
    measures: list[Measure] = [
        # found by the as-of date, like the scan's "known" (a past as-of date)
        ((t.FOUND, t.VOID), None, period.start, as_of),
        ((t.CLOSED,), None, period.start, as_of),
        ((*t.OPEN_STATES, *t.LATE.values()), None, None, as_of),
    ]
    if whole:
        measures.append(((t.COHORT["closed"], t.ON_TIME, t.FUNDS), cohorts, None, as_of))
    sums = sum_tallies(scope, measures)
    # ragged months: the cohort figures from the hazards found in the period
    found_part = {} if whole else found_figures_by_unit(scope, period, as_of, clock.tz())
    units = {unit for unit, _lv, _k in sums} | set(found_part)
    result: dict[int, Any] = {}
    for unit in units:

        def get(kind: str, level: str | None = None, unit: int = unit) -> tuple[int, Decimal]:
            levels = [level] if level else list(LEVELS)
            pairs = [sums.get((unit, lv, kind), (0, Decimal("0"))) for lv in levels]
            return sum(p[0] for p in pairs), sum((p[1] for p in pairs), Decimal("0"))

        figures = Figures(
            found=get(t.FOUND)[0],
            void=get(t.VOID)[0],
            closed_in_period=get(t.CLOSED)[0],
            overdue=get(t.LATE[1])[0],
            overdue_major=get(t.LATE[1], "major")[0],
        )
        if whole:
            figures.closed_of_found = get(t.COHORT["closed"])[0]
            figures.on_time_of_found = get(t.ON_TIME)[0]
            figures.funds = get(t.FUNDS)[1].quantize(Decimal("0.01"))
        else:
            found = found_part.get(unit, Figures())
            figures.closed_of_found = found.closed_of_found
            figures.on_time_of_found = found.on_time_of_found
            figures.funds = found.funds
        figures.ageing = {
            key: _late_between(sums, unit, first, last) for key, first, last in AGEING_BUCKETS
        }
        figures.states = {state: {lv: get(state, lv)[0] for lv in LEVELS} for state in OPEN_STATES}
        figures.open_total = sum(sum(v.values()) for v in figures.states.values())
        figures.open_major = sum(v["major"] for v in figures.states.values())
        if _anything(figures):
            result[unit] = figures
    return result


def _anything(figures: Any) -> bool:
    """Whether a unit has a figure to show (the scan lists exactly such units)."""
    return bool(
        figures.found
        or figures.void
        or figures.closed_in_period
        or figures.open_total
        or figures.overdue
        or figures.funds
    )


def tally_found_figures(scope: Scope, period: Period, as_of: date) -> Any | None:
    """Found, void, closed, on time and funds of the hazards found in a period of
    whole months, from the tallies; None for other periods (the caller scans)."""
    from safety.services.reports.figures import Figures

    if not whole_months(period):
        return None
    cohorts = (period.start, period.end.replace(day=1))
    sums = sum_tallies(
        scope,
        [
            ((t.FOUND, t.VOID), None, period.start, min(period.end, as_of)),
            ((t.COHORT["closed"], t.ON_TIME, t.FUNDS), cohorts, None, as_of),
        ],
    )
    totals: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    for (_unit, _level, kind), (n, amount) in sums.items():
        totals[kind][0] += n
        totals[kind][1] += amount
    return Figures(
        found=totals[t.FOUND][0],
        void=totals[t.VOID][0],
        closed_of_found=totals[t.COHORT["closed"]][0],
        on_time_of_found=totals[t.ON_TIME][0],
        funds=totals[t.FUNDS][1].quantize(Decimal("0.01")),
    )


def tally_state_matrix(
    scope: Scope, period: Period, as_of: date
) -> dict[int, dict[str, dict[str, int]]] | None:
    """{unit_id: {level: {state: n}}} of the hazards found in a period of whole months,
    by their state at the end of ``as_of``; None for other periods (the caller scans)."""
    from safety.services.reports.common import STATES

    if not whole_months(period):
        return None
    cohorts = (period.start, period.end.replace(day=1))
    kinds = tuple(t.COHORT[state] for state in STATES)
    sums = sum_tallies(scope, [(kinds, cohorts, None, as_of)])
    state_of = {t.COHORT[state]: state for state in STATES}
    matrix: dict[int, dict[str, dict[str, int]]] = {}
    for (unit, level, kind), (n, _amount) in sums.items():
        if not n:
            continue
        cells = matrix.setdefault(unit, {lv: {s: 0 for s in STATES} for lv in LEVELS})
        cells[level][state_of[kind]] += n
    return matrix


def tally_count_majors(scope: Scope, period: Period, as_of: date) -> int | None:
    """Major hazards found in the period or open at ``as_of`` (the monthly report's
    list), counted from the tallies: those found by ``as_of`` plus those open then
    that were found earlier. None for periods of ragged months."""
    if not whole_months(period):
        return None
    cohorts = (period.start, period.end.replace(day=1))
    open_cohort = tuple(t.COHORT[state] for state in t.OPEN_STATES)
    sums = sum_tallies(
        scope,
        [
            ((t.FOUND,), None, period.start, as_of),
            (t.OPEN_STATES, None, None, as_of),
            (open_cohort, cohorts, None, as_of),
        ],
    )
    found = opened = open_found_in_period = 0
    for (_unit, level, kind), (n, _amount) in sums.items():
        if level != "major":
            continue
        if kind == t.FOUND:
            found += n
        elif kind in t.OPEN_STATES:
            opened += n
        else:
            open_found_in_period += n
    return found + opened - open_found_in_period
