"""Scorecards (mine, to assess), one scorecard with its records, the unit's
公示 board, accountability actions and the scoring rules (admins).

Views stay thin: they read through the services and call them for changes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from safety import clock, permissions
from safety.duty import bp
from safety.duty.forms import (
    ActionForm,
    AssessForm,
    ConfirmForm,
    DisputeForm,
    PeriodForm,
    RulesForm,
)
from safety.models import AssessmentStatus, User
from safety.services import duty
from safety.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationError,
)

STATUS_LABELS = {
    AssessmentStatus.DRAFT: _l("Not yet assessed"),
    AssessmentStatus.ASSESSED: _l("Assessed"),
    AssessmentStatus.CONFIRMED: _l("Confirmed"),
    AssessmentStatus.DISPUTED: _l("Disputed"),
}
ACTION_LABELS = duty.ACTION_KIND_LABELS


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in people."""


def _me() -> User:
    return current_user._get_current_object()


def _period() -> str:
    text = (request.args.get("period") or "").strip()
    return text or duty.current_period(clock.today()).code


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "indicator_labels": duty.rules.INDICATOR_LABELS,
        "grade_label": duty.grade_label,
    }


@bp.route("/")
def index() -> str:
    """My scorecards and those I assess, for one period."""
    form = PeriodForm(request.args)
    period = _period()
    try:
        mine = duty.my_scorecards(_me(), period, today=clock.today(), now=clock.now())
        to_assess = duty.to_assess_for(_me(), period, today=clock.today(), now=clock.now())
    except ValidationError as error:
        form.period.errors = list(error.fields.values())
        mine, to_assess = [], []
    return render_template(
        "duty/index.html", form=form, period=period, mine=mine, to_assess=to_assess, **_labels()
    )


def _forms(row: Any) -> dict[str, Any]:
    me, today = _me(), clock.today()
    disputed = row.status == AssessmentStatus.DISPUTED
    can_assess = row.status != AssessmentStatus.CONFIRMED and permissions.can_assess(
        me, row.post, disputed=disputed, today=today
    )
    can_answer = row.status == AssessmentStatus.ASSESSED and row.user_id == me.id
    assess = AssessForm(prefix="assess", version=row.version) if can_assess else None
    if assess is not None and request.method == "GET":
        for entry, item in zip(assess.manual.entries, row.manual or [], strict=False):
            entry.form.item.data, entry.form.note.data = item["item"], item.get("note")
            entry.form.score.data = Decimal(str(item["score"]))
    return {
        "assess_form": assess,
        "confirm_form": ConfirmForm(prefix="confirm", version=row.version) if can_answer else None,
        "dispute_form": DisputeForm(prefix="dispute", version=row.version) if can_answer else None,
    }


@bp.route("/assessments/<int:assessment_id>")
def detail(assessment_id: int) -> str:
    """One scorecard: indicators with the records behind them, manual items, actions."""
    row = duty.get_scorecard(assessment_id)
    if not duty.may_read(_me(), row, today=clock.today()):
        abort(403)
    return render_template(
        "duty/detail.html",
        row=row,
        records=duty.scorecard_records(row),
        actions=duty.scorecards.actions_for(row),
        **_forms(row),
        **_labels(),
    )


def _manual_of(form: AssessForm) -> list[dict[str, Any]]:
    items = []
    for entry in form.manual.entries:
        item, points = (entry.form.item.data or "").strip(), entry.form.score.data
        if item or points is not None:
            items.append(
                {
                    "item": item,
                    "score": float(points) if points is not None else None,
                    "note": entry.form.note.data,
                }
            )
    return items


def _version(field: Any) -> int | None:
    try:
        return int(field.data)
    except (TypeError, ValueError):
        return None


def _act(assessment_id: int, call: Any, done: str) -> Response:
    try:
        call()
    except (Conflict, Forbidden, ValidationError) as error:
        message = error.message
        if isinstance(error, ValidationError):
            message = "; ".join(str(m) for m in error.fields.values())
        flash(message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("duty.detail", assessment_id=assessment_id))


@bp.route("/assessments/<int:assessment_id>/assess", methods=["POST"])
def assess(assessment_id: int) -> Response:
    form = AssessForm(prefix="assess")
    if not form.validate():
        flash(_("Check the manual items: each needs a name and points."), "error")
        return redirect(url_for("duty.detail", assessment_id=assessment_id))
    return _act(
        assessment_id,
        lambda: duty.assess(
            _me(),
            assessment_id,
            manual=_manual_of(form),
            version=_version(form.version),
            today=clock.today(),
            now=clock.now(),
        ),
        _("Scorecard assessed; the person has been told."),
    )


@bp.route("/assessments/<int:assessment_id>/confirm", methods=["POST"])
def confirm(assessment_id: int) -> Response:
    form = ConfirmForm(prefix="confirm")
    if not form.validate():
        abort(400)
    return _act(
        assessment_id,
        lambda: duty.confirm(_me(), assessment_id, version=_version(form.version), now=clock.now()),
        _("You confirmed your scorecard."),
    )


@bp.route("/assessments/<int:assessment_id>/dispute", methods=["POST"])
def dispute(assessment_id: int) -> Response:
    form = DisputeForm(prefix="dispute")
    if not form.validate():
        flash(_("Say what you dispute and why."), "error")
        return redirect(url_for("duty.detail", assessment_id=assessment_id))
    return _act(
        assessment_id,
        lambda: duty.dispute(
            _me(),
            assessment_id,
            note=form.note.data,
            version=_version(form.version),
            now=clock.now(),
        ),
        _("Your dispute has been sent up for a decision."),
    )


@bp.route("/board")
def board() -> str:
    """公示: the period's grades of a unit and the units below it, printable."""
    form = PeriodForm(request.args)
    units = duty.board_units()
    form.unit.choices = [("", _("Whole group"))] + [(str(u.id), u.name) for u in units]
    unit_id = int(form.unit.data) if (form.unit.data or "").isdigit() else None
    period = _period()
    try:
        rows = duty.board(period, unit_id=unit_id, today=clock.today(), now=clock.now())
    except ValidationError as error:
        form.period.errors = list(error.fields.values())
        rows = []
    return render_template("duty/board.html", form=form, period=period, rows=rows, **_labels())


def _require_admin() -> User:
    if not permissions.is_admin(_me()):
        abort(403)
    return _me()


def _ids(text: str | None) -> list[Any]:
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


@bp.route("/actions", methods=["GET", "POST"])
def actions() -> str | Response:
    """Accountability actions (失职追责): the list, and a form to record one (admins)."""
    _require_admin()
    form = ActionForm(
        user_id=request.args.get("user_id", type=int),
        post_id=request.args.get("post_id", type=int),
        hazard_ids=request.args.get("hazard_ids"),
    )
    form.kind.choices = [(k.value, str(label)) for k, label in ACTION_LABELS.items()]
    if form.validate_on_submit():
        try:
            duty.create_action(
                _me(),
                user_id=form.user_id.data,
                post_id=form.post_id.data,
                kind=form.kind.data,
                reason=form.reason.data,
                decided_on=form.decided_on.data,
                hazard_ids=_ids(form.hazard_ids.data),
                now=clock.now(),
            )
        except ValidationError as error:
            for name, message in error.fields.items():
                getattr(form, name, form.reason).errors.append(message)
        else:
            flash(_("Accountability action recorded."), "success")
            return redirect(url_for("duty.actions"))
    return render_template("duty/actions.html", form=form, rows=duty.recent_actions(), **_labels())


@bp.route("/agreements/<int:post_id>/<int:year>.pdf")
def agreement_pdf(post_id: int, year: int) -> Response:
    """The post's responsibility agreement (安全生产责任书) of ``year`` as a PDF."""
    try:
        data = duty.agreement_pdf(post_id, year, clock.today())
    except NotFound:
        abort(404)
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"agreement-{post_id}-{year}.pdf",
        max_age=0,
    )


@bp.route("/rules", methods=["GET", "POST"])
def rules() -> str | Response:
    """The scoring rules as JSON; saving makes a new version (admins)."""
    _require_admin()
    version, current = duty.current_rules()
    form = RulesForm(rules=json.dumps(current, ensure_ascii=False, indent=2))
    if form.validate_on_submit():
        try:
            saved = duty.save_rules(_me(), json.loads(form.rules.data), now=clock.now())
        except ValueError:
            form.rules.errors.append(_("This is not valid JSON."))
        except ServiceError as error:
            fields = getattr(error, "fields", {}) or {}
            form.rules.errors.extend(f"{k}: {v}" for k, v in fields.items())
        else:
            flash(_("Rules saved as version %(version)d.", version=saved.version), "success")
            return redirect(url_for("duty.rules"))
    return render_template("duty/rules.html", form=form, version=version)
