"""Checks every service shares: ids that must name a row, enum values, and the
field-error dict they fill (raised as one :class:`ValidationError`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from safety.extensions import db
from safety.services.errors import NotFound, ValidationError

#: Control characters no text input may hold: C0 but tab, LF and CR; DEL; C1;
#: lone surrogates and the two non-characters (they break XML and exports).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (imports, form fields)."""
    return CONTROL_RE.sub("", text)


#: Ids are 32-bit integers on PostgreSQL: a bigger one names nothing (and must
#: not reach the database, which would answer with an error, not a miss).
MAX_ID = 2**31 - 1


def load(model: type, ident: Any) -> Any:
    """The row with id ``ident``, or None for anything that cannot be an id."""
    if isinstance(ident, bool):
        return None
    try:
        number = int(ident)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 1 <= number <= MAX_ID:
        return None
    return db.session.get(model, number)


def load_or_404(model: type, ident: Any, message: str | None = None) -> Any:
    """:raise NotFound: unless ``ident`` names a row of ``model``."""
    obj = load(model, ident)
    if obj is None:
        raise NotFound(message or _("Not found."))
    return obj


def ref(errors: dict[str, str], name: str, model: type, ident: Any, required: bool = False) -> Any:
    """An id in the input that must name an existing row, else a field error."""
    if ident is None or ident == "":
        if required:
            errors[name] = _("This field is required.")
        return None
    obj = load(model, ident)
    if obj is None:
        errors[name] = _("No such record: %(id)s.", id=ident)
    return obj


def choice(errors: dict[str, str], name: str, enum_cls: Any, value: Any) -> Any:
    """A member of ``enum_cls`` from its value, else a field error listing the allowed."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value.strip() if isinstance(value, str) else value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        errors[name] = _("Must be one of: %(allowed)s.", allowed=allowed)
        return None


def raise_if_any(errors: Mapping[str, str]) -> None:
    """:raise ValidationError: naming every bad field at once."""
    if errors:
        raise ValidationError(dict(errors))
