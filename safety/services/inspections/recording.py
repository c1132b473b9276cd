"""Logging an inspection: drafts, submitting, and the hazards failed items raise."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
class _Checked:
    """An inspection as given, validated: what :func:`save_inspection` writes."""

    unit: Unit
    checklist: Checklist | None
    version: int | None
    plan: InspectionPlan | None
    location: str | None
    performed_at: datetime
    items: list[_ItemInput]
    existing: dict[int, InspectionItem]


def _check_editable(actor: User, inspection: Inspection | None) -> None:
    if inspection is None:
        return
    if inspection.status != InspectionStatus.DRAFT:
        raise Conflict(_("This inspection has already been submitted."))
    if not can_edit_inspection(actor, inspection):
        raise Forbidden(_("Only the inspector may continue this draft."))


def _checklist_version(
    errors: dict[str, str], checklist: Checklist | None, inspection: Inspection | None
) -> int | None:
    """A draft keeps the version it was started on; a new inspection takes the current one."""
    if checklist is None:
        return None
    if inspection is not None and checklist.id == inspection.checklist_id:
        return inspection.checklist_version
    if not checklist.active:
        errors["checklist_id"] = _("This checklist is retired.")
    return checklist.version


def _performed_at(errors: dict[str, str], value: Any, now: datetime) -> Any:
    performed_at = value or now
    if not isinstance(performed_at, datetime) or performed_at.tzinfo is None:
        errors["performed_at"] = _("Not a valid date and time.")
    elif performed_at > now + FUTURE_TOLERANCE:
        errors["performed_at"] = _("An inspection cannot be dated in the future.")
    return performed_at


def _check_required_photos(
    errors: dict[str, str], items: list[_ItemInput], existing: dict[int, InspectionItem]
) -> None:
    """A failed "photo required" item needs a photo, new or kept from the draft."""
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


def _validate(
    data: dict[str, Any], inspection: Inspection | None, *, submit: bool, now: datetime
) -> _Checked:
    """Every check before anything is written; :raise ValidationError: naming the fields."""
    errors: dict[str, str] = {}
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), required=True)
    checklist = _ref(errors, "checklist_id", Checklist, data.get("checklist_id"), required=False)
    version = _checklist_version(errors, checklist, inspection)
    plan = _ref(errors, "plan_id", InspectionPlan, data.get("plan_id"), required=False)
    if plan is not None and unit is not None and plan.unit_id != unit.id:
        errors["plan_id"] = _("This plan belongs to another unit.")
    location = _text(errors, "location", data.get("location"), LOCATION_MAX, required=False)
    performed_at = _performed_at(errors, data.get("performed_at"), now)
    template = checklist_items(checklist, version) if checklist is not None else []
    items = _parse_items(errors, data.get("items"), template, submit=submit)
    existing = {item.position: item for item in inspection.items} if inspection else {}
    if submit:
        _check_required_photos(errors, items, existing)
    _raise(errors)
    return _Checked(unit, checklist, version, plan, location, performed_at, items, existing)


def _claim_draft(inspection: Inspection) -> None:
    """Of two submits racing for one draft, only one finds it a draft."""
    claimed = db.session.execute(
        sa.update(Inspection)
        .where(Inspection.id == inspection.id, Inspection.status == InspectionStatus.DRAFT)
        .values(status=InspectionStatus.SUBMITTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict(_("This inspection has already been submitted."))


def _write_header(
    actor: User, inspection: Inspection | None, checked: _Checked, *, submit: bool, now: datetime
) -> Inspection:
    if inspection is None:
        inspection = Inspection(inspector_id=actor.id, created_at=now)
        db.session.add(inspection)
    inspection.unit_id = checked.unit.id
    inspection.checklist_id = checked.checklist.id if checked.checklist else None
    inspection.checklist_version = checked.version
    inspection.plan_id = checked.plan.id if checked.plan else None
    inspection.location = checked.location
    inspection.performed_at = checked.performed_at
    inspection.status = InspectionStatus.SUBMITTED if submit else InspectionStatus.DRAFT
    inspection.submitted_at = now if submit else None
    db.session.flush()
    return inspection


def _write_photos(
    row: InspectionItem, item: _ItemInput, stored: list[Any], now: datetime
) -> list[str]:
    """Remove the photos asked for, add the new ones; the names of files to delete."""
    removed: list[str] = []
    for photo in db.session.scalars(
        sa.select(InspectionPhoto).where(
            InspectionPhoto.item_id == row.id,
            InspectionPhoto.id.in_(item.remove_photo_ids or {-1}),
        )
    ):
        removed += [photo.stored_name, photo.thumb_name]
        db.session.delete(photo)
    for file in stored:
        db.session.add(
            InspectionPhoto(
                item_id=row.id,
                stored_name=file.stored_name,
                thumb_name=file.thumb_name,
                content_type=file.content_type,
                created_at=now,
            )
        )
    return removed


def _write_items(
    inspection: Inspection, checked: _Checked, stored_uploads: dict[int, list[Any]], now: datetime
) -> tuple[list[tuple[_ItemInput, InspectionItem]], list[str]]:
    """Item rows as given. A draft item without a result is kept only while it has photos."""
    existing = dict(checked.existing)
    rows: list[tuple[_ItemInput, InspectionItem]] = []
    removed: list[str] = []
    for item in checked.items:
        row = existing.pop(item.index, None)
        if (
            item.result is None
            and not stored_uploads[item.index]
            and _stored_photo_count(row, item.remove_photo_ids) == 0
        ):
            if row is not None:
                removed += _delete_item(row)
            continue
        if row is None:
            row = InspectionItem(inspection_id=inspection.id, position=item.index)
            db.session.add(row)
        row.text, row.result, row.note = item.text, item.result, item.note
        _keep_prepared_hazard(row, item.hazard)
        db.session.flush()
        removed += _write_photos(row, item, stored_uploads[item.index], now)
        rows.append((item, row))
    for row in existing.values():  # items dropped from the list
        removed += _delete_item(row)
    db.session.flush()
    return rows, removed


def _move_plan_on(plan: InspectionPlan | None, performed_at: datetime) -> None:
    """A plan done (on or after its due date, or early) is next due after that."""
    if plan is not None and plan.active and plan.next_due is not None:
        done_on = clock.local_date(performed_at)
        plan.next_due = next_occurrence(plan.kind, plan.start_date, max(plan.next_due, done_on))


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
    _check_editable(actor, inspection)
    checked = _validate(data, inspection, submit=submit, now=now)
    written: list[str] = []
    try:
        if submit and inspection is not None:
            _claim_draft(inspection)
        stored_uploads = {
            item.index: [_store(u, written, f"items.{item.index}.photos") for u in item.uploads]
            for item in checked.items
        }
        inspection = _write_header(actor, inspection, checked, submit=submit, now=now)
        rows, removed_files = _write_items(inspection, checked, stored_uploads, now)
        hazard_ids: list[int] = []
        if submit:
            hazard_ids = _raise_hazards(actor, inspection, rows, now=now, written=written)
            _move_plan_on(checked.plan, checked.performed_at)
        audit.record(
            actor,
            "inspection.submit" if submit else "inspection.save",
            inspection,
            {
                "unit_id": checked.unit.id,
                "checklist_id": inspection.checklist_id,
                "checklist_version": checked.version,
                "plan_id": inspection.plan_id,
                "items": len(rows),
                "hazard_ids": hazard_ids,
                **(
                    {"plan_next_due": checked.plan.next_due}
                    if submit and checked.plan is not None
                    else {}
                ),
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


@dataclass
class SaveOutcome:
    """What :func:`save_keeping_photos` did: saved, or refused (photos kept or not)."""

    inspection: Inspection | None
    error: ValidationError | None = None
    photos_kept: bool = False


def save_keeping_photos(
    actor: User,
    data: dict[str, Any],
    *,
    inspection: Inspection | None = None,
    submit: bool,
    now: datetime,
) -> SaveOutcome:
    """:func:`save_inspection` for the phone form: photos chosen are not lost.

    When the save is refused for a field and photos were chosen, the entries
    are kept as a draft with those photos (a draft asks for no result), so
    that the inspector corrects the form without choosing them again. The
    outcome's ``inspection`` is then that draft (new, or the one given).

    :raise Conflict: :raise Forbidden: as :func:`save_inspection`.
    """
    try:
        return SaveOutcome(
            save_inspection(actor, data, inspection=inspection, submit=submit, now=now)
        )
    except ValidationError as error:
        refused = error
    items = data.get("items")
    has_uploads = isinstance(items, list) and any(
        isinstance(item, dict) and item.get("photos") for item in items
    )
    if inspection is not None:
        db.session.refresh(inspection)
    if not has_uploads:
        return SaveOutcome(inspection, refused)
    try:
        draft = save_inspection(
            actor, _without_refused(data, refused), inspection=inspection, submit=False, now=now
        )
    except ValidationError:
        if inspection is not None:
            db.session.refresh(inspection)
        return SaveOutcome(inspection, refused)
    return SaveOutcome(draft, refused, photos_kept=True)


def _without_refused(data: dict[str, Any], refused: ValidationError) -> dict[str, Any]:
    """The entries minus the values refused, so that the rest can wait in a draft.

    The form shows what was typed either way; the draft keeps what was valid
    (a refused date becomes now, a refused hazard is prepared again).
    """
    kept = {**data, "items": [dict(item) for item in data["items"]]}
    for key in refused.fields:
        parts = key.split(".")
        if parts[0] in ("location", "performed_at"):
            kept[parts[0]] = None
        elif parts[0] == "items" and len(parts) > 2 and parts[1].isdigit():
            index, field = int(parts[1]), parts[2]
            if index < len(kept["items"]) and field in ("hazard", "note", "result", "photos"):
                kept["items"][index][field] = None
    return kept


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
            **({"criterion": item.hazard["criterion"]} if item.hazard.get("criterion") else {}),
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
