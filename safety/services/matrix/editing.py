"""Duties and responsibilities: validate, create, edit, delete (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from safety.extensions import db
from safety.models import (
    Duty,
    DutyCategory,
    Post,
    Responsibility,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.services import audit
from safety.services.errors import Conflict
from safety.services.matrix.common import KIND_LABELS, _text, require_matrix_admin
from safety.services.matrix.versions import record_list_versions
from safety.services.validation import choice as _enum
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

# --- duties --------------------------------------------------------------------


def validate_duty(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``{title, category, description}``; returns (values, field errors)."""
    errors: dict[str, str] = {}
    values = {
        "title": _text(errors, "title", data.get("title"), 300, True),
        "category": _enum(errors, "category", DutyCategory, data.get("category")),
        "description": _text(errors, "description", data.get("description"), 5000, False) or None,
    }
    return values, errors


def create_duty(
    actor: User | None,
    *,
    title: str,
    category: str | DutyCategory,
    description: str | None = None,
    now: datetime,
) -> Duty:
    """:raise Forbidden: unless admin. :raise ValidationError: naming the field."""
    require_matrix_admin(actor)
    values, errors = validate_duty(
        {"title": title, "category": category, "description": description}
    )
    _raise(errors)
    duty = Duty(**values, created_at=now)
    db.session.add(duty)
    audit.record(actor, "duty.create", duty, values, now=now)
    db.session.commit()
    return duty


def update_duty(
    actor: User | None,
    duty: Duty,
    *,
    title: str,
    category: str | DutyCategory,
    description: str | None = None,
    now: datetime,
) -> Duty:
    """Edit a duty; every post whose list names it gets a new list version."""
    require_matrix_admin(actor)
    values, errors = validate_duty(
        {"title": title, "category": category, "description": description}
    )
    _raise(errors)
    changes = audit.diff(duty, values)
    if changes:
        audit.record(actor, "duty.update", duty, changes, now=now)
        record_list_versions(_posts_naming_duty(duty.id), actor=actor, now=now)
    db.session.commit()
    return duty


def delete_duty(actor: User | None, duty: Duty, *, now: datetime) -> None:
    """:raise Conflict: while a responsibility still names the duty."""
    require_matrix_admin(actor)
    used = db.session.scalar(
        sa.select(sa.func.count(Responsibility.id)).where(Responsibility.duty_id == duty.id)
    )
    if used:
        raise Conflict(
            _("The duty is used by %(n)d responsibilities; change or delete them first.", n=used)
        )
    audit.record(actor, "duty.delete", duty, {"title": duty.title}, now=now)
    db.session.delete(duty)
    db.session.commit()


def _posts_naming_duty(duty_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Responsibility.post_id).where(Responsibility.duty_id == duty_id).distinct()
        )
    )


# --- responsibilities ------------------------------------------------------------


def validate_responsibility(
    data: dict[str, Any], *, exclude_id: int | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``{post_id, unit_id, kind, duty_id?, description?}`` and refuse duplicates."""
    errors: dict[str, str] = {}
    post = _ref(errors, "post_id", Post, data.get("post_id"), True)
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), True)
    kind = _enum(errors, "kind", ResponsibilityKind, data.get("kind"))
    duty = _ref(errors, "duty_id", Duty, data.get("duty_id"), False)
    description = _text(errors, "description", data.get("description"), 5000, False) or None
    values = {
        "post_id": post.id if post else None,
        "unit_id": unit.id if unit else None,
        "kind": kind,
        "duty_id": duty.id if duty else None,
        "description": description,
    }
    if post is not None and unit is not None and kind is not None and "duty_id" not in errors:
        stmt = sa.select(Responsibility.id).where(
            Responsibility.post_id == post.id,
            Responsibility.unit_id == unit.id,
            Responsibility.kind == kind,
            Responsibility.duty_id.is_(None) if duty is None else Responsibility.duty_id == duty.id,
        )
        if exclude_id is not None:
            stmt = stmt.where(Responsibility.id != exclude_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            errors["kind"] = duplicate_message(post, unit, kind, duty)
    return values, errors


def duplicate_message(post: Post, unit: Unit, kind: ResponsibilityKind, duty: Duty | None) -> str:
    if duty is None:
        return _(
            "%(post)s already has %(kind)s for %(unit)s.",
            post=post.title,
            kind=KIND_LABELS[kind],
            unit=unit.name,
        )
    return _(
        "%(post)s already has %(kind)s for %(unit)s under the duty %(duty)s.",
        post=post.title,
        kind=KIND_LABELS[kind],
        unit=unit.name,
        duty=duty.title,
    )


def create_responsibility(
    actor: User | None,
    *,
    post_id: Any,
    unit_id: Any,
    kind: str | ResponsibilityKind,
    duty_id: Any = None,
    description: str | None = None,
    now: datetime,
) -> Responsibility:
    """:raise ValidationError: unknown ids, bad kind, or the same responsibility twice."""
    require_matrix_admin(actor)
    values, errors = validate_responsibility(
        {
            "post_id": post_id,
            "unit_id": unit_id,
            "kind": kind,
            "duty_id": duty_id,
            "description": description,
        }
    )
    _raise(errors)
    responsibility = Responsibility(**values, created_at=now)
    db.session.add(responsibility)
    audit.record(actor, "responsibility.create", responsibility, values, now=now)
    record_list_versions([responsibility.post_id], actor=actor, now=now)
    db.session.commit()
    return responsibility


def update_responsibility(
    actor: User | None,
    responsibility: Responsibility,
    *,
    post_id: Any,
    unit_id: Any,
    kind: str | ResponsibilityKind,
    duty_id: Any = None,
    description: str | None = None,
    now: datetime,
) -> Responsibility:
    """Edit; the old and the new post both get a new list version when they change."""
    require_matrix_admin(actor)
    values, errors = validate_responsibility(
        {
            "post_id": post_id,
            "unit_id": unit_id,
            "kind": kind,
            "duty_id": duty_id,
            "description": description,
        },
        exclude_id=responsibility.id,
    )
    _raise(errors)
    old_post = responsibility.post_id
    changes = audit.diff(responsibility, values)
    if changes:
        audit.record(actor, "responsibility.update", responsibility, changes, now=now)
        record_list_versions({old_post, responsibility.post_id}, actor=actor, now=now)
    db.session.commit()
    return responsibility


def delete_responsibility(
    actor: User | None, responsibility: Responsibility, *, now: datetime
) -> None:
    require_matrix_admin(actor)
    post_id = responsibility.post_id
    audit.record(
        actor,
        "responsibility.delete",
        responsibility,
        {"post_id": post_id, "unit_id": responsibility.unit_id, "kind": responsibility.kind},
        now=now,
    )
    db.session.delete(responsibility)
    db.session.flush()
    record_list_versions([post_id], actor=actor, now=now)
    db.session.commit()
