"""Logging an inspection: drafts, submitting, and the hazards failed items raise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import clock
from safety.extensions import db
from safety.models import (
    Checklist,
    HazardLevel,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    Unit,
    User,
)
from safety.permissions import (
    can_edit_inspection,
)
from safety.services import audit
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.inspections._common import (
    FUTURE_TOLERANCE,
    LOCATION_MAX,
    _prefixed,
    _text,
)
from safety.services.inspections.checklists import (
    checklist_items,
)
from safety.services.inspections.files import (
    _copy_photo_to_hazard,
    _delete_files,
    _delete_item,
    _store,
    _stored_photo_count,
)
from safety.services.inspections.items import _ItemInput, _parse_items
from safety.services.inspections.schedule import (
    next_occurrence,
)
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref


def _hazard_description(item: InspectionItem, inspection: Inspection, given: str | None) -> str:
    if given:
        return given
    parts = [item.text]
    if item.note:
        parts.append(item.note)
    checklist = (
        db.session.get(Checklist, inspection.checklist_id) if inspection.checklist_id else None
    )
    if checklist is not None:
        parts.append(
            _(
                "Found in inspection #%(id)d (%(checklist)s).",
                id=inspection.id,
                checklist=checklist.name,
            )
        )
    else:
        parts.append(_("Found in inspection #%(id)d.", id=inspection.id))
    return "\n".join(parts)


def save_inspection(
    actor: User,
    data: dict[str, Any],
    *,
    inspection: Inspection | None = None,
    submit: bool,
    now: datetime,
) -> Inspection:
    """Create or update an inspection; with ``submit`` also finish it.

    ``data``: ``unit_id``, ``checklist_id?``, ``plan_id?``, ``location?``,
    ``performed_at?`` (aware; default ``now``) and ``items``: a list (in
    checklist order when a checklist is given) of ``{text?, result?, note?,
    hazard?: {title, level, description?}, photos?: [upload], remove_photo_ids?}``.
    A draft may leave results empty; submitting needs every result, a photo
    for each failed "photo required" item, and raises one hazard (with the
    item's photos) per failed item carrying ``hazard``, all in this
    transaction. A plan linked to the inspection moves on to its next due date.

    :raise ValidationError: naming the field (``items.N.result`` …); nothing is saved.
    :raise Conflict: when the inspection was already submitted (no duplicate hazards).
    :raise Forbidden: when ``actor`` may not edit this draft.
    """
    if inspection is not None:
        if inspection.status != InspectionStatus.DRAFT:
            raise Conflict(_("This inspection has already been submitted."))
        if not can_edit_inspection(actor, inspection):
            raise Forbidden(_("Only the inspector may continue this draft."))
    errors: dict[str, str] = {}
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), required=True)
    checklist = _ref(errors, "checklist_id", Checklist, data.get("checklist_id"), required=False)
    if inspection is not None and checklist is not None and checklist.id == inspection.checklist_id:
        version = inspection.checklist_version
    elif checklist is not None:
        if not checklist.active:
            errors["checklist_id"] = _("This checklist is retired.")
        version = checklist.version
    else:
        version = None
    plan = _ref(errors, "plan_id", InspectionPlan, data.get("plan_id"), required=False)
    if plan is not None and unit is not None and plan.unit_id != unit.id:
        errors["plan_id"] = _("This plan belongs to another unit.")
    location = _text(errors, "location", data.get("location"), LOCATION_MAX, required=False)
    performed_at = data.get("performed_at") or now
    if not isinstance(performed_at, datetime) or performed_at.tzinfo is None:
        errors["performed_at"] = _("Not a valid date and time.")
    elif performed_at > now + FUTURE_TOLERANCE:
        errors["performed_at"] = _("An inspection cannot be dated in the future.")
    template = checklist_items(checklist, version) if checklist is not None else []
    items = _parse_items(errors, data.get("items"), template, submit=submit)

    existing: dict[int, InspectionItem] = {}
    if inspection is not None:
        existing = {item.position: item for item in inspection.items}
    if submit:
        for item in items:
            if (
                item.result == ItemResult.FAIL
                and item.template is not None
                and item.template.photo_required_on_fail
                and not item.uploads
                and _stored_photo_count(existing.get(item.index), item.remove_photo_ids) == 0
            ):
                errors[f"items.{item.index}.photos"] = _(
                    "“%(text)s” failed: a photo is required.", text=item.text
                )
    _raise(errors)

    written: list[str] = []
    removed_files: list[str] = []
    try:
        if submit and inspection is not None:
            # Claim the draft: of two submits racing, only one finds it a draft.
            claimed = db.session.execute(
                sa.update(Inspection)
                .where(Inspection.id == inspection.id, Inspection.status == InspectionStatus.DRAFT)
                .values(status=InspectionStatus.SUBMITTED)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise Conflict(_("This inspection has already been submitted."))
        stored_uploads = {
            item.index: [_store(u, written, f"items.{item.index}.photos") for u in item.uploads]
            for item in items
        }
        if inspection is None:
            inspection = Inspection(inspector_id=actor.id, created_at=now)
            db.session.add(inspection)
        inspection.unit_id = unit.id
        inspection.checklist_id = checklist.id if checklist else None
        inspection.checklist_version = version
        inspection.plan_id = plan.id if plan else None
        inspection.location = location
        inspection.performed_at = performed_at
        inspection.status = InspectionStatus.SUBMITTED if submit else InspectionStatus.DRAFT
        inspection.submitted_at = now if submit else None
        db.session.flush()

        rows: list[tuple[_ItemInput, InspectionItem]] = []
        for item in items:
            row = existing.pop(item.index, None)
            if item.result is None:
                if row is not None:
                    removed_files += _delete_item(row)
                continue
            if row is None:
                row = InspectionItem(inspection_id=inspection.id, position=item.index)
                db.session.add(row)
            row.text, row.result, row.note = item.text, item.result, item.note
            _keep_prepared_hazard(row, item.hazard)
            db.session.flush()
            for photo in db.session.scalars(
                sa.select(InspectionPhoto).where(
                    InspectionPhoto.item_id == row.id,
                    InspectionPhoto.id.in_(item.remove_photo_ids or {-1}),
                )
            ):
                removed_files += [photo.stored_name, photo.thumb_name]
                db.session.delete(photo)
            for stored in stored_uploads[item.index]:
                db.session.add(
                    InspectionPhoto(
                        item_id=row.id,
                        stored_name=stored.stored_name,
                        thumb_name=stored.thumb_name,
                        content_type=stored.content_type,
                        created_at=now,
                    )
                )
            rows.append((item, row))
        for row in existing.values():  # items dropped from the list
            removed_files += _delete_item(row)
        db.session.flush()

        hazard_ids: list[int] = []
        if submit:
            hazard_ids = _raise_hazards(actor, inspection, rows, now=now, written=written)
            if plan is not None and plan.active and plan.next_due is not None:
                done_on = clock.local_date(performed_at)
                plan.next_due = next_occurrence(
                    plan.kind, plan.start_date, max(plan.next_due, done_on)
                )
        audit.record(
            actor,
            "inspection.submit" if submit else "inspection.save",
            inspection,
            {
                "unit_id": unit.id,
                "checklist_id": inspection.checklist_id,
                "checklist_version": version,
                "plan_id": inspection.plan_id,
                "items": len(rows),
                "hazard_ids": hazard_ids,
                **({"plan_next_due": plan.next_due} if submit and plan is not None else {}),
            },
            now=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _delete_files(written)
        raise
    _delete_files(removed_files)
    return inspection


def _keep_prepared_hazard(row: InspectionItem, hazard: dict[str, Any] | None) -> None:
    """Store the hazard prepared for a failed item (cleared when there is none).

    A draft keeps it so that reopening shows what the inspector typed; a
    submitted inspection keeps it as a record of what was raised.
    """
    if hazard is None:
        row.hazard_title = row.hazard_level = row.hazard_description = None
        return
    row.hazard_title = hazard["title"]
    row.hazard_level = HazardLevel(hazard["level"])
    row.hazard_description = hazard.get("description")


def prepared_hazard(item: InspectionItem | None, default_title: str) -> dict[str, str]:
    """``{title, level, description}`` to pre-fill a (re)opened form's hazard part.

    The values stored with the item when it was saved; the item's text and
    grade "general" only when nothing was stored.
    """
    if item is None or item.hazard_title is None:
        return {"title": default_title, "level": HazardLevel.GENERAL.value, "description": ""}
    return {
        "title": item.hazard_title,
        "level": (item.hazard_level or HazardLevel.GENERAL).value,
        "description": item.hazard_description or "",
    }


def _raise_hazards(
    actor: User,
    inspection: Inspection,
    rows: list[tuple[_ItemInput, InspectionItem]],
    *,
    now: datetime,
    written: list[str],
) -> list[int]:
    """One hazard per failed item that asks for one, linked through ``hazard_id``."""
    from safety.services.hazards import new_hazard

    ids: list[int] = []
    for item, row in rows:
        if row.result != ItemResult.FAIL or item.hazard is None or row.hazard_id is not None:
            continue
        payload = {
            "title": item.hazard["title"],
            "level": item.hazard["level"],
            "unit_id": inspection.unit_id,
            "description": _hazard_description(row, inspection, item.hazard.get("description")),
            "location": inspection.location,
            "found_at": inspection.performed_at,
        }
        try:
            hazard = new_hazard(actor, payload, now=now)
        except ValidationError as error:
            raise _prefixed(error, f"items.{item.index}.hazard") from None
        row.hazard_id = hazard.id
        for photo in db.session.scalars(
            sa.select(InspectionPhoto).where(InspectionPhoto.item_id == row.id)
        ):
            _copy_photo_to_hazard(photo, hazard, actor, written)
        ids.append(hazard.id)
    db.session.flush()
    return ids


def record_inspection(actor: User, data: dict[str, Any], *, now: datetime) -> Inspection:
    """Create and submit in one call (the API)."""
    return save_inspection(actor, data, submit=True, now=now)


def delete_draft(actor: User, inspection: Inspection, *, now: datetime) -> None:
    """Throw a draft away (submitted inspections are records and stay)."""
    if inspection.status != InspectionStatus.DRAFT:
        raise Conflict(_("This inspection has already been submitted."))
    if not can_edit_inspection(actor, inspection):
        raise Forbidden(_("Only the inspector may continue this draft."))
    names: list[str] = []
    for row in list(inspection.items):
        names += _delete_item(row)
    audit.record(actor, "inspection.delete_draft", inspection, {}, now=now)
    db.session.delete(inspection)
    db.session.commit()
    _delete_files(names)


def hazard_ids_of(inspection: Inspection) -> list[int]:
    return [item.hazard_id for item in inspection.items if item.hazard_id is not None]
