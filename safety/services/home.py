"""The home page, "My work": everything the person signed in must act on today.

It gathers what other areas already know (the hazard service's work lists,
the matrix's lists to sign, the inspection plans and history) and adds only
what no area answers yet: the rejected fixes with their reasons. A fixed
number of queries whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardEvent,
    HazardStatus,
    InspectionPlan,
    Risk,
    RiskControl,
    RiskPoint,
    User,
)
from safety.services import hazards, matrix
from safety.services.inspections import HistoryRow, history, plans_due_for
from safety.services.risks_pages import my_due_checks

#: How many of my own inspections the home page shows.
RECENT_INSPECTIONS = 5


@dataclass
class RejectedFix:
    """A hazard of mine whose fix was sent back, with the verifier's reason."""

    hazard: Hazard
    reason: str


@dataclass
class MyWork:
    """What one person must act on today (see :func:`my_work`)."""

    hazards: hazards.MyWork
    unsigned_lists: list[matrix.MyList]
    plans_today: list[InspectionPlan]
    plans_overdue: list[InspectionPlan]
    rejected: list[RejectedFix]
    extension_requests: list[Hazard]
    recent_inspections: list[HistoryRow]
    #: Risk-control checks due today or late on the posts held (contract §6).
    due_checks: list[tuple[RiskControl, Risk, RiskPoint]] = field(default_factory=list)


def rejected_fixes(rectifying: list[Hazard]) -> list[RejectedFix]:
    """Those of ``rectifying`` whose last step was a rejection, with its reason.

    Always one query, even for an empty list: the page's statement count must
    not depend on whether this person has anything to rectify (issue 13, P2).
    """
    ids = [h.id for h in rectifying if h.status == HazardStatus.RECTIFYING] or [-1]
    last = (
        sa.select(sa.func.max(HazardEvent.id))
        .where(HazardEvent.hazard_id.in_(ids))
        .group_by(HazardEvent.hazard_id)
    )
    reasons = dict(
        db.session.execute(
            sa.select(HazardEvent.hazard_id, HazardEvent.note).where(
                HazardEvent.id.in_(last), HazardEvent.action == "reject"
            )
        ).all()
    )
    return [RejectedFix(h, reasons[h.id] or "") for h in rectifying if h.id in reasons]


def my_work(user: User, *, today: date) -> MyWork:
    """Lists to sign, plans due today or late, hazards to act on, recent inspections."""
    work = hazards.my_work(user, today=today)
    plans = plans_due_for(user, today)
    return MyWork(
        hazards=work,
        unsigned_lists=[
            m
            for m in matrix.my_lists(user, today)
            if m.version is not None and not m.signed_current
        ],
        plans_today=[p for p in plans if p.next_due == today],
        plans_overdue=[p for p in plans if p.next_due is not None and p.next_due < today],
        rejected=rejected_fixes(work.to_rectify),
        extension_requests=work.to_decide,
        recent_inspections=history(inspector_id=user.id, limit=RECENT_INSPECTIONS),
        due_checks=my_due_checks(user, today),
    )
