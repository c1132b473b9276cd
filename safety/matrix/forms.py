"""Forms of the matrix area. Choices are filled in by the views; the services validate."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from safety.models import DutyCategory
from safety.services import matrix


def kind_choices(blank: bool = False) -> list[tuple[str, str]]:
    choices = [
        (k.value, f"{matrix.KIND_LETTERS[k]} · {matrix.KIND_LABELS[k]}") for k in matrix.KIND_ORDER
    ]
    return ([("", _l("Choose a kind"))] if blank else []) + choices


def category_choices() -> list[tuple[str, str]]:
    return [(c.value, matrix.CATEGORY_LABELS[c]) for c in DutyCategory]


class FilterForm(FlaskForm):
    """The matrix filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    unit_id = SelectField(_l("Unit and the units below it"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)
    submit = SubmitField(_l("Filter"))


class DutyForm(FlaskForm):
    title = StringField(_l("Duty title"))
    category = SelectField(_l("Category"), choices=category_choices, validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class ResponsibilityForm(FlaskForm):
    post_id = SelectField(_l("Post"), validate_choice=False)
    unit_id = SelectField(
        _l("Responsible for unit"),
        validate_choice=False,
        description=_l("Leadership and supervision also cover the units below it."),
    )
    kind = SelectField(_l("Kind"), choices=lambda: kind_choices(blank=True), validate_choice=False)
    duty_id = SelectField(_l("Duty (optional)"), validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class TargetForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), validate_choice=False)
    year = StringField(_l("Year"))
    title = StringField(_l("Target"))
    metric = StringField(
        _l("Metric (optional)"),
        description=_l("A short key, e.g. rectification_rate or major_accidents."),
    )
    target_value = StringField(_l("Value (optional)"), description=_l("e.g. 0 or ≥ 95%"))
    parent_id = SelectField(
        _l("Broken down from (optional)"),
        validate_choice=False,
        description=_l("A target of the unit directly above, for the same year."),
    )
    submit = SubmitField(_l("Save"))


class SignForm(FlaskForm):
    """Sign the version that was on screen (a newer one is refused, not signed blindly).

    Signing is deliberate (签字确认): the person types their password again.
    """

    version = HiddenField()
    password = PasswordField(
        _l("Your password, to confirm the signature"),
        render_kw={"autocomplete": "current-password", "required": True},
    )
    submit = SubmitField(_l("I have read this list and sign it"))


class ImportForm(FlaskForm):
    workbook = FileField(
        _l("Workbook (.xlsx)"), validators=[FileRequired(_l("Choose a file to import."))]
    )
    submit = SubmitField(_l("Import"))
