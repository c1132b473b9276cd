"""Major hazards (重大事故隐患) in the monthly report and the statutory statistics:
the 五落实 columns of each major hazard listed, the counts of those listed for
supervision (挂牌督办) and written off (核销), and when the statistics are due.

Definitions (also shown on the pages):

- **五落实**: responsibility (the accountable post and who held it on the as-of
  date), measures, funds, deadline and emergency measures, as set when the
  hazard was assigned (五定), with its stop-work decision.
- **Listed**: major hazards reported to the authority and listed for
  supervision, the report dated between the period's start and its as-of date.
  **Written off**: the authority's write-off dated in those days. **Awaiting
  write-off**: listed on or before the as-of date and not written off by then.
- **Due date** of the statistics: the 15th of the month after a quarter; 31
  January after a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from safety.extensions import db
from safety.models import Hazard, HazardLevel
from safety.services.org import holders_on
from safety.services.reports.common import _VOID, _count, _in_scope
from safety.services.reports.lines import HazardLine
from safety.services.reports.periods import Period, Scope


def statutory_due_on(period: Period) -> date | None:
    """When the statistics of ``period`` are due: the 15th of the month after a
    quarter, 31 January after a year; None for other periods."""
    if period.kind == "quarter":
        return period.end + timedelta(days=15)  # a quarter ends on a month's last day
    if period.kind == "year":
        return date(period.end.year + 1, 1, 31)
    return None


@dataclass
class FiveInPlace:
    """五落实 of one major hazard."""

    hazard_id: int
    measures: str | None
    funds: Decimal | None
    deadline: date | None
    emergency: str | None
    stop_work: bool
    listed: bool
    reported_on: date | None
    supervision_deadline: date | None
    written_off_on: date | None
    post_id: int | None
    holders: list[str] = field(default_factory=list)


@dataclass
class MajorFigures:
    #: 五落实 by hazard id, for the report's major hazards.
    columns: dict[int, FiveInPlace]
    listed: int
    written_off: int
    awaiting_write_off: int
    #: When the statutory statistics are due (None for a monthly report).
    due_on: date | None = None

    def of(self, line: HazardLine) -> FiveInPlace | None:
        return self.columns.get(line.id)


def _counts(scope: Scope, first: date, last: date) -> tuple[int, int, int]:
    listed = Hazard.listed_for_supervision.is_(True)
    reported = Hazard.reported_to_authority_on
    written = Hazard.written_off_on
    row = db.session.execute(
        sa.select(
            _count(sa.and_(listed, reported.between(first, last))),
            _count(written.between(first, last)),
            _count(sa.and_(listed, reported <= last, sa.or_(written.is_(None), written > last))),
        ).where(
            _in_scope(scope),
            Hazard.level == HazardLevel.MAJOR,
            Hazard.status != _VOID,
            sa.or_(listed, written.is_not(None)),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _columns(ids: list[int], as_of: date) -> dict[int, FiveInPlace]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Hazard.id,
            Hazard.measures,
            Hazard.funds,
            Hazard.deadline,
            Hazard.contingency_plan,
            Hazard.stop_work,
            Hazard.listed_for_supervision,
            Hazard.reported_to_authority_on,
            Hazard.supervision_deadline,
            Hazard.written_off_on,
            Hazard.accountable_post_id,
        ).where(Hazard.id.in_(ids))
    ).all()
    columns = {row[0]: FiveInPlace(*row) for row in rows}
    held = holders_on({c.post_id for c in columns.values() if c.post_id is not None}, as_of)
    for c in columns.values():
        c.holders = [u.name for u in held.get(c.post_id, [])] if c.post_id else []
    return columns


def major_figures(
    scope: Scope,
    period: Period,
    lines: Sequence[HazardLine],
    *,
    today: date,
    statutory: bool = False,
) -> MajorFigures:
    """五落实 of ``lines`` (the report's major hazards) and the listing counts (three queries)."""
    first, last = period.start, period.as_of(today)
    listed, written_off, waiting = _counts(scope, first, last)
    return MajorFigures(
        columns=_columns(sorted({line.id for line in lines}), last),
        listed=listed,
        written_off=written_off,
        awaiting_write_off=waiting,
        due_on=statutory_due_on(period) if statutory else None,
    )
