"""Found, closed and overdue per month, bucketed in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardStatus,
)
from safety.services.overdue import (
    overdue_on_days_buckets,
)
from safety.services.reports.common import _VOID, TREND_MONTHS, _in_scope
from safety.services.reports.periods import Period, Scope, day_end, day_start, month_ends


@dataclass
class TrendPoint:
    first: date
    last: date
    found: int
    closed: int
    overdue: int


def _first_index(conditions: Sequence[Any]) -> Any:
    """SQL: the index of the first true condition, or ``len(conditions)`` when none is."""
    return sa.case(*[(c, i) for i, c in enumerate(conditions)], else_=len(conditions))


def _could_be_overdue(scope: Scope, as_ofs: Sequence[date], tz: ZoneInfo) -> Any:
    """SQL: hazards past their deadline by the last of ``as_ofs`` and not resolved by the
    end of the first (the others are overdue at no month end). NULL-safe: an open
    hazard has no ``closed_at`` or ``submitted_at``."""
    first_end = day_end(as_ofs[0], tz)
    return sa.and_(
        _in_scope(scope),
        Hazard.status != _VOID,
        Hazard.deadline < as_ofs[-1],
        sa.or_(Hazard.closed_at.is_(None), Hazard.closed_at >= first_end),
        sa.or_(
            Hazard.submitted_at.is_(None),
            Hazard.submitted_at >= first_end,
            Hazard.status.not_in([HazardStatus.PENDING_VERIFICATION, HazardStatus.CLOSED]),
        ),
    )


def trend(
    scope: Scope, period: Period, *, today: date, months: int = TREND_MONTHS
) -> list[TrendPoint]:
    """Found, closed and overdue (at month end, or as of today) per month, from the
    tallies (one query over units × months, however many hazards)."""
    from safety.services import tallies as t
    from safety.services.reports.tally_figures import sum_tallies

    spans = month_ends(period.as_of(today), months)
    sums = sum_tallies(
        scope,
        [
            ((t.FOUND, t.CLOSED), None, spans[0][0], spans[-1][1]),
            ((t.LATE[1],), None, None, min(spans[-1][1], today)),
        ],
        by="month",
    )
    by_kind: dict[str, dict[date, int]] = {}
    for (month, _level, kind), (n, _amount) in sums.items():
        into = by_kind.setdefault(kind, {})
        into[month] = into.get(month, 0) + n
    late = sorted(by_kind.get(t.LATE[1], {}).items())
    points = []
    for first, last in spans:
        points.append(
            TrendPoint(
                first,
                last,
                by_kind.get(t.FOUND, {}).get(first, 0),
                by_kind.get(t.CLOSED, {}).get(first, 0),
                sum(n for month, n in late if month <= first),
            )
        )
    return points


def scan_trend(
    scope: Scope, period: Period, *, today: date, months: int = TREND_MONTHS
) -> list[TrendPoint]:
    """The trend from the hazards themselves (two queries): the definition the
    tallies are tested against.

    Each hazard is put in buckets by SQL (the month it was found in, closed
    in, became overdue in, was resolved in) and the buckets are grouped, so
    the rows returned depend on the number of months, not of hazards; a
    hazard is overdue at the end of every month from the one its deadline and
    assignment lie before up to the one it was resolved in.
    """
    tz = clock.tz()
    spans = month_ends(period.as_of(today), months)
    n = len(spans)
    as_ofs = [min(last, today) for _first, last in spans]
    found_b = _first_index(
        [Hazard.found_on < spans[0][0]] + [Hazard.found_on <= last for _first, last in spans]
    ).label("found_b")
    closed_b = _first_index(
        [Hazard.closed_at < day_start(spans[0][0], tz)]
        + [Hazard.closed_at < day_end(last, tz) for _first, last in spans]
    ).label("closed_b")
    # Found and closed in one statement of two index ranges (found_on; closed_at), each
    # read from an index that also holds status and unit (no table lookups).
    found_sel = (
        sa.select(sa.literal(0), found_b, sa.func.count())
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.found_on >= spans[0][0],
            Hazard.found_on <= spans[-1][1],
        )
        .group_by(found_b)
    )
    closed_sel = (
        sa.select(sa.literal(1), closed_b, sa.func.count())
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.closed_at >= day_start(spans[0][0], tz),
            Hazard.closed_at < day_end(spans[-1][1], tz),
        )
        .group_by(closed_b)
    )
    found = [0] * n
    closed = [0] * n
    for kind, bucket, count in db.session.execute(sa.union_all(found_sel, closed_sel)).all():
        if 1 <= bucket <= n:
            (closed if kind else found)[bucket - 1] += count
    late, assigned, resolved = overdue_on_days_buckets(as_ofs, tz)
    late_b, assigned_b, resolved_b = (
        late.label("late_b"),
        assigned.label("assigned_b"),
        resolved.label("resolved_b"),
    )
    overdue = [0] * n
    for l_b, a_b, r_b, count in db.session.execute(
        sa.select(late_b, assigned_b, resolved_b, sa.func.count())
        .where(_could_be_overdue(scope, as_ofs, tz))
        .group_by(late_b, assigned_b, resolved_b)
    ).all():
        for i in range(max(l_b, a_b), min(r_b, n)):
            overdue[i] += count
    return [
        TrendPoint(first, last, found[i], closed[i], overdue[i])
        for i, (first, last) in enumerate(spans)
    ]
