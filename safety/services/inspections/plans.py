"""Inspection plans: who inspects what, and when it is due."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety import clock
from safety.extensions import db
from safety.models import (
    Checklist,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PlanKind,
    Post,
    PostHolder,
    Unit,
    User,
)
from safety.permissions import (
    can_manage_plans,
)
from safety.services import audit
from safety.services.errors import Forbidden
from safety.services.inspections.schedule import (
    next_occurrence,
)
from safety.services.org import holding_filter, unit_subtree_ids
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

# --- plans --------------------------------------------------------------------


def _plan_values(errors: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), required=True)
    checklist = _ref(errors, "checklist_id", Checklist, data.get("checklist_id"), required=True)
    if checklist is not None and not checklist.active:
        errors["checklist_id"] = _("This checklist is retired.")
    post = _ref(errors, "responsible_post_id", Post, data.get("responsible_post_id"), required=True)
    kind = None
    try:
        kind = PlanKind(data.get("kind"))
    except ValueError:
        errors["kind"] = _(
            "Must be one of: %(allowed)s.", allowed=", ".join(k.value for k in PlanKind)
        )
    start = data.get("start_date")
    if not isinstance(start, date):
        errors["start_date"] = _("This field is required.")
    return {
        "unit_id": unit.id if unit else None,
        "checklist_id": checklist.id if checklist else None,
        "responsible_post_id": post.id if post else None,
        "kind": kind,
        "start_date": start,
    }


def create_plan(actor: User, data: dict[str, Any], *, today: date, now: datetime) -> InspectionPlan:
    """Plan a recurring (or one-off) inspection; first due on the start date.

    :raise Forbidden: unless :func:`can_manage_plans` for the unit.
    """
    errors: dict[str, str] = {}
    values = _plan_values(errors, data)
    _raise(errors)
    if not can_manage_plans(actor, values["unit_id"], today):
        raise Forbidden(_("You may not plan inspections for this unit."))
    plan = InspectionPlan(**values, next_due=values["start_date"], active=True, created_at=now)
    db.session.add(plan)
    audit.record(actor, "plan.create", plan, values, now=now)
    db.session.commit()
    return plan


def update_plan(
    actor: User, plan: InspectionPlan, data: dict[str, Any], *, today: date, now: datetime
) -> InspectionPlan:
    """Change a plan; a new kind or start date recomputes the next due date."""
    if not can_manage_plans(actor, plan.unit_id, today):
        raise Forbidden(_("You may not plan inspections for this unit."))
    errors: dict[str, str] = {}
    values = _plan_values(errors, data)
    _raise(errors)
    if not can_manage_plans(actor, values["unit_id"], today):
        raise Forbidden(_("You may not plan inspections for this unit."))
    reschedule = values["kind"] != plan.kind or values["start_date"] != plan.start_date
    changes = audit.diff(plan, values)
    if reschedule:
        last = db.session.scalar(
            sa.select(sa.func.max(Inspection.performed_at)).where(
                Inspection.plan_id == plan.id, Inspection.status == InspectionStatus.SUBMITTED
            )
        )
        plan.next_due = (
            plan.start_date
            if last is None
            else next_occurrence(plan.kind, plan.start_date, clock.local_date(last))
        )
        changes["next_due"] = plan.next_due
    if changes:
        audit.record(actor, "plan.update", plan, changes, now=now)
    db.session.commit()
    return plan


def set_plan_active(
    actor: User, plan: InspectionPlan, active: bool, *, today: date, now: datetime
) -> InspectionPlan:
    if not can_manage_plans(actor, plan.unit_id, today):
        raise Forbidden(_("You may not plan inspections for this unit."))
    if plan.active != active:
        plan.active = active
        audit.record(actor, "plan.active", plan, {"active": active}, now=now)
    db.session.commit()
    return plan


def _due_filter(on: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        InspectionPlan.active.is_(True),
        InspectionPlan.next_due.is_not(None),
        InspectionPlan.next_due <= on,
    )


def due_plans(on: date) -> list[tuple[int, int, date]]:
    """``(user_id, plan_id, next_due)`` for every plan due or overdue on ``on``.

    One row per active holder (on ``on``) of the plan's responsible post, in
    one query; for the daily reminder digest. A plan whose post is vacant
    yields no row.
    """
    rows = db.session.execute(
        sa.select(PostHolder.user_id, InspectionPlan.id, InspectionPlan.next_due)
        .join(PostHolder, PostHolder.post_id == InspectionPlan.responsible_post_id)
        .join(User, User.id == PostHolder.user_id)
        .where(_due_filter(on), holding_filter(on), User.active.is_(True))
        .distinct()
        .order_by(PostHolder.user_id, InspectionPlan.next_due, InspectionPlan.id)
    ).all()
    return [(user_id, plan_id, next_due) for user_id, plan_id, next_due in rows]


def plans_due_for(user: User, on: date) -> list[InspectionPlan]:
    """Plans due or overdue on ``on`` whose responsible post ``user`` holds."""
    return list(
        db.session.scalars(
            sa.select(InspectionPlan)
            .join(PostHolder, PostHolder.post_id == InspectionPlan.responsible_post_id)
            .where(_due_filter(on), holding_filter(on), PostHolder.user_id == user.id)
            .distinct()
            .order_by(InspectionPlan.next_due, InspectionPlan.id)
            .options(selectinload(InspectionPlan.unit), selectinload(InspectionPlan.checklist))
        )
    )


def plans_for_unit(unit_id: int, *, subtree: bool = True) -> list[InspectionPlan]:
    """Active plans of a unit (and the units below it), soonest due first."""
    ids = unit_subtree_ids(unit_id) if subtree else [unit_id]
    return list(
        db.session.scalars(
            sa.select(InspectionPlan)
            .where(InspectionPlan.unit_id.in_(ids), InspectionPlan.active.is_(True))
            .order_by(InspectionPlan.next_due.is_(None), InspectionPlan.next_due, InspectionPlan.id)
        )
    )


def plan_is_late(plan: InspectionPlan, on: date) -> bool:
    """The plan's due date has passed (not a hazard's overdue: see services/overdue.py)."""
    return plan.next_due is not None and plan.next_due < on
