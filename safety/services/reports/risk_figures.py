"""Risk-register figures (安全风险分级管控) of a scope and period, by unit.

Definitions (also shown on the pages):

- **Risks by colour**: the register's risks by their current level (the latest
  assessment): 重大 red, 较大 orange, 一般 yellow, 低 blue, by the unit of
  their risk point.
- **Checks due in the period**: the checks recorded whose due date (the
  control's due date when it was checked, :mod:`safety.services.risk_checks`)
  falls between the period's start and its as-of date, plus the controls whose
  next check fell due in those days and is still not done. **On time**: done on
  or before its due date.
- **Failed checks** and **hazards raised**: checks done in the period that
  found the control failed, and the hazards they raised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models import (
    CheckResult,
    ControlCheck,
    Hazard,
    Risk,
    RiskControl,
    RiskLevel,
    RiskPoint,
    Unit,
)
from safety.services import risk_checks, risks
from safety.services.reports.areas import UnitRow, in_scope, roll_up, span, unit_rows
from safety.services.reports.common import _count, rate
from safety.services.reports.periods import Period, Scope

#: Levels in display order, most severe first.
LEVELS = tuple(level.value for level in risks.LEVEL_ORDER)


@dataclass
class RiskCounts:
    """One unit's (or the scope's) risk figures."""

    colours: dict[str, int]
    checks_due: int = 0
    checks_on_time: int = 0
    failed: int = 0
    hazards_raised: int = 0

    @classmethod
    def of(cls, counts: Counter[str]) -> RiskCounts:
        return cls(
            colours={lv: counts[lv] for lv in LEVELS},
            checks_due=counts["due"],
            checks_on_time=counts["on_time"],
            failed=counts["failed"],
            hazards_raised=counts["hazards"],
        )

    @property
    def risks(self) -> int:
        return sum(self.colours.values())

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.checks_on_time, self.checks_due)


@dataclass
class RiskRow:
    unit_id: int
    name: str
    counts: RiskCounts


@dataclass
class FailedControl:
    """A check in the period that found a control failed, with the hazard it raised."""

    check_id: int
    unit_name: str
    risk_point_id: int
    risk_point: str
    risk_id: int
    risk: str
    level: str
    control: str
    checked_on: date
    hazard_id: int | None
    hazard_number: str | None

    @property
    def colour(self) -> str:
        return risks.colour_of(self.level)

    @property
    def level_label(self) -> str:
        return str(risks.LEVEL_LABELS[RiskLevel(self.level)])


@dataclass
class RiskFigures:
    rows: list[RiskRow]
    total: RiskCounts
    failed: list[FailedControl]

    @property
    def levels(self) -> list[tuple[str, str, str]]:
        """(level, label, colour) in display order."""
        return [(lv, str(risks.LEVEL_LABELS[RiskLevel(lv)]), risks.colour_of(lv)) for lv in LEVELS]

    @property
    def is_empty(self) -> bool:
        t = self.total
        return not (t.risks or t.checks_due or t.failed)


def _colours(scope: Scope, per_unit: dict[int, Counter[str]]) -> None:
    rows = db.session.execute(
        sa.select(RiskPoint.unit_id, Risk.level, sa.func.count())
        .select_from(Risk)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(in_scope(RiskPoint.unit_id, scope))
        .group_by(RiskPoint.unit_id, Risk.level)
    )
    for unit_id, level, count in rows:
        per_unit.setdefault(unit_id, Counter())[getattr(level, "value", level)] += int(count)


def _checks(scope: Scope, first: date, last: date, per_unit: dict[int, Counter[str]]) -> None:
    """Checks recorded that were due, or done, in [first, last]: one query."""
    due = ControlCheck.due_on.between(first, last)
    done = ControlCheck.checked_on.between(first, last)
    failed = sa.and_(done, ControlCheck.result == CheckResult.FAILED)
    rows = db.session.execute(
        sa.select(
            RiskPoint.unit_id,
            _count(due),
            _count(sa.and_(due, ControlCheck.checked_on <= ControlCheck.due_on)),
            _count(failed),
            _count(sa.and_(failed, ControlCheck.hazard_id.is_not(None))),
        )
        .select_from(ControlCheck)
        .join(RiskControl, RiskControl.id == ControlCheck.control_id)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(in_scope(RiskPoint.unit_id, scope), sa.or_(due, done))
        .group_by(RiskPoint.unit_id)
    )
    for unit_id, n_due, on_time, n_failed, hazards in rows:
        counts = per_unit.setdefault(unit_id, Counter())
        counts.update(due=int(n_due), on_time=int(on_time), failed=int(n_failed))
        counts["hazards"] += int(hazards)


def _still_due(scope: Scope, first: date, last: date, per_unit: dict[int, Counter[str]]) -> None:
    """Controls whose next check fell due in [first, last] and is not done: one query,
    through the due-check rule of :func:`safety.services.risk_checks.due_query`."""
    unit_ids = scope.unit_ids if scope.unit is not None else None
    stmt = (
        risk_checks.due_query(last, unit_ids=unit_ids)
        .where(RiskControl.next_due >= first)
        .with_only_columns(RiskPoint.unit_id, sa.func.count(), maintain_column_froms=True)
        .group_by(RiskPoint.unit_id)
    )
    for unit_id, count in db.session.execute(stmt):
        per_unit.setdefault(unit_id, Counter())["due"] += int(count)


def failed_controls(scope: Scope, first: date, last: date) -> list[FailedControl]:
    """Checks done in [first, last] that found their control failed, newest first."""
    rows = db.session.execute(
        sa.select(
            ControlCheck.id,
            Unit.name,
            RiskPoint.id,
            RiskPoint.name,
            Risk.id,
            Risk.event,
            Risk.level,
            RiskControl.text,
            ControlCheck.checked_on,
            Hazard.id,
            Hazard.number,
        )
        .select_from(ControlCheck)
        .join(RiskControl, RiskControl.id == ControlCheck.control_id)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .join(Unit, Unit.id == RiskPoint.unit_id)
        .outerjoin(Hazard, Hazard.id == ControlCheck.hazard_id)
        .where(
            in_scope(RiskPoint.unit_id, scope),
            ControlCheck.result == CheckResult.FAILED,
            ControlCheck.checked_on.between(first, last),
        )
        .order_by(ControlCheck.checked_on.desc(), ControlCheck.id.desc())
    )
    out = []
    for row in rows:
        values = list(row)
        values[6] = getattr(values[6], "value", values[6])
        out.append(FailedControl(*values))
    return out


def risk_figures(scope: Scope, period: Period, *, today: date) -> RiskFigures:
    """The risk register's figures by unit (four queries, whatever the data)."""
    first, last = span(period, today)
    per_unit: dict[int, Counter[str]] = {}
    _colours(scope, per_unit)
    _checks(scope, first, last, per_unit)
    _still_due(scope, first, last, per_unit)
    summed, total = roll_up(unit_rows(scope), per_unit)
    return RiskFigures(
        rows=[_row(row, counts) for row, counts in summed],
        total=RiskCounts.of(total),
        failed=failed_controls(scope, first, last),
    )


def _row(row: UnitRow, counts: Counter[str]) -> RiskRow:
    return RiskRow(row.unit_id, row.name, RiskCounts.of(counts))
