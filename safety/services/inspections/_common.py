"""Limits and small validation helpers shared by the inspection services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _

from safety.services.errors import ValidationError

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


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}.{k}": v for k, v in error.fields.items()})
