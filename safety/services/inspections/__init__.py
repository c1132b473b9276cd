"""Checklists, inspection plans and inspections, and the hazards they raise.

Every public function that changes data is one transaction: it validates,
writes, records the audit event and commits; a failure part-way rolls back
so that nothing is left half-written (photos stored on disk for a failed
call are deleted again).

By topic: :mod:`.checklists`, :mod:`.schedule` (due-date arithmetic),
:mod:`.plans`, :mod:`.recording` (drafts, submitting, hazards raised),
:mod:`.history` (lists, findings, the Excel export), with :mod:`.items`
and :mod:`.files` as their helpers. Callers import from this package.
"""

from __future__ import annotations

from safety.permissions import can_edit_inspection, can_manage_checklists, can_manage_plans
from safety.services.errors import ServiceError
from safety.services.inspections._common import (
    FUTURE_TOLERANCE,
    HAZARD_DESCRIPTION_MAX,
    HAZARD_LEVELS,
    HAZARD_TITLE_MAX,
    LOCATION_MAX,
    MAX_ITEM_PHOTOS,
    NAME_MAX,
    NOTE_MAX,
    SECTION_MAX,
    TEXT_MAX,
)
from safety.services.inspections.checklists import (
    active_checklists,
    checklist_items,
    create_checklist,
    set_checklist_active,
    update_checklist,
)
from safety.services.inspections.files import item_photos
from safety.services.inspections.history import (
    HistoryRow,
    drafts_of,
    findings,
    history,
    history_workbook,
    inspection_of_hazard,
    summary,
)
from safety.services.inspections.lookups import (
    active_plans,
    all_checklists,
    checklist_names,
    checklist_or_none,
    current_item_counts,
    inspectors,
    is_inspection_photo,
    only_plan_due,
    plan_or_none,
    post_choices,
    posts_of,
    unit_by_code,
    units_by_code,
)
from safety.services.inspections.plans import (
    create_plan,
    due_plans,
    plan_is_late,
    plans_due_for,
    plans_for_unit,
    set_plan_active,
    update_plan,
)
from safety.services.inspections.recording import (
    SaveOutcome,
    delete_draft,
    hazard_ids_of,
    prepared_hazard,
    record_inspection,
    save_inspection,
    save_keeping_photos,
)
from safety.services.inspections.schedule import (
    SEASON_MONTHS,
    add_months,
    due_dates,
    next_occurrence,
)

__all__ = [
    "FUTURE_TOLERANCE",
    "HAZARD_DESCRIPTION_MAX",
    "HAZARD_LEVELS",
    "HAZARD_TITLE_MAX",
    "LOCATION_MAX",
    "MAX_ITEM_PHOTOS",
    "NAME_MAX",
    "NOTE_MAX",
    "SEASON_MONTHS",
    "SECTION_MAX",
    "TEXT_MAX",
    "HistoryRow",
    "SaveOutcome",
    "ServiceError",
    "active_checklists",
    "active_plans",
    "all_checklists",
    "checklist_names",
    "checklist_or_none",
    "current_item_counts",
    "inspectors",
    "is_inspection_photo",
    "only_plan_due",
    "plan_or_none",
    "post_choices",
    "posts_of",
    "unit_by_code",
    "units_by_code",
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
    "hazard_ids_of",
    "history",
    "history_workbook",
    "inspection_of_hazard",
    "item_photos",
    "next_occurrence",
    "plan_is_late",
    "plans_due_for",
    "plans_for_unit",
    "prepared_hazard",
    "record_inspection",
    "save_inspection",
    "save_keeping_photos",
    "set_checklist_active",
    "set_plan_active",
    "summary",
    "update_checklist",
    "update_plan",
]
