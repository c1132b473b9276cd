"""Reading the items of an inspection as given (form or API) into checked values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from safety.models import (
    ChecklistItem,
    ItemResult,
)
from safety.services.inspections._common import (
    HAZARD_DESCRIPTION_MAX,
    HAZARD_LEVELS,
    HAZARD_TITLE_MAX,
    MAX_ITEM_PHOTOS,
    NOTE_MAX,
    TEXT_MAX,
    _text,
)

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
