"""The register's pages: overview, a unit's register, a risk point, a post's controls, checks.

Everyone signed in reads; editing forms show only to those the service lets
edit (and the service checks again); checks only to the owner post's holders.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from safety import clock, permissions
from safety.models import Post, Risk, RiskControl, RiskPoint, Unit, User
from safety.risks import bp
from safety.risks.forms import AssessForm, CheckForm, ControlForm, PointForm, RiskForm, as_choices
from safety.services import photos, risk_checks, risks, risks_pages
from safety.services.errors import NotFound, ValidationError
from safety.services.validation import load


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page of the register needs a signed-in user."""
    return None


def _user() -> User:
    return current_user._get_current_object()


def _get(model: type, ident: int) -> Any:
    obj = load(model, ident)
    if obj is None:
        abort(404)
    return obj


def _words(labels: dict[Any, Any]) -> dict[Any, str]:
    """Lazy labels translated once per page, not once per cell of a big map or table."""
    return {key: str(label) for key, label in labels.items()}


def _labels() -> dict[str, Any]:
    return {
        "level_labels": _words(risks.LEVEL_LABELS),
        "kind_labels": _words(risks.KIND_LABELS),
        "control_labels": _words(risks.CONTROL_LABELS),
        "tier_labels": _words(risks.TIER_LABELS),
        "colour_words": _words(risks.COLOUR_WORDS),
        "colours": risks.COLOURS,
        "hex": risks.HEX,
        "level_order": risks.LEVEL_ORDER,
        "colour_of": risks.colour_of,
    }


def _apply(form: Any, error: ValidationError) -> None:
    """Service field names onto the form's fields; the rest as a flash."""
    for name, messages in error.fields.items():
        finder = getattr(form, "field_for", None)
        target = finder(name) if finder else getattr(form, name.replace(".", "_"), None)
        if target is None:
            target = getattr(form, name.replace(".", "_"), None)
        if target is not None:
            target.errors = list(target.errors) + list(messages)
        else:
            flash(f"{name}: {messages[0]}", "error")


# --- overview and a unit's register --------------------------------------------------


@bp.route("/")
def index() -> str:
    """Units with their risks by colour; my due checks first."""
    from safety.services.matrix import units_in_tree_order

    today = clock.today()
    return render_template(
        "risks/index.html",
        tree=units_in_tree_order(),
        counts=risks_pages.level_counts_by_unit(),
        due=risks_pages.my_due_checks(_user(), today),
        my_posts=risks_pages.my_posts(_user(), today),
        today=today,
        **_labels(),
    )


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id: int) -> Any:
    """A unit's register (风险分级管控清单): its risk points and their risks."""
    unit = _get(Unit, unit_id)
    today = clock.today()
    can_edit = permissions.can_edit_risk_register(_user(), unit.id, today)
    form = PointForm()
    status = 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            data = {
                "unit_id": unit.id,
                "name": form.name.data,
                "kind": form.kind.data,
                "location": form.location.data,
                "description": form.description.data,
            }
            try:
                point = risks.create_risk_point(_user(), data, now=clock.now(), today=today)
            except ValidationError as error:
                _apply(form, error)
                status = 422
            else:
                flash(_("Risk point %(name)s added.", name=point.name), "success")
                return redirect(url_for("risks.point", point_id=point.id))
        else:
            flash(_("The form expired; please send it again."), "error")
            status = 422
    return render_template(
        "risks/unit.html",
        unit=unit,
        views=risks_pages.point_views([unit.id]),
        form=form,
        can_edit=can_edit,
        **_labels(),
    ), status


# --- a risk point -------------------------------------------------------------------


def _point_page(point: RiskPoint, forms: dict[str, Any], status: int = 200) -> Any:
    today = clock.today()
    can_edit = permissions.can_edit_risk_register(_user(), point.unit_id, today)
    data = risks_pages.point_page(point)
    forms.setdefault("risk", RiskForm(prefix="new"))
    owners = as_choices(risks_pages.post_choices()) if can_edit and data["risks"] else []
    for risk in data["risks"]:
        forms.setdefault(f"assess{risk.id}", AssessForm(prefix=f"a{risk.id}"))
        control_form = forms.setdefault(f"control{risk.id}", ControlForm(prefix=f"c{risk.id}"))
        control_form.owner_post_id.choices = owners
    return render_template(
        "risks/point.html",
        point=point,
        data=data,
        forms=forms,
        can_edit=can_edit,
        today=today,
        scales=risks.SCALES,
        thresholds=risks.THRESHOLDS,
        required_tier=risks.REQUIRED_TIER,
        **_labels(),
    ), status


@bp.route("/points/<int:point_id>")
def point(point_id: int) -> Any:
    return _point_page(_get(RiskPoint, point_id), {})


def _require_editor(unit_id: int) -> None:
    if not permissions.can_edit_risk_register(_user(), unit_id, clock.today()):
        abort(403)


@bp.route("/points/<int:point_id>/risks", methods=["POST"])
def add_risk(point_id: int) -> Any:
    point = _get(RiskPoint, point_id)
    _require_editor(point.unit_id)
    form = RiskForm(prefix="new")
    if not form.validate_on_submit():
        flash(_("The form expired; please send it again."), "error")
        return _point_page(point, {"risk": form}, 422)
    data = {"event": form.event.data, "consequence": form.consequence.data, **form.values()}
    try:
        risk = risks.create_risk(_user(), point, data, now=clock.now(), today=clock.today())
    except ValidationError as error:
        _apply(form, error)
        return _point_page(point, {"risk": form}, 422)
    flash(_("Risk added: %(level)s.", level=risks.LEVEL_LABELS[risk.level]), "success")
    return redirect(url_for("risks.point", point_id=point.id, _anchor=f"risk-{risk.id}"))


@bp.route("/risks/<int:risk_id>/assess", methods=["POST"])
def assess(risk_id: int) -> Any:
    risk = _get(Risk, risk_id)
    point = risk.risk_point
    _require_editor(point.unit_id)
    form = AssessForm(prefix=f"a{risk.id}")
    if not form.validate_on_submit():
        flash(_("The form expired; please send it again."), "error")
        return _point_page(point, {f"assess{risk.id}": form}, 422)
    try:
        risks.assess_risk(_user(), risk, form.values(), now=clock.now(), today=clock.today())
    except ValidationError as error:
        _apply(form, error)
        return _point_page(point, {f"assess{risk.id}": form}, 422)
    flash(_("Risk re-assessed: %(level)s.", level=risks.LEVEL_LABELS[risk.level]), "success")
    return redirect(url_for("risks.point", point_id=point.id, _anchor=f"risk-{risk.id}"))


@bp.route("/risks/<int:risk_id>/controls", methods=["POST"])
def add_control(risk_id: int) -> Any:
    risk = _get(Risk, risk_id)
    point = risk.risk_point
    _require_editor(point.unit_id)
    form = ControlForm(prefix=f"c{risk.id}")
    form.owner_post_id.choices = as_choices(risks_pages.post_choices())
    if not form.validate_on_submit():
        flash(_("The form expired; please send it again."), "error")
        return _point_page(point, {f"control{risk.id}": form}, 422)
    data = {
        "kind": form.kind.data,
        "text": form.text.data,
        "owner_post_id": form.owner_post_id.data,
        "check_every_days": form.check_every_days.data,
    }
    try:
        risks.create_control(_user(), risk, data, now=clock.now(), today=clock.today())
    except ValidationError as error:
        _apply(form, error)
        return _point_page(point, {f"control{risk.id}": form}, 422)
    flash(_("Control added; its first check is due today."), "success")
    return redirect(url_for("risks.point", point_id=point.id, _anchor=f"risk-{risk.id}"))


# --- checks -------------------------------------------------------------------------


def criterion_choices() -> list[tuple[str, str]]:
    """Items of every published 判定标准 set, as the hazard report form offers them."""
    from safety.services import hazards

    return [(code, f"{code} {text}") for c in hazards.criteria_sets() for code, text in c.items]


@bp.route("/controls/<int:control_id>/check", methods=["GET", "POST"])
def check(control_id: int) -> Any:
    """Record a check on a phone: result, note, photos, and a hazard if it failed."""
    control = _get(RiskControl, control_id)
    today = clock.today()
    if not permissions.can_check_control(_user(), control.owner_post_id, today):
        abort(403)
    form = CheckForm()
    form.hazard_criterion.choices = as_choices(criterion_choices())
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                found = risk_checks.record_check(
                    _user(),
                    control,
                    form.values(),
                    now=clock.now(),
                    today=today,
                    photo_files=request.files.getlist(form.photos.name),
                )
            except ValidationError as error:
                _apply(form, error)
                status = 422
            else:
                if found.hazard_id:
                    flash(_("Check recorded; a hazard was raised."), "success")
                    return redirect(url_for("hazards.detail", hazard_id=found.hazard_id))
                flash(_("Check recorded."), "success")
                return redirect(url_for("risks.point", point_id=control.risk.risk_point_id))
        else:
            flash(_("The form expired; please send it again."), "error")
            status = 422
    return render_template(
        "risks/check.html", control=control, form=form, today=today, **_labels()
    ), status


@bp.route("/posts/<int:post_id>")
def post(post_id: int) -> str:
    """A post's controls and what is due: the page its 告知卡 QR code opens."""
    post = _get(Post, post_id)
    today = clock.today()
    return render_template(
        "risks/post.html",
        post=post,
        rows=risks_pages.post_controls(post),
        can_check=permissions.can_check_control(_user(), post.id, today),
        today=today,
        **_labels(),
    )


@bp.route("/photos/<name>")
def photo(name: str) -> Response:
    """A check's photo or thumbnail, for signed-in users only."""
    if risk_checks.photo_for(name) is None:
        abort(404)
    try:
        path = photos.photo_path(name)
    except NotFound:
        abort(404)
    mimetype = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(
        name.rsplit(".", 1)[-1], "application/octet-stream"
    )
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- for the matrix's gaps page (wired by the lead) ---------------------------------

RISK_GAP_TITLES = {
    "risk_without_control": _l("Risks without a control"),
    "risk_tier_too_low": _l("Risks controlled below the tier their level asks for"),
    "control_owner_vacant": _l("Vacant posts owning risk controls"),
}


def gap_link(gap: dict[str, Any]) -> tuple[str, str]:
    """Where a risk gap is fixed: (url, link text)."""
    if gap["type"] == "control_owner_vacant":
        return url_for("risks.post", post_id=gap["post_id"]), _("See the controls it owns")
    url = url_for("risks.point", point_id=gap["risk_point_id"], _anchor=f"risk-{gap['risk_id']}")
    return url, _("Add a control")
