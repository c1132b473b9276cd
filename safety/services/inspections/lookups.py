"""What the inspection pages read: choices, names and single objects, query by query.

The pages read through these (never the session), so that each query has a
name and one place.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models import (
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionPhoto,
    InspectionPlan,
    Post,
    Unit,
    User,
)


def checklist_names() -> dict[int, str]:
    """Every checklist's name by id (retired ones too: old inspections name them)."""
    return dict(db.session.execute(sa.select(Checklist.id, Checklist.name)).all())


def all_checklists() -> list[Checklist]:
    """Active checklists first, then retired ones, by name."""
    return list(
        db.session.scalars(sa.select(Checklist).order_by(Checklist.active.desc(), Checklist.name))
    )


def current_item_counts() -> dict[int, int]:
    """How many items the current version of each checklist has."""
    return dict(
        db.session.execute(
            sa.select(ChecklistItem.checklist_id, sa.func.count(ChecklistItem.id))
            .join(Checklist, Checklist.id == ChecklistItem.checklist_id)
            .where(ChecklistItem.version == Checklist.version)
            .group_by(ChecklistItem.checklist_id)
        ).all()
    )


def checklist_or_none(checklist_id: int | None) -> Checklist | None:
    return db.session.get(Checklist, checklist_id) if checklist_id else None


def plan_or_none(plan_id: int | None) -> InspectionPlan | None:
    return db.session.get(InspectionPlan, plan_id) if plan_id else None


def units_by_code() -> list[Unit]:
    """Every unit, ordered by code (for pickers)."""
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))


def unit_by_code(code: str) -> Unit | None:
    """The unit a QR code names, or None."""
    return db.session.scalar(sa.select(Unit).where(Unit.code == code)) if code else None


def post_choices() -> list[tuple[int, str, str]]:
    """``(post id, title, unit code)`` for every post, by unit code and title."""
    rows = db.session.execute(
        sa.select(Post.id, Post.title, Unit.code).join(Unit).order_by(Unit.code, Post.title)
    ).all()
    return [(pid, title, code) for pid, title, code in rows]


def active_plans(unit_id: int | None = None) -> list[InspectionPlan]:
    """Active plans (of one unit when given), soonest due first."""
    stmt = sa.select(InspectionPlan).where(InspectionPlan.active.is_(True))
    if unit_id:
        stmt = stmt.where(InspectionPlan.unit_id == unit_id)
    return list(
        db.session.scalars(
            stmt.order_by(InspectionPlan.next_due.is_(None), InspectionPlan.next_due)
        )
    )


def posts_of(plans: list[InspectionPlan]) -> dict[int, Post]:
    """The responsible posts of these plans, by id (one query)."""
    ids = {p.responsible_post_id for p in plans if p.responsible_post_id is not None}
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Post).where(Post.id.in_(ids)))}


def only_plan_due(unit_id: int, on: date) -> InspectionPlan | None:
    """The unit's plan due (or late) on ``on`` when it is the only one, with an active checklist.

    A QR code then opens that plan's checklist at once; with none or several
    the inspector chooses.
    """
    plans = db.session.scalars(
        sa.select(InspectionPlan)
        .join(Checklist, Checklist.id == InspectionPlan.checklist_id)
        .where(
            InspectionPlan.unit_id == unit_id,
            InspectionPlan.active.is_(True),
            InspectionPlan.next_due.is_not(None),
            InspectionPlan.next_due <= on,
            Checklist.active.is_(True),
        )
        .limit(2)
    ).all()
    return plans[0] if len(plans) == 1 else None


def is_inspection_photo(name: str) -> bool:
    """Whether ``name`` is the file (or thumbnail) of an inspection photo."""
    found = db.session.scalar(
        sa.select(InspectionPhoto.id).where(
            sa.or_(InspectionPhoto.stored_name == name, InspectionPhoto.thumb_name == name)
        )
    )
    return found is not None


def inspectors() -> list[User]:
    """Everyone who has an inspection to their name, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(sa.select(Inspection.inspector_id).distinct()))
            .order_by(User.name)
        )
    )
