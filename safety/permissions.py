"""Who may do what: derived from the posts a person holds today, and admin.

Predicates (``can_*``) are pure questions that services, views and the API
ask; services raise :class:`~safety.services.errors.Forbidden` when the answer
is no. Nothing else decides rights.

A responsibility for a unit covers every unit below it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models import Hazard, PostHolder, Responsibility, ResponsibilityKind, User
from safety.services.org import holding_filter, unit_ancestor_ids

MANAGE_KINDS = frozenset(
    {ResponsibilityKind.MAIN, ResponsibilityKind.LEADERSHIP, ResponsibilityKind.SUPERVISION}
)
VERIFY_KINDS = frozenset({ResponsibilityKind.SUPERVISION, ResponsibilityKind.LEADERSHIP})


def held_post_ids(user: User | None, on: date) -> set[int]:
    """Posts ``user`` holds on ``on`` (none when deactivated)."""
    if user is None or not getattr(user, "active", False):
        return set()
    return set(
        db.session.scalars(
            sa.select(PostHolder.post_id).where(PostHolder.user_id == user.id, holding_filter(on))
        )
    )


def kinds_for_unit(user: User | None, unit_id: int, on: date) -> set[ResponsibilityKind]:
    """Kinds of responsibility ``user``'s posts have for ``unit_id`` or a unit above it."""
    if user is None or not getattr(user, "active", False):
        return set()
    rows = db.session.scalars(
        sa.select(Responsibility.kind)
        .join(PostHolder, PostHolder.post_id == Responsibility.post_id)
        .where(
            PostHolder.user_id == user.id,
            holding_filter(on),
            Responsibility.unit_id.in_(unit_ancestor_ids(unit_id)),
        )
        .distinct()
    )
    return set(rows)


def is_admin(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_admin", False) and user.active)


def can_manage_hazard(user: User | None, hazard: Hazard, today: date) -> bool:
    """Assign, extend or void: main/leadership/supervision for the unit, or admin."""
    return is_admin(user) or bool(kinds_for_unit(user, hazard.unit_id, today) & MANAGE_KINDS)


def can_submit_hazard(user: User | None, hazard: Hazard, today: date) -> bool:
    """Submit the rectification: holders of the accountable post only."""
    return hazard.accountable_post_id is not None and hazard.accountable_post_id in held_post_ids(
        user, today
    )


def can_verify_hazard(user: User | None, hazard: Hazard, today: date) -> bool:
    """Verify or reject: supervision/leadership for the unit, or admin; never the submitter."""
    if user is None or (hazard.submitted_by_id is not None and hazard.submitted_by_id == user.id):
        return False
    return is_admin(user) or bool(kinds_for_unit(user, hazard.unit_id, today) & VERIFY_KINDS)


def can_acknowledge(user: User | None, post_id: int, today: date) -> bool:
    """Sign a post's responsibility list: people holding it today."""
    return post_id in held_post_ids(user, today)
