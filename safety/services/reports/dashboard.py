"""The dashboard: every figure of a scope and period together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from safety.services.hazards.report import count_repeats
from safety.services.reports.activity import (
    InspectionFigures,
    SignOff,
    TargetRow,
    inspections,
    sign_offs,
    targets,
)
from safety.services.reports.areas import AreaFigures, area_figures
from safety.services.reports.common import LEVELS, OPEN_STATES, rate
from safety.services.reports.figures import (
    Figures,
    by_category,
    figures_by_unit,
    roll_up,
    sum_figures,
)
from safety.services.reports.periods import Period, Scope
from safety.services.reports.trend import TrendPoint, trend


@dataclass
class UnitRow:
    unit_id: int
    name: str
    figures: Figures
    inspections_done: int
    inspections_planned: int


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    as_of: date
    figures: Figures
    states: dict[str, dict[str, int]]
    trend: list[TrendPoint]
    units: list[UnitRow]
    categories: list[dict[str, Any]]
    inspections: InspectionFigures
    sign_offs: list[SignOff]
    targets: list[TargetRow]
    #: 重复隐患 found in the period: like one closed in the same unit within 90 days.
    repeats: int = 0
    #: The risk register's and performance of duty's figures (reports/areas.py).
    areas: AreaFigures | None = None

    @property
    def signed(self) -> int:
        return sum(1 for s in self.sign_offs if s.signed_at is not None)

    @property
    def sign_off_rate(self) -> float | None:
        return rate(self.signed, len(self.sign_offs))

    @property
    def unsigned(self) -> list[SignOff]:
        return [s for s in self.sign_offs if s.signed_at is None]

    @property
    def is_empty(self) -> bool:
        """Nothing at all to show: no hazard, inspection, plan or list in scope."""
        f = self.figures
        return not (
            f.found
            or f.void
            or f.open_total
            or f.closed_in_period
            or any(p.found or p.closed or p.overdue for p in self.trend)
            or self.inspections.done
            or self.inspections.planned
            or self.sign_offs
            or (self.areas is not None and not self.areas.is_empty)
        )


def dashboard(scope: Scope, period: Period, *, today: date) -> Dashboard:
    """Everything the dashboard shows; a fixed number of queries whatever the data."""
    as_of = period.as_of(today)
    per_unit = figures_by_unit(scope, period, today=today)
    top = scope.top_units()
    rolled = roll_up(scope, per_unit, top)
    total = sum_figures(per_unit.values())
    insp = inspections(scope, period, today=today)
    units = []
    own_id = scope.anchor()
    if own_id is not None and own_id in per_unit:
        units.append(
            UnitRow(
                own_id,
                _("%(unit)s (itself)", unit=scope.units[own_id].name),
                per_unit[own_id],
                insp.done_by_unit.get(own_id, 0),
                insp.planned_by_unit.get(own_id, 0),
            )
        )
    for uid in top:
        sub = scope.subtree(uid)
        units.append(
            UnitRow(
                uid,
                scope.units[uid].name,
                rolled[uid],
                sum(insp.done_by_unit.get(u, 0) for u in sub),
                sum(insp.planned_by_unit.get(u, 0) for u in sub),
            )
        )
    return Dashboard(
        scope=scope,
        period=period,
        as_of=as_of,
        figures=total,
        states={st: total.states.get(st, {lv: 0 for lv in LEVELS}) for st in OPEN_STATES},
        trend=trend(scope, period, today=today),
        units=units,
        categories=by_category(scope, period, today=today),
        inspections=insp,
        sign_offs=sign_offs(scope, on=as_of),
        targets=targets(scope, period, today=today),
        repeats=count_repeats(
            scope.unit_ids if scope.unit is not None else None, start=period.start, end=as_of
        ),
        areas=area_figures(scope, period, today=today),
    )
