"""Forms of the risk register: plain inputs, the services validate (one place)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import (
    FileField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from safety.services.risks import (
    CONTROL_LABELS,
    KIND_LABELS,
    LEC_C,
    LEC_E,
    LEC_L,
    LS_L,
    LS_S,
)

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"


def as_choices(pairs: list[tuple[str, Any]], *, blank: bool = True) -> list[SelectChoice]:
    head = [SelectChoice("", "—")] if blank else []
    return head + [SelectChoice(value, label) for value, label in pairs]


class ScaleLabel:
    """``"6 · Quite possible"``, translated when rendered, not when the module is imported."""

    def __init__(self, value: float, meaning: Any) -> None:
        self.value, self.meaning = value, meaning

    def __str__(self) -> str:
        return f"{self.value:g} · {self.meaning}"

    def __html__(self) -> str:
        return str(escape(str(self)))


def scale_choices(table: list[tuple[float, Any]]) -> list[SelectChoice]:
    return as_choices([(f"{value:g}", ScaleLabel(value, label)) for value, label in table])


class PointForm(FlaskForm):
    name = StringField(_l("Risk point name"), render_kw={"maxlength": 200, "required": True})
    kind = SelectField(
        _l("Kind of risk point"),
        choices=as_choices([(k.value, label) for k, label in KIND_LABELS.items()]),
        validate_choice=False,
    )
    location = StringField(_l("Where"), render_kw={"maxlength": 300})
    description = TextAreaField(_l("Description"), render_kw={"rows": 2})
    submit = SubmitField(_l("Add risk point"))


class AssessForm(FlaskForm):
    method = RadioField(
        _l("Method"),
        choices=as_choices([("lec", _l("LEC")), ("ls", _l("LS (risk matrix)"))], blank=False),
        default="lec",
        validate_choice=False,
    )
    lec_l = SelectField(_l("L: likelihood"), choices=scale_choices(LEC_L), validate_choice=False)
    lec_e = SelectField(_l("E: exposure"), choices=scale_choices(LEC_E), validate_choice=False)
    lec_c = SelectField(_l("C: consequence"), choices=scale_choices(LEC_C), validate_choice=False)
    ls_l = SelectField(_l("L: likelihood"), choices=scale_choices(LS_L), validate_choice=False)
    ls_s = SelectField(_l("S: severity"), choices=scale_choices(LS_S), validate_choice=False)
    direct_major_reason = StringField(
        _l("Major by direct judgement (reason)"),
        description=_l("Fill in only when a rule makes it major whatever the score."),
        render_kw={"maxlength": 2000},
    )
    submit = SubmitField(_l("Assess"))

    def values(self) -> dict[str, Any]:
        """The service's fields from the form (``l`` from the chosen method)."""
        if self.method.data == "ls":
            data = {"l": self.ls_l.data, "s": self.ls_s.data}
        else:
            data = {"l": self.lec_l.data, "e": self.lec_e.data, "c": self.lec_c.data}
        data["method"] = self.method.data
        data["direct_major_reason"] = self.direct_major_reason.data
        return data

    def field_for(self, name: str) -> Any:
        if name in ("l", "e", "c", "s"):
            prefix = "ls" if self.method.data == "ls" else "lec"
            return getattr(self, f"{prefix}_{name}", None)
        return getattr(self, name, None)


class RiskForm(AssessForm):
    event = StringField(_l("Risk event"), render_kw={"maxlength": 300, "required": True})
    consequence = StringField(_l("Possible consequence"), render_kw={"maxlength": 300})
    submit = SubmitField(_l("Add risk"))


class ControlForm(FlaskForm):
    kind = SelectField(
        _l("Kind of control"),
        choices=as_choices([(k.value, label) for k, label in CONTROL_LABELS.items()]),
        validate_choice=False,
    )
    text = TextAreaField(_l("Control measure"), render_kw={"rows": 2, "required": True})
    owner_post_id = SelectField(_l("Owner post"), choices=[], validate_choice=False)
    check_every_days = StringField(
        _l("Check every (days)"), default="7", render_kw={"inputmode": "numeric"}
    )
    submit = SubmitField(_l("Add control"))


class CheckForm(FlaskForm):
    result = RadioField(
        _l("Result"),
        choices=as_choices(
            [("effective", _l("Control effective")), ("failed", _l("Control failed"))], blank=False
        ),
        validate_choice=False,
    )
    note = TextAreaField(_l("What you found"), render_kw={"rows": 3})
    photos = MultipleFileField(
        _l("Photos"), render_kw={"accept": PHOTO_ACCEPT, "capture": "environment"}
    )
    hazard_title = StringField(
        _l("Hazard found (title)"),
        description=_l("A failed check with a title raises a hazard."),
        render_kw={"maxlength": 300},
    )
    hazard_level = SelectField(
        _l("Hazard grade"),
        choices=as_choices(
            [("general", _l("General hazard")), ("major", _l("Major hazard"))], blank=False
        ),
        validate_choice=False,
    )
    hazard_criterion = SelectField(
        _l("Criterion (判定标准)"),
        choices=[],
        validate_choice=False,
        render_kw={"data-search": "1"},
        description=_l("A major hazard must meet an item of the published criteria."),
    )
    submit = SubmitField(_l("Record check"))

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {"result": self.result.data, "note": self.note.data}
        if self.result.data == "failed" and (self.hazard_title.data or "").strip():
            data["hazard"] = {
                "title": self.hazard_title.data,
                "level": self.hazard_level.data,
                "criterion": self.hazard_criterion.data or None,
            }
        return data


class ImportForm(FlaskForm):
    file = FileField(
        _l("Excel file (.xlsx)"),
        render_kw={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )
    submit = SubmitField(_l("Import"))
