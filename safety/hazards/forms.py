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
    LEVEL_LABELS,
    PLAN_LABELS,
)

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"


def as_choices(pairs: list[tuple[str, Any]], *, blank: bool = True) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs, with an empty first option."""
    head = [SelectChoice("", "—")] if blank else []
    return head + [SelectChoice(value, label) for value, label in pairs]


class ReportForm(FlaskForm):
    """Report a hazard: its own grade (general/major). Risks are graded (LEC/LS) in
    the risk register; a hazard raised by a failed control check shows that risk's colour."""

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
    criterion = SelectField(
        _l("Criterion (判定标准)"),
        choices=[],
        validate_choice=False,
        render_kw={"data-search": "1"},
        description=_l("A major hazard must meet an item of the published criteria."),
    )
    basis = StringField(
        _l("Rule or standard it breaks"),
        render_kw={"maxlength": 500},
        description=_l("Optional for a general hazard."),
    )
    location = StringField(_l("Location"), render_kw={"maxlength": 300})
    description = TextAreaField(_l("Hazard description"))
    found_at = StringField(
        _l("Date found"),
        render_kw={"type": "datetime-local"},
        description=_l("Leave empty for now."),
    )
    fixed_on_spot = BooleanField(_l("Put right on the spot (即查即改)"))
    measures = TextAreaField(_l("What was done"))
    confirm_similar = HiddenField()
    photos = MultipleFileField(
        _l("Photos"),
        render_kw={"accept": PHOTO_ACCEPT, "multiple": True},
        description=_l("JPEG, PNG or WebP; several at once."),
    )
    submit = SubmitField(_l("Report hazard"))


class _VersionedForm(FlaskForm):
    version = HiddenField()


class AssignForm(_VersionedForm):
    accountable_post_id = SelectField(
        _l("Accountable post"),
        choices=[],
        validate_choice=False,
        render_kw={"data-search": "1", "aria-describedby": "post-search-hint"},
    )
    deadline = StringField(_l("Deadline"), render_kw={"type": "date"})
    measures = TextAreaField(_l("Measures"))
    funds = StringField(
        _l("Funds (yuan)"), render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    contingency_plan = TextAreaField(_l("Preventive and emergency measures"))
    stop_work = BooleanField(_l("People withdrawn or work stopped (停产停业)"))
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
    evaluation = TextAreaField(
        _l("Evaluation (评估)"), description=_l("Required for a major hazard.")
    )
    submit = SubmitField(_l("Verify and close"))


class RejectForm(_VersionedForm):
    note = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Reject"))


class ExtendForm(_VersionedForm):
    deadline = StringField(_l("New deadline"), render_kw={"type": "date"})
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Extend the rectification deadline"))


class RequestExtensionForm(_VersionedForm):
    deadline = StringField(_l("New deadline"), render_kw={"type": "date"})
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Ask for more time"))


class RefuseExtensionForm(_VersionedForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Refuse the extension"))


class VoidForm(_VersionedForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Void this hazard"))


class ApprovePlanForm(_VersionedForm):
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Approve the plan"))


class AuthorityForm(_VersionedForm):
    authority = StringField(_l("Authority"), render_kw={"maxlength": 200})
    reported_on = StringField(_l("Reported to the authority on"), render_kw={"type": "date"})
    listed = BooleanField(_l("Listed for supervision (挂牌督办)"))
    supervision_deadline = StringField(_l("Supervision deadline"), render_kw={"type": "date"})
    submit = SubmitField(_l("Record the report to the authority"))


class RegradeForm(_VersionedForm):
    level = SelectField(
        _l("Grade"),
        choices=as_choices([(lv.value, label) for lv, label in LEVEL_LABELS.items()]),
        validate_choice=False,
    )
    criterion = SelectField(
        _l("Criterion (判定标准)"),
        choices=[],
        validate_choice=False,
        render_kw={"data-search": "1"},
    )
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Change the grade"))


class WriteOffForm(_VersionedForm):
    authority = StringField(_l("Authority"), render_kw={"maxlength": 200})
    decided_on = StringField(_l("Written off on (核销)"), render_kw={"type": "date"})
    document_no = StringField(_l("Document number"), render_kw={"maxlength": 100})
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Write off"))


ACTION_FORMS: dict[str, type[_VersionedForm]] = {
    "assign": AssignForm,
    "submit": SubmitForm,
    "verify": VerifyForm,
    "reject": RejectForm,
    "extend": ExtendForm,
    "request_extension": RequestExtensionForm,
    "refuse_extension": RefuseExtensionForm,
    "void": VoidForm,
    "approve_plan": ApprovePlanForm,
    "report_authority": AuthorityForm,
    "regrade": RegradeForm,
    "write_off": WriteOffForm,
}

#: Form fields → the service's data keys, per action (everything but version/submit).
FORM_DATA_SKIP = frozenset({"csrf_token", "version", "submit", "photos"})


def form_data(action: str, form: Any) -> dict[str, Any]:
    """The data :func:`safety.services.hazards.perform` takes, from an action form."""
    data: dict[str, Any] = {}
    plan: dict[str, Any] = {}
    for f in form:
        name = f.short_name
        if name in FORM_DATA_SKIP:
            continue
        if name.startswith("plan_"):
            plan[name.removeprefix("plan_")] = f.data
        else:
            data[name] = f.data
    if action == "assign":
        data["plan"] = plan
    return data
