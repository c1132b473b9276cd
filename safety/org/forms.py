"""Forms of the organisation pages.

They check shape only (required, lengths, choices); the rules (unique
codes, no cycles, overlapping holdings…) live in :mod:`safety.services.org`
and come back as field errors through ``apply_service_errors``. Field names
match the services' argument names so those errors land on the right field.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from safety.models import Locale, PostLevel

LEVEL_LABELS = {
    PostLevel.DECISION: _l("Decision level"),
    PostLevel.MANAGEMENT: _l("Management level"),
    PostLevel.OPERATION: _l("Operation level"),
}
LOCALE_LABELS = {Locale.ZH_CN: "中文", Locale.EN: "English"}


def optional_id(value: Any) -> int | None:
    """Coerce a select's value: "" means none; anything else must be a number."""
    if value is None or value == "":
        return None
    number = int(value)
    if not 0 < number < 2**31:
        raise ValueError("out of range")
    return number


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Short and unique, e.g. SODA-CALC. Imports refer to units by code."),
    )
    parent_id = SelectField(_l("Parent unit"), coerce=optional_id, choices=[])
    submit = SubmitField(_l("Save"))


class PostForm(FlaskForm):
    title = StringField(_l("Post title"), validators=[DataRequired(), Length(max=200)])
    unit_id = SelectField(_l("Unit"), coerce=optional_id, choices=[])
    level = SelectField(
        _l("Level"),
        choices=[SelectChoice(level.value, label) for level, label in LEVEL_LABELS.items()],
        default=PostLevel.MANAGEMENT.value,
    )
    superior_post_id = SelectField(_l("Superior post"), coerce=optional_id, choices=[])
    business_duties = TextAreaField(
        _l("Business duties"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Shown beside the post's safety duties (一岗双责)."),
    )
    party = BooleanField(
        _l("Party post"),
        description=_l("A post of the Party organisation (secretary, discipline, union…)."),
    )
    submit = SubmitField(_l("Save"))


class PersonForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(loc.value, label) for loc, label in LOCALE_LABELS.items()],
        default=Locale.ZH_CN.value,
    )
    is_admin = BooleanField(_l("Administrator"))
    submit = SubmitField(_l("Save"))


class NewPersonForm(PersonForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 8 characters. Tell it to the person; they can change it."),
    )


class HoldingForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=optional_id, choices=[])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(
        _l("End date"), validators=[Optional()], description=_l("Empty: open-ended.")
    )
    submit = SubmitField(_l("Assign holder"))


class EndHoldingForm(FlaskForm):
    end_date = DateField(
        _l("Last day"),
        validators=[DataRequired()],
        description=_l("The last day this person holds the post."),
    )
    submit = SubmitField(_l("End holding"))


class ImportForm(FlaskForm):
    workbook = FileField(
        _l("Workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a workbook to upload.")),
            FileAllowed(["xlsx"], _l("Only .xlsx workbooks can be imported.")),
        ],
    )
    submit = SubmitField(_l("Import"))
