"""When the period's draft scorecards need refreshing: a cheap stamp of their inputs.

A scorecard's figures come from post holdings, hazards and their events,
reminders, responsibility lists and their signatures, inspection plans and
inspections, and the scoring rules, counted up to ``today``. Every service
write to these leaves a new row behind (an audit event, a hazard event, a
digest, a signature…), so the largest id of each table — one index lookup
each — changes whenever an input may have. The stamp is those ids and
``today``; a process remembers, per period, the stamp it last refreshed at
(per application: a test's fresh app starts afresh). Equal stamps: the
refresh would write the same figures, so it is skipped.

The stamp is read before the refresh, so a change made during a refresh
only makes the next read refresh again: it may refresh once too often,
never miss a change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from safety.extensions import db
from safety.models import (
    Acknowledgement,
    AuditEvent,
    HazardEvent,
    Inspection,
    InspectionPlan,
    PostHolder,
    ReminderDigest,
    ResponsibilityListVersion,
    ScoringRules,
)

#: The inputs' newest rows: (table's id or version column), one max() each.
_MARKS = (
    AuditEvent.id,
    HazardEvent.id,
    ReminderDigest.id,
    PostHolder.id,
    ResponsibilityListVersion.id,
    Acknowledgement.id,
    InspectionPlan.id,
    Inspection.id,
    ScoringRules.version,
)
_KEY = "safety.duty.fresh"


def stamp(today: date) -> tuple[Any, ...]:
    """``today`` and the newest row of each input table (one statement)."""
    marks = db.session.execute(
        sa.select(*(sa.select(sa.func.max(col)).scalar_subquery() for col in _MARKS))
    ).one()
    return (today.isoformat(), *marks)


def _memory() -> dict[str, tuple[Any, ...]]:
    return current_app.extensions.setdefault(_KEY, {})


def is_fresh(period_code: str, current: tuple[Any, ...]) -> bool:
    """Whether this process already refreshed ``period_code`` at the ``current`` stamp."""
    return _memory().get(period_code) == current


def remember(period_code: str, current: tuple[Any, ...]) -> None:
    _memory()[period_code] = current


def forget() -> None:
    """Refresh every period on its next read (after a restore, say)."""
    _memory().clear()
