"""Figures of the risk register and of performance of duty for the dashboard and the
monthly report, by unit as the dashboard's "by unit" table (the scope's own unit,
then each unit below it with its subtree).

Each area's figures live in their own module (:mod:`.risk_figures`,
:mod:`.duty_figures`; the major-hazard columns of the monthly report and the
statutory statistics in :mod:`.major_figures`). Every one is a fixed number of
aggregate queries whatever the number of units, risks, checks or scorecards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from safety.services.reports.periods import Period, Scope

if TYPE_CHECKING:  # both import this module
    from safety.services.reports.duty_figures import DutyFigures
    from safety.services.reports.risk_figures import RiskFigures


@dataclass(frozen=True)
class UnitRow:
    """One row of a "by unit" table: the unit, its label and the units it sums."""

    unit_id: int
    name: str
    unit_ids: tuple[int, ...]


def unit_rows(scope: Scope) -> list[UnitRow]:
    """The rows of the dashboard's "by unit" table: the scope's unit alone (its own
    records), then each unit below it with everything under it."""
    rows = []
    own_id = scope.anchor()
    if own_id is not None:
        rows.append(
            UnitRow(own_id, _("%(unit)s (itself)", unit=scope.units[own_id].name), (own_id,))
        )
    for uid in scope.top_units():
        rows.append(UnitRow(uid, scope.units[uid].name, tuple(scope.subtree(uid))))
    return rows


def roll_up(
    rows: list[UnitRow], per_unit: dict[int, Counter[str]]
) -> tuple[list[tuple[UnitRow, Counter[str]]], Counter[str]]:
    """Each row's counts summed over its units, and the scope's total (each unit once)."""
    summed = []
    for row in rows:
        counts: Counter[str] = Counter()
        for uid in row.unit_ids:
            counts.update(per_unit.get(uid, Counter()))
        summed.append((row, counts))
    total: Counter[str] = Counter()
    for counts in per_unit.values():
        total.update(counts)
    return summed, total


def in_scope(column: Any, scope: Scope) -> Any:
    """SQL: ``column`` (a unit id) lies in the scope."""
    if scope.unit is None:
        return sa.true()
    return column.in_(scope.unit_ids)


def span(period: Period, today: date) -> tuple[date, date]:
    """The days of the period that have happened: its start to its as-of date."""
    return period.start, period.as_of(today)


@dataclass
class AreaFigures:
    """What the dashboard and the monthly report add from the other areas."""

    risks: RiskFigures
    duty: DutyFigures

    @property
    def is_empty(self) -> bool:
        return self.risks.is_empty and self.duty.is_empty


def area_figures(scope: Scope, period: Period, *, today: date) -> AreaFigures:
    """Risk-register and performance-of-duty figures of a scope and period (six queries)."""
    from safety.services.reports import duty_figures, risk_figures

    return AreaFigures(
        risks=risk_figures.risk_figures(scope, period, today=today),
        duty=duty_figures.duty_figures(scope, period, today=today),
    )
