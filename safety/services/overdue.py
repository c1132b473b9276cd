"""What "overdue" means, in one place: a hazard in rectification past its deadline.

Python predicates for one hazard and SQL clauses for filters and counts, for
today and (in the reports) as of a past date. Inspection plans have their own
notion, :func:`safety.services.inspections.plan_is_late`.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from safety.models import Hazard, HazardStatus

S = HazardStatus

__all__ = ["days_left", "days_overdue", "is_overdue", "overdue_clause"]


def is_overdue(hazard: Hazard, today: date) -> bool:
    """Only a hazard in rectification past its deadline is overdue.

    Closed, void, reported and pending hazards never are.
    """
    return hazard.status == S.RECTIFYING and hazard.deadline is not None and today > hazard.deadline


def days_overdue(hazard: Hazard, today: date) -> int:
    """Whole days past the deadline (0 when not overdue)."""
    return (today - hazard.deadline).days if is_overdue(hazard, today) else 0


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`is_overdue` for filters and counts."""
    return sa.and_(Hazard.status == S.RECTIFYING, Hazard.deadline < today)


def days_left(hazard: Hazard, today: date) -> int | None:
    """Days until the deadline while the hazard is still open and not overdue."""
    if hazard.deadline is None or hazard.status not in (S.RECTIFYING, S.PENDING_VERIFICATION):
        return None
    return (hazard.deadline - today).days
