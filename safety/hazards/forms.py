"""Forms of the hazard register.

Fields are plain text inputs: the services parse and validate (one place for
the rules), so a form only carries CSRF and the user's input back.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from safety.services.hazards import (
    CATEGORIES,
    CATEGORY_LABELS,
    LEC_C,
    LEC_E,
    LEC_L,
    LEVEL_LABELS,
    PLAN_LABELS,
)

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"


def as_choices(pairs: list[tuple[str, Any]], *, blank: bool = True) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs, with an empty first option."""
    head = [SelectChoice("", "—")] if blank else []
    return head + [SelectChoice(value, label) for value, label in pairs]


def _lec_choices(table: list) -> list[SelectChoice]:
    return as_choices([(f"{value:g}", f"{value:g} · {label}") for value, label in table])


class ReportForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 300, "required": True})
    unit_id = SelectField(_l("Unit"), choices=[], validate_choice=False)
    level = RadioField(
        _l("Grade"),
        choices=as_choices([(lv.value, label) for lv, label in LEVEL_LABELS.items()], blank=False),
        default="general",
        validate_choice=False,
    )
    category = SelectField(
        _l("Category"),
        choices=as_choices([(c, CATEGORY_LABELS[c]) for c in CATEGORIES]),
        validate_choice=False,
    )
    location = StringField(_l("Location"), render_kw={"maxlength": 300})
    description = TextAreaField(_l("Hazard description"))
    found_at = StringField(
        _l("Found at"), render_kw={"type": "datetime-local"}, description=_l("Leave empty for now.")
    )
    risk_l = SelectField(_l("L · likelihood"), choices=_lec_choices(LEC_L), validate_choice=False)
    risk_e = SelectField(_l("E · exposure"), choices=_lec_choices(LEC_E), validate_choice=False)
    risk_c = SelectField(_l("C · consequence"), choices=_lec_choices(LEC_C), validate_choice=False)
    photos = MultipleFileField(
        _l("Photos"),
        render_kw={"accept": PHOTO_ACCEPT, "multiple": True},
        description=_l("JPEG, PNG or WebP; several at once."),
    )
    submit = SubmitField(_l("Report hazard"))


class _VersionedForm(FlaskForm):
    version = HiddenField()


class AssignForm(_VersionedForm):
    accountable_post_id = SelectField(_l("Accountable post"), choices=[], validate_choice=False)
    deadline = StringField(_l("Deadline"), render_kw={"type": "date"})
    measures = TextAreaField(_l("Measures"))
    funds = StringField(
        _l("Funds (yuan)"), render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    contingency_plan = TextAreaField(_l("Contingency plan"))
    plan_objective = TextAreaField(PLAN_LABELS["objective"])
    plan_methods = TextAreaField(PLAN_LABELS["methods"])
    plan_resources = TextAreaField(PLAN_LABELS["resources"])
    plan_organisation = TextAreaField(PLAN_LABELS["organisation"])
    plan_schedule = TextAreaField(PLAN_LABELS["schedule"])
    plan_safety_measures = TextAreaField(PLAN_LABELS["safety_measures"])
    submit = SubmitField(_l("Assign"))


class SubmitForm(_VersionedForm):
    note = TextAreaField(_l("What was done"))
    photos = MultipleFileField(
        _l("Evidence photos"), render_kw={"accept": PHOTO_ACCEPT, "multiple": True}
    )
    submit = SubmitField(_l("Submit rectification"))


class VerifyForm(_VersionedForm):
    note = TextAreaField(_l("Verification note"))
    submit = SubmitField(_l("Verify and close"))


class RejectForm(_VersionedForm):
    note = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Reject"))


class ExtendForm(_VersionedForm):
    deadline = StringField(_l("New deadline"), render_kw={"type": "date"})
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Extend deadline"))


class VoidForm(_VersionedForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Void"))


class AuthorityForm(_VersionedForm):
    reported_to_authority_on = StringField(
        _l("Reported to the authority on"), render_kw={"type": "date"}
    )
    listed_for_supervision = BooleanField(_l("Listed for supervision (挂牌督办)"))
    supervising_authority = StringField(_l("Supervising authority"))
    submit = SubmitField(_l("Save"))


class WriteOffForm(_VersionedForm):
    written_off_on = StringField(_l("Written off on (核销)"), render_kw={"type": "date"})
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Write off"))


ACTION_FORMS: dict[str, type[_VersionedForm]] = {
    "assign": AssignForm,
    "submit": SubmitForm,
    "verify": VerifyForm,
    "reject": RejectForm,
    "extend": ExtendForm,
    "void": VoidForm,
    "authority": AuthorityForm,
    "write_off": WriteOffForm,
}
