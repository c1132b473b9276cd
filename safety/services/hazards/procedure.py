"""A major hazard's procedure, step by step, with who may act on each step now.

What the hazard page shows (安全生产事故隐患排查治理暂行规定 §14–§18):
report, 治理方案 with stop-work, the principal's approval, the report to the
authority, the fix, the evaluation and verification, and for a listed
hazard the authority's write-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardStatus,
    PostHolder,
    Responsibility,
    ResponsibilityKind,
    User,
)
from safety.permissions import MANAGE_KINDS, VERIFY_KINDS
from safety.services.org import holders_on, holding_filter, unit_ancestor_ids

S = HazardStatus
K = ResponsibilityKind

STEP_LABELS = {
    "report": _l("Reported"),
    "assign": _l("Rectification plan (治理方案) and stop-work decision"),
    "approve_plan": _l("Plan approved by the principal"),
    "report_authority": _l("Reported to the authority"),
    "submit": _l("Rectification done"),
    "verify": _l("Evaluated and verified"),
    "write_off": _l("Written off by the authority (核销)"),
}


@dataclass
class Step:
    """One step: done or not, whether it is the one waiting now, and who may do it."""

    key: str
    label: str
    done: bool
    current: bool = False
    who: list[str] = field(default_factory=list)


def holders_with(unit_id: int, kinds: Iterable[ResponsibilityKind], today: date) -> list[User]:
    """People holding today a post with one of ``kinds`` for the unit or a unit above."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(PostHolder, PostHolder.user_id == User.id)
            .join(Responsibility, Responsibility.post_id == PostHolder.post_id)
            .where(
                Responsibility.unit_id.in_(unit_ancestor_ids(unit_id)),
                Responsibility.kind.in_(list(kinds)),
                holding_filter(today),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.name)
        )
    )


def major_steps(hazard: Hazard, today: date) -> list[Step]:
    """The procedure of a major hazard as it stands; the first open step is current."""
    closed = hazard.status in (S.CLOSED, S.PENDING_WRITEOFF)
    done = {
        "report": True,
        "assign": hazard.assigned_at is not None,
        "approve_plan": hazard.plan_approved_at is not None,
        "report_authority": hazard.reported_to_authority_on is not None,
        "submit": hazard.submitted_at is not None or closed,
        "verify": hazard.verified_at is not None and closed,
        "write_off": hazard.written_off_on is not None,
    }
    keys = list(done)
    if not hazard.listed_for_supervision:
        keys.remove("write_off")
    steps = [Step(k, str(STEP_LABELS[k]), done[k]) for k in keys]
    if hazard.status == S.VOID:
        return steps
    waiting = next((s for s in steps if not s.done), None)
    if waiting is None:
        return steps
    waiting.current = True
    kinds = {
        "assign": MANAGE_KINDS,
        "approve_plan": {K.MAIN},
        "report_authority": MANAGE_KINDS,
        "verify": VERIFY_KINDS,
        "write_off": MANAGE_KINDS,
    }.get(waiting.key)
    if kinds is not None:
        waiting.who = [u.name for u in holders_with(hazard.unit_id, kinds, today)]
    elif waiting.key == "submit" and hazard.accountable_post_id is not None:
        holders = holders_on([hazard.accountable_post_id], today)
        waiting.who = [u.name for u in holders.get(hazard.accountable_post_id, [])]
    return steps
