"""The headline figures of a scope and period, in one aggregate query, and by unit and category."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
)
from safety.services.overdue import (
    overdue_on_clause,
)
from safety.services.reports.common import (
    _VOID,
    AGEING_BUCKETS,
    LEVELS,
    OPEN_STATES,
    _count,
    _in_scope,
    _local_date_sql,
    _state_at,
    rate,
)
from safety.services.reports.periods import Period, Scope, day_end, day_start


@dataclass
class Figures:
    """The headline figures of a scope and period (one aggregate query)."""

    found: int = 0
    void: int = 0
    closed_of_found: int = 0
    on_time_of_found: int = 0
    closed_in_period: int = 0
    funds: Decimal = Decimal("0")
    open_total: int = 0
    open_major: int = 0
    overdue: int = 0
    overdue_major: int = 0
    ageing: dict[str, int] = field(default_factory=dict)
    #: Hazards open at the as-of date: {state: {level: n}} for the open states.
    states: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def rectification_rate(self) -> float | None:
        return rate(self.closed_of_found, self.found)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time_of_found, self.closed_of_found)


def _figure_columns(period: Period, as_of: date, tz: ZoneInfo) -> list[Any]:
    """The ``SUM(CASE …)`` columns behind :class:`Figures`, in its field order."""
    end = day_end(as_of, tz)
    not_void = Hazard.status != _VOID
    in_period = sa.and_(Hazard.found_on >= period.start, Hazard.found_on <= period.end)
    known = sa.and_(not_void, Hazard.found_on <= as_of)
    closed_by = sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)
    state = _state_at(end)
    overdue = overdue_on_clause(as_of, tz)
    columns: list[Any] = [
        _count(sa.and_(in_period, not_void)),
        _count(sa.and_(in_period, Hazard.status == _VOID)),
        _count(sa.and_(in_period, not_void, closed_by)),
        _count(
            sa.and_(
                in_period,
                not_void,
                closed_by,
                _local_date_sql(Hazard.closed_at, tz) <= Hazard.deadline,
            )
        ),
        _count(
            sa.and_(
                not_void,
                Hazard.closed_at >= day_start(period.start, tz),
                Hazard.closed_at < end,
            )
        ),
        sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (sa.and_(in_period, not_void, Hazard.assigned_at < end), Hazard.funds),
                    else_=0,
                )
            ),
            0,
        ),
        _count(overdue),
        _count(sa.and_(overdue, Hazard.level == HazardLevel.MAJOR)),
    ]
    for _key, first, last in AGEING_BUCKETS:
        bucket = Hazard.deadline <= as_of - timedelta(days=first)
        if last is not None:
            bucket = sa.and_(bucket, Hazard.deadline >= as_of - timedelta(days=last))
        columns.append(_count(sa.and_(overdue, bucket)))
    for state_name in OPEN_STATES:
        for level in LEVELS:
            columns.append(
                _count(sa.and_(known, Hazard.level == HazardLevel(level), state == state_name))
            )
    return columns


def _relevant(period: Period, as_of: date, tz: ZoneInfo) -> Any:
    """SQL: the rows any figure can count; hazards found before the period and
    closed before it started are left out, so years of closed history cost little."""
    known = Hazard.found_on <= as_of
    # One OR of three index ranges (found_on; closed_at IS NULL; closed_at >= start),
    # so both databases read them through their indexes instead of all history.
    return sa.or_(
        sa.and_(Hazard.found_on >= period.start, known),
        sa.and_(Hazard.closed_at.is_(None), known),
        sa.and_(Hazard.closed_at >= day_start(period.start, tz), known),
    )


def _figures_from_row(row: Sequence[Any]) -> Figures:
    values = [int(v or 0) for v in row[:5]]
    figures = Figures(
        found=values[0],
        void=values[1],
        closed_of_found=values[2],
        on_time_of_found=values[3],
        closed_in_period=values[4],
        funds=Decimal(str(row[5] or 0)).quantize(Decimal("0.01")),
        overdue=int(row[6] or 0),
        overdue_major=int(row[7] or 0),
    )
    figures.ageing = {key: int(row[8 + i] or 0) for i, (key, _f, _l) in enumerate(AGEING_BUCKETS)}
    i = 8 + len(AGEING_BUCKETS)
    for state_name in OPEN_STATES:
        figures.states[state_name] = {}
        for level in LEVELS:
            figures.states[state_name][level] = int(row[i] or 0)
            i += 1
    figures.open_total = sum(sum(by_level.values()) for by_level in figures.states.values())
    figures.open_major = sum(by_level["major"] for by_level in figures.states.values())
    return figures


def figures(scope: Scope, period: Period, *, today: date) -> Figures:
    """Headline figures for ``scope`` over ``period`` (from the tallies)."""
    return sum_figures(figures_by_unit(scope, period, today=today).values())


def figures_by_unit(scope: Scope, period: Period, *, today: date) -> dict[int, Figures]:
    """Figures per unit of the scope, each unit alone, from the tallies (two or three
    grouped queries over units × months, however many hazards)."""
    from safety.services.reports.tally_figures import tally_figures_by_unit

    return tally_figures_by_unit(scope, period, today=today)


def scan_figures_by_unit(scope: Scope, period: Period, *, today: date) -> dict[int, Figures]:
    """Figures per unit from the hazards themselves (one grouped query over every
    hazard the period can count): the definition the tallies are tested against."""
    tz = clock.tz()
    as_of = period.as_of(today)
    rows = db.session.execute(
        sa.select(Hazard.unit_id, *_figure_columns(period, as_of, tz))
        .where(_in_scope(scope), _relevant(period, as_of, tz))
        .group_by(Hazard.unit_id)
    ).all()
    return {row[0]: _figures_from_row(row[1:]) for row in rows}


def _add(total: Figures, part: Figures) -> None:
    for name in (
        "found",
        "void",
        "closed_of_found",
        "on_time_of_found",
        "closed_in_period",
        "funds",
        "open_total",
        "open_major",
        "overdue",
        "overdue_major",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for key, value in part.ageing.items():
        total.ageing[key] = total.ageing.get(key, 0) + value
    for state_name, by_level in part.states.items():
        into = total.states.setdefault(state_name, {lv: 0 for lv in LEVELS})
        for level, value in by_level.items():
            into[level] = into.get(level, 0) + value


def sum_figures(parts: Iterable[Figures]) -> Figures:
    """The figures of several units together (every ageing bucket present)."""
    total = Figures(ageing={key: 0 for key, _f, _l in AGEING_BUCKETS})
    for part in parts:
        _add(total, part)
    return total


def roll_up(
    scope: Scope, per_unit: dict[int, Figures], unit_ids: Iterable[int]
) -> dict[int, Figures]:
    """Each of ``unit_ids`` with the figures of its whole subtree (Python over units only)."""
    return {
        uid: sum_figures(per_unit[sub] for sub in scope.subtree(uid) if sub in per_unit)
        for uid in unit_ids
    }


def by_category(scope: Scope, period: Period, *, today: date) -> list[dict[str, Any]]:
    """Found, closed and open per hazard category, for hazards found in the period."""
    tz = clock.tz()
    as_of = period.as_of(today)
    end = day_end(as_of, tz)
    category = sa.func.coalesce(Hazard.category, "").label("category")
    rows = db.session.execute(
        sa.select(
            category,
            sa.func.count(),
            _count(sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)),
            _count(overdue_on_clause(as_of, tz)),
        )
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= period.end,
        )
        .group_by(category)
        .order_by(sa.func.count().desc(), category)
    ).all()
    return [
        {"category": name, "found": int(found), "closed": int(closed), "overdue": int(overdue)}
        for name, found, closed, overdue in rows
    ]


def _found_columns(as_of: date, tz: ZoneInfo) -> list[Any]:
    """Found, void, closed by the as-of date, on time and funds, as SQL sums."""
    end = day_end(as_of, tz)
    not_void = Hazard.status != _VOID
    closed_by = sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)
    return [
        _count(not_void),
        _count(Hazard.status == _VOID),
        _count(sa.and_(not_void, closed_by)),
        _count(
            sa.and_(not_void, closed_by, _local_date_sql(Hazard.closed_at, tz) <= Hazard.deadline)
        ),
        sa.func.coalesce(
            sa.func.sum(
                sa.case((sa.and_(not_void, Hazard.assigned_at < end), Hazard.funds), else_=0)
            ),
            0,
        ),
    ]


def _found_where(scope: Scope, period: Period, as_of: date) -> Any:
    """The hazards found in the period by the as-of date (an index range)."""
    return sa.and_(
        _in_scope(scope),
        Hazard.found_on >= period.start,
        Hazard.found_on <= min(period.end, as_of),
    )


def _found_from_row(row: Sequence[Any]) -> Figures:
    return Figures(
        found=int(row[0]),
        void=int(row[1]),
        closed_of_found=int(row[2]),
        on_time_of_found=int(row[3]),
        funds=Decimal(str(row[4] or 0)).quantize(Decimal("0.01")),
    )


def _found_figures(scope: Scope, period: Period, as_of: date, tz: ZoneInfo) -> Figures:
    """The figures about the hazards found in the period only (an index range scan):
    found, void, closed by the as-of date, on time, funds."""
    row = db.session.execute(
        sa.select(*_found_columns(as_of, tz)).where(_found_where(scope, period, as_of))
    ).one()
    return _found_from_row(row)


def found_figures_by_unit(
    scope: Scope, period: Period, as_of: date, tz: ZoneInfo
) -> dict[int, Figures]:
    """:func:`_found_figures` per unit (one grouped query)."""
    rows = db.session.execute(
        sa.select(Hazard.unit_id, *_found_columns(as_of, tz))
        .where(_found_where(scope, period, as_of))
        .group_by(Hazard.unit_id)
    ).all()
    return {row[0]: _found_from_row(row[1:]) for row in rows}
