"""Labels, kinds and the small helpers every part of the matrix service shares."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from safety import permissions
from safety.models import (
    DutyCategory,
    PostLevel,
    ResponsibilityKind,
    User,
)
from safety.services.errors import Forbidden

#: Display order of kinds, and the one-letter mark shown in cells (主/领/监/直).


KIND_ORDER = (
    ResponsibilityKind.MAIN,
    ResponsibilityKind.LEADERSHIP,
    ResponsibilityKind.SUPERVISION,
    ResponsibilityKind.DIRECT,
)
KIND_LETTERS = {
    ResponsibilityKind.MAIN: _lp("kind letter", "M"),
    ResponsibilityKind.LEADERSHIP: _lp("kind letter", "L"),
    ResponsibilityKind.SUPERVISION: _lp("kind letter", "S"),
    ResponsibilityKind.DIRECT: _lp("kind letter", "D"),
}
KIND_LABELS = {
    ResponsibilityKind.MAIN: _l("Main responsibility"),
    ResponsibilityKind.LEADERSHIP: _l("Leadership responsibility"),
    ResponsibilityKind.SUPERVISION: _l("Supervision responsibility"),
    ResponsibilityKind.DIRECT: _l("Direct responsibility"),
}
CATEGORY_LABELS = {
    DutyCategory.INDUSTRY: _l("Industry safety"),
    DutyCategory.BUSINESS: _l("Business safety"),
    DutyCategory.PRODUCTION_OPERATION: _l("Production and operation safety"),
}
LEVEL_ORDER = (PostLevel.DECISION, PostLevel.MANAGEMENT, PostLevel.OPERATION)
LEVEL_LABELS = {
    PostLevel.DECISION: _l("Decision level"),
    PostLevel.MANAGEMENT: _l("Management level"),
    PostLevel.OPERATION: _l("Operation level"),
}

#: Item fields that make a change worth a new version (names are shown, not compared).
_CONTENT_KEYS = (
    "unit_id",
    "kind",
    "duty_id",
    "duty_title",
    "duty_category",
    "duty_description",
    "description",
)


# --- small validation helpers --------------------------------------------------


def _clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _text(errors: dict[str, str], name: str, value: Any, max_len: int, required: bool) -> str:
    text = _clean(value)
    if required and not text:
        errors[name] = _("This field is required.")
    elif len(text) > max_len:
        errors[name] = _("At most %(n)d characters.", n=max_len)
    return text


def require_matrix_admin(actor: User | None) -> None:
    """:raise Forbidden: unless ``actor`` may edit the matrix (see permissions)."""
    if not permissions.can_edit_matrix(actor):
        raise Forbidden(_("Only administrators may change the responsibility matrix."))
