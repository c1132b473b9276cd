"""The monthly meeting report and the statutory statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
)
from safety.services.reports.common import _VOID, LEVELS, STATES, _in_scope, _state_at
from safety.services.reports.dashboard import Dashboard, dashboard
from safety.services.reports.figures import Figures, _found_figures
from safety.services.reports.lines import (
    HazardLine,
    _hazard_lines,
    count_major_hazards,
    major_hazards,
    overdue_hazards,
)
from safety.services.reports.major_figures import MajorFigures, major_figures
from safety.services.reports.periods import Period, Scope, day_end
from safety.services.reports.tally_figures import tally_found_figures, tally_state_matrix


@dataclass
class MonthlyReport:
    dashboard: Dashboard
    major: list[HazardLine]
    overdue: list[HazardLine]
    #: 五落实 of the major hazards, listed and written-off counts (major_figures.py).
    majors: MajorFigures | None = None
    #: All the major hazards ``major`` would list without the page's cap.
    major_total: int = 0

    @property
    def is_empty(self) -> bool:
        return self.dashboard.is_empty and not self.major and not self.overdue


def monthly_report(
    scope: Scope, period: Period, *, today: date, overdue_limit: int | None = None
) -> MonthlyReport:
    """The monthly meeting report: dashboard figures plus the hazards to answer for.

    ``overdue_limit`` caps the overdue and the major lists (the page); the exports
    take them all. ``figures.overdue`` and ``major_total`` always count every one.
    """
    board = dashboard(scope, period, today=today)
    major = major_hazards(scope, period, today=today, limit=overdue_limit)
    # counted whenever capped, so the page runs the same statements at any size
    total = len(major)
    if overdue_limit is not None:
        total = count_major_hazards(scope, period, today=today)
    return MonthlyReport(
        dashboard=board,
        major=major,
        overdue=overdue_hazards(scope, on=board.as_of, limit=overdue_limit),
        majors=major_figures(scope, period, major, today=today),
        major_total=total,
    )


@dataclass
class StatutoryReport:
    scope: Scope
    period: Period
    as_of: date
    #: {unit_id: {level: {state: n}}} for hazards found in the period, each unit alone.
    matrix: dict[int, dict[str, dict[str, int]]]
    unit_ids: list[int]
    figures: Figures
    major: list[HazardLine]
    #: 五落实 of the major hazards, the listing counts and the due date (major_figures.py).
    majors: MajorFigures | None = None

    def unit_total(self, unit_id: int, level: str | None = None) -> int:
        levels = [level] if level else list(LEVELS)
        return sum(sum(self.matrix.get(unit_id, {}).get(lv, {}).values()) for lv in levels)

    def cell(self, unit_id: int, level: str, state: str) -> int:
        return self.matrix.get(unit_id, {}).get(level, {}).get(state, 0)

    def column_total(self, level: str, state: str) -> int:
        return sum(self.cell(uid, level, state) for uid in self.unit_ids)

    def level_total(self, level: str) -> int:
        return sum(self.unit_total(uid, level) for uid in self.unit_ids)

    @property
    def major_total(self) -> int:
        """All the major hazards found in the period (``major`` may be capped)."""
        return self.level_total("major")

    @property
    def is_empty(self) -> bool:
        return not self.figures.found and not self.major


def scan_state_matrix(
    scope: Scope, period: Period, as_of: date
) -> dict[int, dict[str, dict[str, int]]]:
    """{unit_id: {level: {state: n}}} of the hazards found in the period, by their
    state at the end of ``as_of``, from the hazards (one grouped query): the
    definition, and the answer for periods of ragged months. Hazards found after
    ``as_of`` are not known yet, as in every other figure."""
    state = _state_at(day_end(as_of, clock.tz())).label("state")
    rows = db.session.execute(
        sa.select(Hazard.unit_id, Hazard.level, state, sa.func.count())
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= min(period.end, as_of),
        )
        .group_by(Hazard.unit_id, Hazard.level, state)
    ).all()
    matrix: dict[int, dict[str, dict[str, int]]] = {}
    for unit_id, level, state_value, count in rows:
        level_key = getattr(level, "value", level)
        matrix.setdefault(unit_id, {lv: {s: 0 for s in STATES} for lv in LEVELS})
        matrix[unit_id][level_key][state_value] = int(count)
    return matrix


def statutory_report(
    scope: Scope, period: Period, *, today: date, major_limit: int | None = None
) -> StatutoryReport:
    """Counts by unit × grade × state of hazards found in the period, and the major ones.

    From the tallies for whole months (the hazards for other periods). Each unit
    is counted alone (no double counting), so the table's total equals the
    register's count for the scope and period.
    """
    tz = clock.tz()
    as_of = period.as_of(today)
    matrix = tally_state_matrix(scope, period, as_of)
    if matrix is None:
        matrix = scan_state_matrix(scope, period, as_of)
    unit_ids = sorted(matrix, key=lambda uid: scope.units[uid].code)
    major = _hazard_lines(
        sa.and_(
            _in_scope(scope),
            Hazard.level == HazardLevel.MAJOR,
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= period.end,
        ),
        as_of,
        order=[Hazard.found_on],
        limit=major_limit,
    )
    return StatutoryReport(
        scope=scope,
        period=period,
        as_of=as_of,
        matrix=matrix,
        unit_ids=unit_ids,
        figures=tally_found_figures(scope, period, as_of)
        or _found_figures(scope, period, as_of, tz),
        major=major,
        majors=major_figures(scope, period, major, today=today, statutory=True),
    )
