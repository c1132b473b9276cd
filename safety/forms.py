"""Form helpers shared by every blueprint."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from safety.services.errors import ValidationError


class EmptyForm(FlaskForm):
    """For POST-only actions: carries the CSRF token and nothing else."""

    submit = SubmitField(_l("Confirm"))


def apply_service_errors(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's field errors on the form's fields (or flash the rest)."""
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            for message in messages:
                flash(message, "error")


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after sign-in (no open redirect).

    Judged as the browser will read the URL: it drops tabs and new lines
    anywhere and treats a backslash as a slash, so ``/<tab>/evil.example``
    means ``//evil.example``. Anything holding a control character or a
    backslash is refused outright, and what is left must be a path on this
    site: one leading slash, no scheme, no host.
    """
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
