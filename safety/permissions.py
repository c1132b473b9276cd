"""Who may do what: derived from the responsibility matrix and admin.

Rights follow the posts a person holds *today* (a holding covers its start
and end dates; a deactivated person holds nothing) and the responsibilities
of those posts in the matrix. A responsibility for a unit covers every unit
below it. Admins edit the matrix; only holders sign a post's list.

Predicates (``can_*``) are pure questions that services, views and the API
ask; services raise :class:`~safety.services.errors.Forbidden` when the answer
is no; ``*_required`` decorators guard HTML views. Nothing else decides rights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from safety.extensions import db
from safety.models import (
    Hazard,
    Inspection,
    InspectionStatus,
    Post,
    PostHolder,
    PostLevel,
    Responsibility,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.models.queries import holding_filter, unit_ancestor_ids

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


def verify_clause(user: User | None, today: date) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`can_verify_hazard`, for lists ("hazards I may verify")."""
    if user is None or not getattr(user, "active", False):
        return sa.false()
    not_mine = sa.or_(Hazard.submitted_by_id.is_(None), Hazard.submitted_by_id != user.id)
    if is_admin(user):
        return not_mine
    units = covered_unit_ids(user, today, VERIFY_KINDS)
    if not units:
        return sa.false()
    return sa.and_(Hazard.unit_id.in_(sorted(units)), not_mine)


def can_approve_plan(user: User | None, hazard: Hazard, today: date) -> bool:
    """Approve a major hazard's 治理方案: ``main`` for its unit or a unit above it."""
    return ResponsibilityKind.MAIN in kinds_for_unit(user, hazard.unit_id, today)


def can_acknowledge(user: User | None, post_id: int, today: date) -> bool:
    """Sign a post's responsibility list: people holding it today."""
    return post_id in held_post_ids(user, today)


# --- the matrix --------------------------------------------------------------


def can_view_matrix(user: User | None) -> bool:
    """The matrix, gaps and every list are open to everyone signed in (公开透明)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def can_edit_matrix(user: User | None) -> bool:
    """Duties, responsibilities, targets and imports: administrators only."""
    return is_admin(user)


def covered_unit_ids(
    user: User | None, on: date, kinds: Iterable[ResponsibilityKind] | None = None
) -> set[int]:
    """Units for which ``user``'s posts on ``on`` carry one of ``kinds`` (default: any).

    Each responsibility covers its unit and every unit below it. Two queries,
    for lists ("hazards I may manage") that must not ask unit by unit.
    """
    if user is None or not getattr(user, "active", False):
        return set()
    stmt = (
        sa.select(Responsibility.unit_id)
        .join(PostHolder, PostHolder.post_id == Responsibility.post_id)
        .where(PostHolder.user_id == user.id, holding_filter(on))
        .distinct()
    )
    if kinds is not None:
        stmt = stmt.where(Responsibility.kind.in_(list(kinds)))
    roots = set(db.session.scalars(stmt))
    if not roots:
        return set()
    below: dict[int | None, list[int]] = {}
    for uid, parent in db.session.execute(sa.select(Unit.id, Unit.parent_id)):
        below.setdefault(parent, []).append(uid)
    covered: set[int] = set()
    stack = list(roots)
    while stack:
        uid = stack.pop()
        if uid not in covered:
            covered.add(uid)
            stack.extend(below.get(uid, []))
    return covered


def posts_covering_units(
    unit_ids: Iterable[int], kinds: Iterable[ResponsibilityKind]
) -> dict[int, set[int]]:
    """For each unit, the posts with a responsibility of ``kinds`` for it or a unit above.

    The same coverage rule as :func:`kinds_for_unit`, asked the other way
    round (who answers for these units?) and set-based: two queries however
    many units, for the reminder pass and event notifications.
    """
    wanted = set(unit_ids)
    if not wanted:
        return {}
    parents = dict(db.session.execute(sa.select(Unit.id, Unit.parent_id)).all())
    posts_for: dict[int, set[int]] = {}
    for post_id, unit_id in db.session.execute(
        sa.select(Responsibility.post_id, Responsibility.unit_id).where(
            Responsibility.kind.in_(list(kinds))
        )
    ):
        posts_for.setdefault(unit_id, set()).add(post_id)
    result: dict[int, set[int]] = {}
    for unit_id in wanted:
        found: set[int] = set()
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            seen.add(current)
            found |= posts_for.get(current, set())
            current = parents.get(current)
        result[unit_id] = found
    return result


def matrix_admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Guard an HTML view: sign-in first, then 403 unless :func:`can_edit_matrix`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            from safety.extensions import login_manager

            return login_manager.unauthorized()
        if not can_edit_matrix(current_user._get_current_object()):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- inspections ---------------------------------------------------------------


def can_manage_checklists(user: User | None, today: date) -> bool:
    """Edit or retire a checklist template: admins and safety managers.

    A safety manager holds a post with main, leadership or supervision
    responsibility for some unit today. Anyone signed in may create one.
    """
    if is_admin(user):
        return True
    if user is None or not user.active:
        return False
    stmt = (
        sa.select(Responsibility.id)
        .join(PostHolder, PostHolder.post_id == Responsibility.post_id)
        .where(
            PostHolder.user_id == user.id,
            holding_filter(today),
            Responsibility.kind.in_(list(MANAGE_KINDS)),
        )
    )
    return bool(db.session.scalar(sa.select(stmt.exists())))


def can_manage_plans(user: User | None, unit_id: int, today: date) -> bool:
    """Plan inspections of a unit: admins and main/leadership/supervision for it."""
    return is_admin(user) or bool(kinds_for_unit(user, unit_id, today) & MANAGE_KINDS)


def can_edit_inspection(user: User | None, inspection: Inspection) -> bool:
    """A draft belongs to its inspector (admins may finish it too)."""
    return inspection.status == InspectionStatus.DRAFT and (
        is_admin(user) or (user is not None and inspection.inspector_id == user.id)
    )


# --- reports ------------------------------------------------------------------

#: Post levels whose holders read the dashboard and the reports.
REPORT_LEVELS = frozenset({PostLevel.DECISION, PostLevel.MANAGEMENT})


def can_view_reports(user: User | None, today: date) -> bool:
    """Dashboard and reports, which name the people accountable: admins, holders
    of a decision or management post, and holders of a post with supervision or
    leadership responsibility (the chief safety officer, the safety department)."""
    if is_admin(user):
        return True
    if user is None or not getattr(user, "active", False):
        return False
    by_level = (
        sa.select(PostHolder.id)
        .join(Post, Post.id == PostHolder.post_id)
        .where(
            PostHolder.user_id == user.id,
            holding_filter(today),
            Post.level.in_(list(REPORT_LEVELS)),
        )
    )
    by_responsibility = (
        sa.select(PostHolder.id)
        .join(Responsibility, Responsibility.post_id == PostHolder.post_id)
        .where(
            PostHolder.user_id == user.id,
            holding_filter(today),
            Responsibility.kind.in_(list(VERIFY_KINDS)),
        )
    )
    return bool(db.session.scalar(sa.select(sa.or_(by_level.exists(), by_responsibility.exists()))))


def report_unit_ids(user: User | None, today: date) -> set[int] | None:
    """Units whose report figures ``user`` may read: ``None`` means every unit.

    Readers by :func:`can_view_reports` see the whole group; anyone else with a
    responsibility (a workshop safety officer, say) sees the units it covers
    and the units of the posts they hold, so the reports show their own unit
    instead of refusing. An empty set means no reports at all.
    """
    if can_view_reports(user, today):
        return None
    if user is None or not getattr(user, "active", False):
        return set()
    own = db.session.scalars(
        sa.select(Post.unit_id)
        .join(PostHolder, PostHolder.post_id == Post.id)
        .where(PostHolder.user_id == user.id, holding_filter(today))
    )
    return covered_unit_ids(user, today) | set(own)


# --- risk register (安全风险分级管控; hook of the risks area) -------------------

#: Kinds whose holders edit a unit's risk register (or a register below it).
RISK_REGISTER_KINDS = frozenset({ResponsibilityKind.MAIN, ResponsibilityKind.SUPERVISION})


def can_edit_risk_register(user: User | None, unit_id: int, today: date) -> bool:
    """Risk points, risks, assessments, controls: admins, main/supervision for the unit."""
    return is_admin(user) or bool(kinds_for_unit(user, unit_id, today) & RISK_REGISTER_KINDS)


def can_check_control(user: User | None, owner_post_id: int, today: date) -> bool:
    """Record a control's check: holders of its owner post today, or an admin."""
    return is_admin(user) or owner_post_id in held_post_ids(user, today)


# --- performance of duty (履职考核) ------------------------------------------------


def assessor_post_ids(post: Post, *, disputed: bool) -> list[int]:
    """Who assesses a scorecard of ``post``: the holders of its superior post. Once
    the person disputed it, the superior answers and the superior's superior may
    decide too (the dispute goes up)."""
    superior = post.superior
    if superior is None:
        return []
    if disputed and superior.superior is not None:
        return [superior.id, superior.superior.id]
    return [superior.id]


def can_assess(user: User | None, post: Post, *, disputed: bool, today: date) -> bool:
    if user is None:
        return False
    if is_admin(user):
        return True
    return bool(held_post_ids(user, today) & set(assessor_post_ids(post, disputed=disputed)))


def can_record_accountability(user: User | None) -> bool:
    return is_admin(user)
