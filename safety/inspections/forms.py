"""Forms of the inspection pages.

They check shape only; the rules live in :mod:`safety.services.inspections`
and come back as field errors. The inspection form itself has one row per
checklist item and is read in ``views`` (its fields depend on the checklist).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from safety.models import InspectionStatus, ItemResult, PlanKind
from safety.services.hazards.labels import STATUS_LABELS as HAZARD_STATUSES

KIND_LABELS = {
    PlanKind.DAILY: _l("Daily"),
    PlanKind.WEEKLY: _l("Weekly"),
    PlanKind.MONTHLY: _l("Monthly"),
    PlanKind.QUARTERLY: _l("Quarterly"),
    PlanKind.SEASONAL: _l("Seasonal (at each change of season)"),
    PlanKind.HOLIDAY: _l("Holiday (yearly, on the start date)"),
    PlanKind.ONE_OFF: _l("One-off"),
}
RESULT_LABELS = {
    ItemResult.PASS: _l("Pass"),
    ItemResult.FAIL: _l("Fail"),
    ItemResult.NA: _l("Not applicable"),
}
STATUS_LABELS = {
    InspectionStatus.DRAFT: _l("Draft"),
    InspectionStatus.SUBMITTED: _l("Submitted"),
}
HAZARD_STATUS_LABELS = HAZARD_STATUSES  # the hazard register's words, defined once
LEVEL_LABELS = {"general": _l("General hazard"), "major": _l("Major hazard")}


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms wants SelectChoice)."""
    return [SelectChoice("" if v is None else str(v), label) for v, label in pairs]


def optional_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StartForm(FlaskForm):
    """Step one on a phone: which unit, which checklist."""

    class Meta:
        csrf = False  # a GET form: nothing changes

    unit = SelectField(_l("Unit"), choices=[], validators=[DataRequired()])
    checklist = SelectField(_l("Checklist"), coerce=optional_id, choices=[])
    location = StringField(_l("Location (optional)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Start"))


class PlanForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=optional_id, choices=[])
    checklist_id = SelectField(_l("Checklist"), coerce=optional_id, choices=[])
    kind = SelectField(
        _l("Plan kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    responsible_post_id = SelectField(_l("Responsible post"), coerce=optional_id, choices=[])
    start_date = DateField(
        _l("Start date"),
        validators=[DataRequired()],
        description=_l("The first due date; later ones follow from it."),
    )
    submit = SubmitField(_l("Save"))


class ChecklistImportForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class HistoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=optional_id, choices=[])
    subunits = BooleanField(_l("Include units below"), default=True)
    inspector = SelectField(_l("Inspector"), coerce=optional_id, choices=[])
    checklist = SelectField(_l("Checklist"), coerce=optional_id, choices=[])
    date_from = DateField(_l("Performed from"), validators=[Optional()])
    date_to = DateField(_l("Performed until"), validators=[Optional()])
    findings = SelectField(
        _l("Findings"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("yes", _l("With findings")),
            SelectChoice("no", _l("Without findings")),
        ],
    )
    submit = SubmitField(_l("Filter"))
