"""Checklist templates and their versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from safety.extensions import db
from safety.models import (
    Checklist,
    ChecklistItem,
    User,
)
from safety.permissions import (
    can_manage_checklists,
)
from safety.services import audit
from safety.services.errors import Conflict, Forbidden
from safety.services.inspections._common import (
    NAME_MAX,
    SECTION_MAX,
    TEXT_MAX,
    _as_bool,
    _text,
)
from safety.services.validation import raise_if_any as _raise

# --- checklists ---------------------------------------------------------------


def checklist_items(checklist: Checklist, version: int | None = None) -> list[ChecklistItem]:
    """The items of one version (the current one by default), in order."""
    return list(
        db.session.scalars(
            sa.select(ChecklistItem)
            .where(
                ChecklistItem.checklist_id == checklist.id,
                ChecklistItem.version == (version or checklist.version),
            )
            .order_by(ChecklistItem.position)
        )
    )


def _checklist_item_values(errors: dict[str, str], raw_items: Any) -> list[dict[str, Any]]:
    """Items as given (plain strings or dicts) → validated dicts; errors name ``items.N.*``."""
    if not isinstance(raw_items, list | tuple) or not raw_items:
        errors["items"] = _("Add at least one item.")
        return []
    values: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_items):
        item = {"text": raw} if isinstance(raw, str) else raw
        if not isinstance(item, dict):
            errors[f"items.{index}"] = _("Not a valid item.")
            continue
        prefix = f"items.{index}"
        values.append(
            {
                "text": _text(errors, f"{prefix}.text", item.get("text"), TEXT_MAX, required=True),
                "section": _text(
                    errors, f"{prefix}.section", item.get("section"), SECTION_MAX, required=False
                ),
                "guidance": _text(
                    errors, f"{prefix}.guidance", item.get("guidance"), TEXT_MAX, required=False
                ),
                "photo_required_on_fail": _as_bool(item.get("photo_required_on_fail")),
            }
        )
    return values


def _add_items(checklist: Checklist, version: int, items: list[dict[str, Any]]) -> None:
    for position, item in enumerate(items):
        db.session.add(
            ChecklistItem(checklist_id=checklist.id, version=version, position=position, **item)
        )


def create_checklist(actor: User, data: dict[str, Any], *, now: datetime) -> Checklist:
    """A new checklist template (version 1).

    ``data``: ``name`` and ``items``, each a string or ``{text, section?,
    guidance?, photo_required_on_fail?}``.

    :raise ValidationError: naming ``name`` or ``items.N.text``.
    """
    errors: dict[str, str] = {}
    name = _text(errors, "name", data.get("name"), NAME_MAX, required=True)
    items = _checklist_item_values(errors, data.get("items"))
    _raise(errors)
    checklist = Checklist(name=name, version=1, active=True, created_at=now)
    db.session.add(checklist)
    db.session.flush()
    _add_items(checklist, 1, items)
    audit.record(actor, "checklist.create", checklist, {"name": name, "items": len(items)}, now=now)
    db.session.commit()
    return checklist


def update_checklist(
    actor: User, checklist: Checklist, data: dict[str, Any], *, today: date, now: datetime
) -> Checklist:
    """Rename and/or change the items. Changed items make a new version.

    Old versions' items are kept, so an inspection keeps showing the checklist
    as it was when it was performed.

    :raise Forbidden: unless :func:`can_manage_checklists`.
    """
    if not can_manage_checklists(actor, today):
        raise Forbidden(_("Only administrators and safety managers may change checklists."))
    errors: dict[str, str] = {}
    name = _text(errors, "name", data.get("name"), NAME_MAX, required=True)
    items = _checklist_item_values(errors, data.get("items"))
    _raise(errors)
    current = [
        {
            "text": i.text,
            "section": i.section,
            "guidance": i.guidance,
            "photo_required_on_fail": i.photo_required_on_fail,
        }
        for i in checklist_items(checklist)
    ]
    changes: dict[str, Any] = {}
    if name != checklist.name:
        changes["name"] = [checklist.name, name]
        checklist.name = name
    if items != current:
        # Claim the next version: of two editors saving at once, one gets a conflict.
        old = checklist.version
        claimed = db.session.execute(
            sa.update(Checklist)
            .where(Checklist.id == checklist.id, Checklist.version == old)
            .values(version=old + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            raise Conflict(_("Someone else changed this checklist meanwhile; reload and retry."))
        set_committed_value(checklist, "version", old + 1)
        _add_items(checklist, checklist.version, items)
        changes["version"] = checklist.version
        changes["items"] = len(items)
    if changes:
        audit.record(actor, "checklist.update", checklist, changes, now=now)
    db.session.commit()
    return checklist


def set_checklist_active(
    actor: User, checklist: Checklist, active: bool, *, today: date, now: datetime
) -> Checklist:
    """Retire a checklist (no new inspections or plans) or bring it back."""
    if not can_manage_checklists(actor, today):
        raise Forbidden(_("Only administrators and safety managers may change checklists."))
    if checklist.active != active:
        checklist.active = active
        audit.record(actor, "checklist.active", checklist, {"active": active}, now=now)
    db.session.commit()
    return checklist


def active_checklists() -> list[Checklist]:
    return list(
        db.session.scalars(
            sa.select(Checklist).where(Checklist.active.is_(True)).order_by(Checklist.name)
        )
    )
