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
    """Each item checked; errors name ``items.N.<field>``."""
    if not isinstance(raw_items, list | tuple):
        errors["items"] = _("Add at least one item.")
        return []
    if submit and not raw_items:
        errors["items"] = _("Add at least one item.")
    parsed: list[_ItemInput] = []
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            errors[f"items.{index}"] = _("Not a valid item.")
            continue
        tmpl = template[index] if index < len(template) else None
        parsed.append(_parse_item(errors, index, raw, tmpl, submit=submit))
    return parsed


def _parse_item(
    errors: dict[str, str],
    index: int,
    raw: dict[str, Any],
    tmpl: ChecklistItem | None,
    *,
    submit: bool,
) -> _ItemInput:
    prefix = f"items.{index}"
    text = _text(errors, f"{prefix}.text", raw.get("text"), TEXT_MAX, required=False)
    if text is None and tmpl is not None:
        text = tmpl.text
    elif text is None:
        errors[f"{prefix}.text"] = _("This field is required.")
    if tmpl is not None and text != tmpl.text:
        tmpl = None  # an item of its own, not the checklist's
    result = _item_result(errors, prefix, raw.get("result"), submit=submit)
    note = _text(errors, f"{prefix}.note", raw.get("note"), NOTE_MAX, required=False)
    raw_hazard = raw.get("hazard")
    hazard = (
        _item_hazard(errors, prefix, raw_hazard, submit=submit)
        if result == ItemResult.FAIL and raw_hazard
        else None
    )
    uploads, remove = _item_photos(errors, prefix, raw)
    return _ItemInput(
        index=index,
        text=text,
        result=result,
        note=note,
        hazard=hazard,
        uploads=uploads,
        remove_photo_ids=remove,
        template=tmpl,
    )


def _item_result(
    errors: dict[str, str], prefix: str, raw_result: Any, *, submit: bool
) -> ItemResult | None:
    """A draft may leave the result empty; submitting may not."""
    if raw_result in (None, ""):
        if submit:
            errors[f"{prefix}.result"] = _("Choose pass, fail or not applicable.")
        return None
    try:
        return ItemResult(raw_result)
    except ValueError:
        errors[f"{prefix}.result"] = _("Must be one of: %(allowed)s.", allowed="pass, fail, na")
        return None


def _item_hazard(
    errors: dict[str, str], prefix: str, raw_hazard: Any, *, submit: bool = True
) -> dict[str, Any] | None:
    """The hazard a failed item raises: ``{title, level, description}``."""
    if not isinstance(raw_hazard, dict):
        errors[f"{prefix}.hazard"] = _("Not a valid hazard.")
        return None
    level = raw_hazard.get("level")
    if level not in HAZARD_LEVELS:
        errors[f"{prefix}.hazard.level"] = _(
            "Must be one of: %(allowed)s.", allowed=", ".join(HAZARD_LEVELS)
        )
    found: dict[str, str] = {}
    criterion = raw_hazard.get("criterion")
    if submit and level in HAZARD_LEVELS:
        from safety.services.hazards import check_criterion  # hazards build on inspections

        # Contract §7: a major hazard raised names a published criterion (a
        # draft may still lack it).
        criterion = check_criterion(level, criterion, found) or criterion
    if "criterion" in found:
        errors[f"{prefix}.hazard.criterion"] = found["criterion"]
    return {
        "title": _text(
            errors,
            f"{prefix}.hazard.title",
            raw_hazard.get("title"),
            HAZARD_TITLE_MAX,
            required=True,
        ),
        "level": level,
        # Contract §7: a major hazard names its criterion; the hazard service
        # checks the code when the hazard is raised.
        "criterion": _text(errors, f"{prefix}.hazard.criterion", criterion, 50, required=False),
        "description": _text(
            errors,
            f"{prefix}.hazard.description",
            raw_hazard.get("description"),
            HAZARD_DESCRIPTION_MAX,
            required=False,
        ),
    }


def _item_photos(
    errors: dict[str, str], prefix: str, raw: dict[str, Any]
) -> tuple[list[Any], set[int]]:
    """New uploads (at most :data:`MAX_ITEM_PHOTOS`) and stored photos to remove."""
    try:
        remove = {int(x) for x in raw.get("remove_photo_ids") or ()}
    except (TypeError, ValueError):
        errors[f"{prefix}.photos"] = _("Not a valid photo.")
        remove = set()
    uploads = [u for u in raw.get("photos") or () if u]
    if len(uploads) > MAX_ITEM_PHOTOS:
        errors[f"{prefix}.photos"] = _("At most %(n)d photos at a time.", n=MAX_ITEM_PHOTOS)
    return uploads, remove
