"""Form helpers shared by every blueprint."""

from __future__ import annotations

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
    """Only local paths are followed after sign-in (no open redirect)."""
    return bool(
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and ":" not in target.split("?")[0]
    )
