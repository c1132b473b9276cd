"""Safety targets decomposed layer by layer (目标逐级分解)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety.extensions import db
from safety.models import (
    SafetyTarget,
    Unit,
    User,
)
from safety.services import audit
from safety.services.errors import Conflict
from safety.services.matrix.common import _text, require_matrix_admin
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

# --- safety targets decomposed layer by layer --------------------------------------------


def create_target(
    actor: User | None,
    *,
    unit_id: Any,
    year: Any,
    title: str,
    metric: str | None = None,
    target_value: str | None = None,
    parent_id: Any = None,
    now: datetime,
) -> SafetyTarget:
    """Set a yearly target for a unit, or break a parent unit's target down to it.

    A decomposed target (``parent_id``) belongs to a unit directly below the
    parent target's unit and to the same year, so targets go down layer by layer.

    :raise ValidationError: naming the field.
    """
    require_matrix_admin(actor)
    errors: dict[str, str] = {}
    unit = _ref(errors, "unit_id", Unit, unit_id, True)
    parent = _ref(errors, "parent_id", SafetyTarget, parent_id, False)
    try:
        year_value = int(year)
        if not 2000 <= year_value <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = _("Enter a year between 2000 and 2100.")
        year_value = None
    title = _text(errors, "title", title, 300, True)
    metric_value = _text(errors, "metric", metric, 64, False) or None
    value = _text(errors, "target_value", target_value, 64, False) or None
    if parent is not None and unit is not None:
        if unit.parent_id != parent.unit_id:
            errors["parent_id"] = _(
                "A target is broken down to the units directly below its own unit."
            )
        elif year_value is not None and parent.year != year_value:
            errors["year"] = _("A broken-down target has the year of the target it comes from.")
    _raise(errors)
    target = SafetyTarget(
        unit_id=unit.id,
        year=year_value,
        title=title,
        metric=metric_value or (parent.metric if parent else None),
        target_value=value,
        parent_id=parent.id if parent else None,
        created_at=now,
    )
    db.session.add(target)
    audit.record(
        actor,
        "target.create",
        target,
        {"unit_id": unit.id, "year": year_value, "title": title, "parent_id": target.parent_id},
        now=now,
    )
    db.session.commit()
    return target


def delete_target(actor: User | None, target: SafetyTarget, *, now: datetime) -> None:
    """:raise Conflict: while targets broken down from it exist."""
    require_matrix_admin(actor)
    if db.session.scalar(sa.select(SafetyTarget.id).where(SafetyTarget.parent_id == target.id)):
        raise Conflict(_("Delete the targets broken down from this one first."))
    audit.record(actor, "target.delete", target, {"title": target.title}, now=now)
    db.session.delete(target)
    db.session.commit()


def targets_for_unit(unit_id: int, year: int | None = None) -> list[dict[str, Any]]:
    """A unit's targets, each with the chain it came from (nearest first): two queries."""
    stmt = sa.select(SafetyTarget).where(SafetyTarget.unit_id == unit_id)
    if year is not None:
        stmt = stmt.where(SafetyTarget.year == year)
    own = list(db.session.scalars(stmt.order_by(SafetyTarget.year.desc(), SafetyTarget.id)))
    everything = {
        t.id: t
        for t in db.session.scalars(
            sa.select(SafetyTarget).options(selectinload(SafetyTarget.unit))
        )
    }
    result = []
    for target in own:
        origin = []
        current = everything.get(target.parent_id) if target.parent_id else None
        while current is not None and current not in origin:
            origin.append(current)
            current = everything.get(current.parent_id) if current.parent_id else None
        children = [t for t in everything.values() if t.parent_id == target.id]
        result.append({"target": target, "origin": origin, "children": children})
    return result
