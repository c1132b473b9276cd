"""Forms of the performance-of-duty pages (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class PeriodForm(FlaskForm):
    """Which period and unit to show (GET: no CSRF)."""

    class Meta:
        csrf = False

    period = StringField(
        _l("Period"), validators=[Optional(), Length(max=8)], description=_l("2026-Q4 or 2026")
    )
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()])


class ManualItemForm(FlaskForm):
    class Meta:
        csrf = False

    item = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    score = DecimalField(
        _l("Points"), validators=[Optional(), NumberRange(min=-100, max=100)], places=1
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class AssessForm(FlaskForm):
    manual = FieldList(FormField(ManualItemForm), min_entries=3, max_entries=20)
    version = HiddenField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    version = HiddenField(validators=[InputRequired()])


class DisputeForm(FlaskForm):
    note = TextAreaField(
        _l("What you dispute and why"), validators=[DataRequired(), Length(max=2000)]
    )
    version = HiddenField(validators=[InputRequired()])


class ActionForm(FlaskForm):
    user_id = IntegerField(
        _l("Person (id)"), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)]
    )
    post_id = IntegerField(
        _l("Post (id)"), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)]
    )
    kind = SelectField(_l("Action"), choices=[])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])
    decided_on = DateField(_l("Decided on"), validators=[InputRequired()])
    hazard_ids = StringField(
        _l("Hazard ids"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Separated by commas"),
    )


class RulesForm(FlaskForm):
    rules = TextAreaField(_l("Rules (JSON)"), validators=[DataRequired(), Length(max=20000)])
