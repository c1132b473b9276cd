"""Checklists, inspection plans and inspections, and the hazards they raise.

Every public function that changes data is one transaction: it validates,
writes, records the audit event and commits; a failure part-way rolls back
so that nothing is left half-written (photos stored on disk for a failed
call are deleted again).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from safety import clock
from safety.extensions import db
from safety.models import (
    Checklist,
    ChecklistItem,
    Hazard,
    HazardLevel,
    HazardPhoto,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    PlanKind,
    Post,
    PostHolder,
    Unit,
    User,
)
from safety.permissions import (
    can_edit_inspection,
    can_manage_checklists,
    can_manage_plans,
)
from safety.services import audit
from safety.services.errors import Conflict, Forbidden, ServiceError, ValidationError
from safety.services.org import holding_filter, unit_subtree_ids
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

NAME_MAX = 200
SECTION_MAX = 200
TEXT_MAX = 2000
NOTE_MAX = 4000
LOCATION_MAX = 300
HAZARD_TITLE_MAX = 300
#: As the hazard register allows; checked on drafts too, which keep it.
HAZARD_DESCRIPTION_MAX = 20000
HAZARD_LEVELS = ("general", "major")
MAX_ITEM_PHOTOS = 10
#: An inspection may be dated a little ahead of the server clock (phones drift).
FUTURE_TOLERANCE = timedelta(minutes=10)


# --- small validation helpers -------------------------------------------------


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _text(
    errors: dict[str, str], field: str, value: Any, max_len: int, *, required: bool
) -> str | None:
    text = _clean(value)
    if not text:
        if required:
            errors[field] = _("This field is required.")
        return None
    if len(text) > max_len:
        errors[field] = _("At most %(n)d characters.", n=max_len)
    return text


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on", "是", "√"}
    return bool(value)


# --- who may do what ----------------------------------------------------------


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


# --- plan schedules -----------------------------------------------------------

#: Seasonal checks are due when a season begins (meteorological seasons).
SEASON_MONTHS = (3, 6, 9, 12)
_MONTH_STEPS = {PlanKind.MONTHLY: 1, PlanKind.QUARTERLY: 3, PlanKind.HOLIDAY: 12}


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, the day clamped to the month's end.

    Always computed from the plan's start date, never from the previous due
    date, so Jan 31 → Feb 28 (29) → Mar 31 and not Mar 28.
    """
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_occurrence(kind: PlanKind | str, start: date, after: date) -> date | None:
    """The first due date of a plan strictly after ``after`` (None: never again).

    daily/weekly step from ``start``; monthly and quarterly keep ``start``'s
    day of month; holiday checks recur yearly on ``start``'s date (Feb 29 →
    Feb 28 in common years); seasonal checks fall on the first day of each
    season (Mar, Jun, Sep, Dec 1); a one-off plan is due once, on ``start``.
    """
    kind = PlanKind(kind)
    if after < start:
        return start
    if kind == PlanKind.ONE_OFF:
        return None
    if kind == PlanKind.DAILY:
        return after + timedelta(days=1)
    if kind == PlanKind.WEEKLY:
        return start + timedelta(days=((after - start).days // 7 + 1) * 7)
    if kind == PlanKind.SEASONAL:
        year, month = after.year, after.month
        for _step in range(5):
            month += 1
            if month > 12:
                year, month = year + 1, 1
            if month in SEASON_MONTHS:
                return date(year, month, 1)
    step = _MONTH_STEPS[kind]
    elapsed = (after.year - start.year) * 12 + after.month - start.month
    count = max(elapsed // step, 0)
    candidate = add_months(start, count * step)
    while candidate <= after:
        count += 1
        candidate = add_months(start, count * step)
    return candidate


def due_dates(kind: PlanKind | str, start: date, count: int) -> list[date]:
    """The first ``count`` due dates of a plan (fewer for a one-off)."""
    result: list[date] = []
    current: date | None = start
    while current is not None and len(result) < count:
        result.append(current)
        current = next_occurrence(kind, start, current)
    return result


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


def is_overdue(plan: InspectionPlan, on: date) -> bool:
    return plan.next_due is not None and plan.next_due < on


# --- inspections --------------------------------------------------------------


@dataclass
class _ItemInput:
    index: int
    text: str | None
    result: ItemResult | None
    note: str | None
    hazard: dict[str, Any] | None
    uploads: list[Any]
    remove_photo_ids: set[int]
    template: ChecklistItem | None


def _parse_items(
    errors: dict[str, str],
    raw_items: Any,
    template: Sequence[ChecklistItem],
    *,
    submit: bool,
) -> list[_ItemInput]:
    if not isinstance(raw_items, list | tuple):
        errors["items"] = _("Add at least one item.")
        return []
    if submit and not raw_items:
        errors["items"] = _("Add at least one item.")
    parsed: list[_ItemInput] = []
    for index, raw in enumerate(raw_items):
        prefix = f"items.{index}"
        if not isinstance(raw, dict):
            errors[prefix] = _("Not a valid item.")
            continue
        tmpl = template[index] if index < len(template) else None
        text = _text(errors, f"{prefix}.text", raw.get("text"), TEXT_MAX, required=False)
        if text is None and tmpl is not None:
            text = tmpl.text
        elif text is None:
            errors[f"{prefix}.text"] = _("This field is required.")
        if tmpl is not None and text != tmpl.text:
            tmpl = None  # an item of its own, not the checklist's
        result = None
        raw_result = raw.get("result")
        if raw_result in (None, ""):
            if submit:
                errors[f"{prefix}.result"] = _("Choose pass, fail or not applicable.")
        else:
            try:
                result = ItemResult(raw_result)
            except ValueError:
                errors[f"{prefix}.result"] = _(
                    "Must be one of: %(allowed)s.", allowed="pass, fail, na"
                )
        note = _text(errors, f"{prefix}.note", raw.get("note"), NOTE_MAX, required=False)
        hazard = None
        raw_hazard = raw.get("hazard")
        if result == ItemResult.FAIL and raw_hazard:
            if not isinstance(raw_hazard, dict):
                errors[f"{prefix}.hazard"] = _("Not a valid hazard.")
            else:
                level = raw_hazard.get("level")
                if level not in HAZARD_LEVELS:
                    errors[f"{prefix}.hazard.level"] = _(
                        "Must be one of: %(allowed)s.", allowed=", ".join(HAZARD_LEVELS)
                    )
                hazard = {
                    "title": _text(
                        errors,
                        f"{prefix}.hazard.title",
                        raw_hazard.get("title"),
                        HAZARD_TITLE_MAX,
                        required=True,
                    ),
                    "level": level,
                    "description": _text(
                        errors,
                        f"{prefix}.hazard.description",
                        raw_hazard.get("description"),
                        HAZARD_DESCRIPTION_MAX,
                        required=False,
                    ),
                }
        try:
            remove = {int(x) for x in raw.get("remove_photo_ids") or ()}
        except (TypeError, ValueError):
            errors[f"{prefix}.photos"] = _("Not a valid photo.")
            remove = set()
        uploads = [u for u in raw.get("photos") or () if u]
        if len(uploads) > MAX_ITEM_PHOTOS:
            errors[f"{prefix}.photos"] = _("At most %(n)d photos at a time.", n=MAX_ITEM_PHOTOS)
        parsed.append(
            _ItemInput(
                index=index,
                text=text,
                result=result,
                note=note,
                hazard=hazard,
                uploads=uploads,
                remove_photo_ids=remove,
                template=tmpl,
            )
        )
    return parsed


def _stored_photo_count(item: InspectionItem | None, removed: set[int]) -> int:
    if item is None or item.id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(InspectionPhoto.id)).where(
            InspectionPhoto.item_id == item.id, InspectionPhoto.id.not_in(removed or {-1})
        )
    )


def _delete_files(names: Iterable[str]) -> None:
    """Best effort: files of a call that failed, or of photos removed from a draft."""
    from safety.services.photos import remove_files

    remove_files(names)


def _store(upload: Any, written: list[str], field: str = "photos") -> Any:
    from safety.services.photos import store_image

    try:
        stored = store_image(upload)
    except ValidationError as error:
        raise ValidationError({field: sum(error.fields.values(), [])}) from None
    written.extend([stored.stored_name, stored.thumb_name])
    return stored


def _copy_photo_to_hazard(
    photo: InspectionPhoto, hazard: Hazard, actor: User, written: list[str]
) -> None:
    """Hazard photos are files of their own (names are unique per table)."""
    from safety.services.photos import photo_path

    stored = _store(photo_path(photo.stored_name).read_bytes(), written)
    db.session.add(
        HazardPhoto(
            hazard_id=hazard.id,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            content_type=stored.content_type,
            width=stored.width,
            height=stored.height,
            uploaded_by_id=actor.id,
        )
    )


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


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}.{k}": v for k, v in error.fields.items()})


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


def _delete_item(row: InspectionItem) -> list[str]:
    names: list[str] = []
    for photo in db.session.scalars(
        sa.select(InspectionPhoto).where(InspectionPhoto.item_id == row.id)
    ):
        names += [photo.stored_name, photo.thumb_name]
        db.session.delete(photo)
    db.session.delete(row)
    return names


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


def findings(inspection: Inspection) -> list[tuple[InspectionItem, Hazard | None]]:
    """Failed items with their hazard (its current status), in item order."""
    failed = [item for item in inspection.items if item.result == ItemResult.FAIL]
    ids = [item.hazard_id for item in failed if item.hazard_id is not None]
    hazards = (
        {h.id: h for h in db.session.scalars(sa.select(Hazard).where(Hazard.id.in_(ids)))}
        if ids
        else {}
    )
    return [(item, hazards.get(item.hazard_id)) for item in failed]


def inspection_of_hazard(hazard_id: int) -> Inspection | None:
    """The inspection whose failed item raised this hazard (for a link back)."""
    return db.session.scalar(
        sa.select(Inspection)
        .join(InspectionItem, InspectionItem.inspection_id == Inspection.id)
        .where(InspectionItem.hazard_id == hazard_id)
    )


def item_photos(inspection: Inspection) -> dict[int, list[InspectionPhoto]]:
    """Photos per item id (one query)."""
    ids = [item.id for item in inspection.items]
    result: dict[int, list[InspectionPhoto]] = {i: [] for i in ids}
    if ids:
        for photo in db.session.scalars(
            sa.select(InspectionPhoto)
            .where(InspectionPhoto.item_id.in_(ids))
            .order_by(InspectionPhoto.id)
        ):
            result[photo.item_id].append(photo)
    return result


def drafts_of(user: User) -> list[Inspection]:
    return list(
        db.session.scalars(
            sa.select(Inspection)
            .where(Inspection.inspector_id == user.id, Inspection.status == InspectionStatus.DRAFT)
            .order_by(Inspection.created_at.desc())
        )
    )


# --- history ------------------------------------------------------------------


@dataclass
class HistoryRow:
    inspection: Inspection
    passed: int
    failed: int
    not_applicable: int
    hazards: int

    @property
    def pass_rate(self) -> float | None:
        """Passed share of the items that applied (None when none applied)."""
        applied = self.passed + self.failed
        return self.passed / applied if applied else None


def history(
    *,
    unit_id: int | None = None,
    include_subunits: bool = True,
    inspector_id: int | None = None,
    checklist_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    with_findings: bool | None = None,
    limit: int | None = 500,
) -> list[HistoryRow]:
    """Submitted inspections, newest first, with their item counts (one query).

    ``date_from``/``date_to`` bound ``performed_at`` (half-open: from ≤ t < to).
    """
    counts = (
        sa.select(
            InspectionItem.inspection_id.label("iid"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.PASS, 1), else_=0)).label("p"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.FAIL, 1), else_=0)).label("f"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.NA, 1), else_=0)).label("n"),
            sa.func.count(InspectionItem.hazard_id).label("h"),
        )
        .group_by(InspectionItem.inspection_id)
        .subquery()
    )
    stmt = (
        sa.select(Inspection, counts.c.p, counts.c.f, counts.c.n, counts.c.h)
        .outerjoin(counts, counts.c.iid == Inspection.id)
        .where(Inspection.status == InspectionStatus.SUBMITTED)
    )
    if unit_id is not None:
        ids = unit_subtree_ids(unit_id) if include_subunits else [unit_id]
        stmt = stmt.where(Inspection.unit_id.in_(ids))
    if inspector_id is not None:
        stmt = stmt.where(Inspection.inspector_id == inspector_id)
    if checklist_id is not None:
        stmt = stmt.where(Inspection.checklist_id == checklist_id)
    if date_from is not None:
        stmt = stmt.where(Inspection.performed_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(Inspection.performed_at < date_to)
    if with_findings is True:
        stmt = stmt.where(sa.func.coalesce(counts.c.f, 0) > 0)
    elif with_findings is False:
        stmt = stmt.where(sa.func.coalesce(counts.c.f, 0) == 0)
    stmt = stmt.order_by(Inspection.performed_at.desc(), Inspection.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return [
        HistoryRow(inspection, int(p or 0), int(f or 0), int(n or 0), int(h or 0))
        for inspection, p, f, n, h in db.session.execute(stmt).all()
    ]


def summary(rows: Sequence[HistoryRow]) -> dict[str, Any]:
    """Totals over history rows: inspections, findings, hazards, overall pass rate."""
    passed = sum(r.passed for r in rows)
    failed = sum(r.failed for r in rows)
    return {
        "inspections": len(rows),
        "findings": failed,
        "hazards": sum(r.hazards for r in rows),
        "pass_rate": passed / (passed + failed) if passed + failed else None,
    }


__all__ = [
    "ServiceError",
    "active_checklists",
    "add_months",
    "can_edit_inspection",
    "can_manage_checklists",
    "can_manage_plans",
    "checklist_items",
    "create_checklist",
    "create_plan",
    "delete_draft",
    "drafts_of",
    "due_dates",
    "due_plans",
    "findings",
    "history",
    "inspection_of_hazard",
    "is_overdue",
    "item_photos",
    "next_occurrence",
    "plans_due_for",
    "plans_for_unit",
    "prepared_hazard",
    "record_inspection",
    "save_inspection",
    "set_checklist_active",
    "set_plan_active",
    "summary",
    "update_checklist",
    "update_plan",
]
