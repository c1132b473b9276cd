"""Performance-of-duty figures (履职考核, 失职追责) of a scope and period, by unit.

Definitions (also shown on the pages):

- **The assessment period** of a report is its year for a yearly report, else
  the quarter its as-of date falls in (scorecards are made per quarter and
  year, :mod:`safety.services.duty`). The figures read the scorecards made so
  far; a report never makes or refreshes one.
- A scorecard counts in the unit of its post. **Grade spread**: the grades of
  the scorecards assessed (assessed, confirmed or disputed); a draft's grade is
  not final and is left out.
- **Accountability actions**: those decided between the period's start and its
  as-of date, in the unit of the post they concern.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models import AccountabilityAction, Assessment, AssessmentStatus, Post
from safety.services.duty.periods import Period as DutyPeriod
from safety.services.duty.periods import parse_period as parse_duty_period
from safety.services.duty.rules import DEFAULT_RULES, grade_label
from safety.services.reports.areas import in_scope, roll_up, span, unit_rows
from safety.services.reports.periods import Period, Scope

STATUSES = tuple(s.value for s in AssessmentStatus)
_DEFAULT_GRADES = tuple(band["grade"] for band in DEFAULT_RULES["bands"])


def duty_period(period: Period, today: date) -> DutyPeriod:
    """The assessment period a report period reads: its year, or its as-of quarter."""
    if period.kind == "year":
        return parse_duty_period(str(period.start.year))
    as_of = period.as_of(today)
    return parse_duty_period(f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}")


@dataclass
class DutyCounts:
    statuses: dict[str, int]
    grades: dict[str, int]
    actions: int = 0

    @classmethod
    def of(cls, counts: Counter[str], grades: list[str]) -> DutyCounts:
        return cls(
            statuses={s: counts[f"status:{s}"] for s in STATUSES},
            grades={g: counts[f"grade:{g}"] for g in grades},
            actions=counts["actions"],
        )

    @property
    def cards(self) -> int:
        return sum(self.statuses.values())

    @property
    def assessed(self) -> int:
        """Assessed at least once: assessed, confirmed or disputed."""
        return self.cards - self.statuses[AssessmentStatus.DRAFT.value]


@dataclass
class DutyRow:
    unit_id: int
    name: str
    counts: DutyCounts


@dataclass
class DutyFigures:
    period_code: str
    #: Grades in band order: the shipped bands, then any other grade seen.
    grades: list[str]
    rows: list[DutyRow]
    total: DutyCounts

    @property
    def grade_labels(self) -> dict[str, str]:
        return {g: grade_label(g) for g in self.grades}

    @property
    def is_empty(self) -> bool:
        return not (self.total.cards or self.total.actions)


def _scorecards(scope: Scope, code: str, per_unit: dict[int, Counter[str]]) -> set[str]:
    rows = db.session.execute(
        sa.select(Post.unit_id, Assessment.status, Assessment.grade, sa.func.count())
        .select_from(Assessment)
        .join(Post, Post.id == Assessment.post_id)
        .where(Assessment.period == code, in_scope(Post.unit_id, scope))
        .group_by(Post.unit_id, Assessment.status, Assessment.grade)
    )
    seen: set[str] = set()
    for unit_id, status, grade, count in rows:
        status = getattr(status, "value", status)
        counts = per_unit.setdefault(unit_id, Counter())
        counts[f"status:{status}"] += int(count)
        if status != AssessmentStatus.DRAFT.value and grade:
            counts[f"grade:{grade}"] += int(count)
            seen.add(grade)
    return seen


def _actions(scope: Scope, first: date, last: date, per_unit: dict[int, Counter[str]]) -> None:
    rows = db.session.execute(
        sa.select(Post.unit_id, sa.func.count())
        .select_from(AccountabilityAction)
        .join(Post, Post.id == AccountabilityAction.post_id)
        .where(in_scope(Post.unit_id, scope), AccountabilityAction.decided_on.between(first, last))
        .group_by(Post.unit_id)
    )
    for unit_id, count in rows:
        per_unit.setdefault(unit_id, Counter())["actions"] += int(count)


def duty_figures(scope: Scope, period: Period, *, today: date) -> DutyFigures:
    """Scorecards by status and grade, and accountability actions, by unit (two queries)."""
    code = duty_period(period, today).code
    per_unit: dict[int, Counter[str]] = {}
    seen = _scorecards(scope, code, per_unit)
    _actions(scope, *span(period, today), per_unit)
    grades = [*_DEFAULT_GRADES, *sorted(seen - set(_DEFAULT_GRADES))]
    summed, total = roll_up(unit_rows(scope), per_unit)
    return DutyFigures(
        period_code=code,
        grades=grades,
        rows=[DutyRow(r.unit_id, r.name, DutyCounts.of(c, grades)) for r, c in summed],
        total=DutyCounts.of(total, grades),
    )
