"""Views of the hazard register: list, report, detail with actions, photos, export."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlencode

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from safety import clock
from safety.hazards import bp
from safety.hazards.forms import ACTION_FORMS, ReportForm, as_choices, form_data
from safety.models import Hazard, HazardLevel, HazardStatus, User
from safety.services import hazards as svc
from safety.services import ledger, photos
from safety.services.errors import Conflict, Forbidden, NotFound, ValidationError
from safety.services.overdue import days_left, days_overdue, is_overdue

PAGE_SIZES = (20, 50, 100)


def _user() -> User:
    return current_user._get_current_object()


# --- choices ---------------------------------------------------------------------


def unit_choices() -> list[tuple[str, str]]:
    return svc.unit_choices()


def criterion_choices(sets: list[Any] | None = None) -> list[tuple[str, str]]:
    """Items of every published 判定标准 set, labelled with their code."""
    sets = svc.criteria_sets() if sets is None else sets
    return [(code, f"{code} {text}") for c in sets for code, text in c.items]


# --- filters ------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def filters_from(args: MultiDict) -> svc.HazardFilters:
    """Filters from the query string; values that name nothing are ignored."""
    statuses = []
    for raw in args.getlist("status"):
        try:
            statuses.append(HazardStatus(raw))
        except ValueError:
            continue
    try:
        level = HazardLevel(args["level"]) if args.get("level") else None
    except ValueError:
        level = None
    overdue = {"yes": True, "true": True, "no": False, "false": False}.get(
        (args.get("overdue") or "").lower()
    )
    sort = args.get("sort") if args.get("sort") in ("found", "deadline") else "found"
    return svc.HazardFilters(
        status=statuses,
        unit_id=_int(args.get("unit_id")),
        level=level,
        overdue=overdue,
        accountable_post_id=_int(args.get("post_id")),
        mine=args.get("mine") in ("1", "on", "true", "yes"),
        q=(args.get("q") or "").strip()[:100] or None,
        sort=sort,
    )


def _query_without(*names: str, **extra: Any) -> str:
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in names and v != ""]
    pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


@bp.route("/")
@login_required
def index() -> str:
    """The register: filters, a page of hazards, overdue badges, export link."""
    today = clock.today()
    filters = filters_from(request.args)
    limit = _int(request.args.get("limit")) or PAGE_SIZES[0]
    if limit not in PAGE_SIZES:
        limit = PAGE_SIZES[0]
    cursor = request.args.get("cursor") or None
    choices = svc.list_choices(filters.unit_id)  # one query, also the unit's subtree
    sub = choices.subtree
    try:
        page = svc.list_hazards(
            filters, user=_user(), today=today, cursor=cursor, limit=limit, subtree=sub
        )
    except ValidationError:
        flash(_("That page link is no longer valid; showing the first page."), "info")
        page = svc.list_hazards(filters, user=_user(), today=today, limit=limit, subtree=sub)
        cursor = None
    linked = svc.linked_risk_levels(page.items)
    rows = [
        row_for(h, page.holders.get(h.accountable_post_id, []), today, linked.get(h.id))
        for h in page.items
    ]
    counts = svc.status_counts(sub, today=today)
    return render_template(
        "hazards/index.html",
        rows=rows,
        filters=filters,
        args=request.args,
        filtered=any(v for k, v in request.args.items() if k not in ("cursor", "limit")),
        counts=counts,
        limit=limit,
        page_sizes=PAGE_SIZES,
        units=choices.units,
        posts=choices.posts,
        statuses=svc.STATUS_LABELS,
        levels=svc.LEVEL_LABELS,
        next_url=(
            url_for("hazards.index") + "?" + _query_without("cursor", cursor=page.next_cursor)
            if page.next_cursor
            else None
        ),
        first_url=url_for("hazards.index") + "?" + _query_without("cursor") if cursor else None,
        export_url=url_for("hazards.export") + "?" + _query_without("cursor", "limit"),
    )


def row_for(
    hazard: Hazard, holders: list[User], today: date, risk_level: Any = None
) -> dict[str, Any]:
    """What a list row shows, computed here so templates stay query-free.

    ``risk_level`` is the level of the register's risk the hazard is linked to
    (:func:`svc.linked_risk_levels`); the LEC score is only a stored old value.
    """
    score = svc.risk_score(hazard)
    return {
        **svc.linked_risk(risk_level),
        "hazard": hazard,
        "status_label": svc.STATUS_LABELS[hazard.status],
        "level_label": svc.LEVEL_LABELS[hazard.level],
        "major": hazard.level == HazardLevel.MAJOR,
        "overdue": is_overdue(hazard, today),
        "days_overdue": days_overdue(hazard, today),
        "days_left": days_left(hazard, today),
        "holders": holders,
        "risk_score": score,
        "risk_grade": svc.risk_grade(score),
        "risk_label": svc.RISK_LABELS.get(svc.risk_grade(score) or "", ""),
    }


# --- report -----------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Report a hazard (phone-friendly; several photos)."""
    form = ReportForm()
    form.unit_id.choices = as_choices(unit_choices())
    form.criterion.choices = as_choices(criterion_choices())
    if request.method == "GET" and request.args.get("unit_id"):
        form.unit_id.data = request.args["unit_id"]
    similar: list[Hazard] = []
    if form.validate_on_submit():
        data = {
            "title": form.title.data,
            "unit_id": form.unit_id.data,
            "level": form.level.data,
            "criterion": form.criterion.data,
            "basis": form.basis.data,
            "category": form.category.data,
            "location": form.location.data,
            "description": form.description.data,
            "found_at": form.found_at.data,
            "fixed_on_spot": form.fixed_on_spot.data,
            "measures": form.measures.data,
        }
        if form.confirm_similar.data != "1":
            similar = svc.similar_open_hazards(form.unit_id.data, form.title.data)
        if similar:
            form.confirm_similar.data = "1"
            return render_template("hazards/new.html", form=form, similar=similar), 200
        try:
            hazard = svc.report_hazard(
                _user(), data, now=clock.now(), photos=request.files.getlist(form.photos.name)
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Hazard %(number)s reported.", number=hazard.number), "success")
            return redirect(url_for("hazards.detail", hazard_id=hazard.id))
    elif request.method == "POST":
        flash(_("The form expired; please send it again."), "error")
    return render_template("hazards/new.html", form=form, similar=similar), (
        422 if form.errors else 200
    )


def apply_errors(form: Any, error: ValidationError) -> None:
    """Service field names (``plan.objective``) onto form fields; the rest flashed."""
    for name, messages in error.fields.items():
        field = getattr(form, name.replace(".", "_"), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            for message in messages:
                flash(message, "error")


# --- detail and actions --------------------------------------------------------------


def _load(hazard_id: int) -> Hazard:
    try:
        return svc.get_hazard(hazard_id)
    except NotFound:
        abort(404)


def _forms_for(
    hazard: Hazard, allowed: dict[str, bool], posted: Any = None, criteria: Any = None
) -> dict[str, Any]:
    """A fresh form for each permitted action; ``posted`` replaces the one submitted."""
    forms: dict[str, Any] = {}
    for action, ok in allowed.items():
        if not ok:
            continue
        if posted is not None and posted[0] == action:
            forms[action] = posted[1]
            continue
        form = ACTION_FORMS[action](formdata=None, prefix=action)
        form.version.data = str(hazard.version)
        _fill_choices(action, form, hazard, criteria)
        if action == "assign" and hazard.accountable_post_id:
            form.accountable_post_id.data = str(hazard.accountable_post_id)
        if action == "report_authority":
            form.authority.data = hazard.supervising_authority or ""
            form.listed.data = hazard.listed_for_supervision
        if action == "write_off":
            form.authority.data = hazard.supervising_authority or ""
        if action == "extend" and hazard.extension_requested:
            form.deadline.data = hazard.extension_requested.isoformat()
            form.reason.data = hazard.extension_reason or ""
        forms[action] = form
    return forms


def _fill_choices(action: str, form: Any, hazard: Hazard, criteria: Any = None) -> None:
    """Options of the selects: posts (own unit first, with holders) and criteria."""
    if action == "assign":
        form.accountable_post_id.choices = as_choices(
            [(str(o.id), o.label) for o in svc.post_options(hazard.unit_id, clock.today())]
        )
    if action == "regrade":
        form.criterion.choices = as_choices(criterion_choices(criteria))


def render_detail(hazard: Hazard, posted: Any = None, status: int = 200) -> tuple[str, int]:
    today = clock.today()
    detail = svc.hazard_detail(hazard, today=today)
    allowed = svc.allowed_actions(_user(), hazard, today)
    criteria = svc.criteria_sets()
    link = svc.risk_link(hazard)
    row = row_for(hazard, detail.holders, today, link.level if link else None)
    history = [
        {
            "event": event,
            "label": svc.ACTION_LABELS.get(event.action, event.action),
            "photos": detail.photos.get(event.id, []),
            "data": event.data or {},
        }
        for event in detail.events
    ]
    return (
        render_template(
            "hazards/detail.html",
            hazard=hazard,
            row=row,
            risk_link=link,
            history=history,
            other_photos=detail.photos.get(None, []),
            people=detail.people,
            forms=_forms_for(hazard, allowed, posted, criteria),
            plan_parts=[(p, svc.PLAN_LABELS[p]) for p in svc.PLAN_PARTS],
            category_label=svc.CATEGORY_LABELS.get(hazard.category or "", hazard.category),
            is_major=hazard.level == HazardLevel.MAJOR,
            steps=svc.major_steps(hazard, today) if hazard.level == HazardLevel.MAJOR else [],
            criterion_text={k: t for c in criteria for k, t in c.items}.get(hazard.criterion or ""),
        ),
        status,
    )


@bp.route("/<int:hazard_id>")
@login_required
def detail(hazard_id: int) -> Any:
    """The hazard, its full history with photos and the forms the user may use."""
    return render_detail(_load(hazard_id))


@bp.route("/major")
@login_required
def major_board() -> str:
    """重大隐患动态清零: every open major hazard with its 五落实, most at risk first."""
    today = clock.today()
    return render_template(
        "hazards/major_board.html",
        rows=[
            {**row_for(r.hazard, r.holders, today), "days_to_deadline": r.days_left}
            for r in svc.major_board(today)
        ],
        today=today,
    )


@bp.route("/<int:hazard_id>/authority-report")
@login_required
def authority_report(hazard_id: int) -> Any:
    """The printable report of a major hazard to the authority, in its three parts."""
    hazard = _load(hazard_id)
    if hazard.level != HazardLevel.MAJOR:
        abort(404)
    today = clock.today()
    detail = svc.hazard_detail(hazard, today=today)
    return render_template(
        "hazards/authority_report.html",
        hazard=hazard,
        row=row_for(hazard, detail.holders, today),
        criterion_text=svc.criterion_texts().get(hazard.criterion or ""),
        plan_parts=[(p, svc.PLAN_LABELS[p]) for p in svc.PLAN_PARTS],
        today=today,
    )


@bp.route("/<int:hazard_id>/authority-report.pdf")
@login_required
def authority_report_pdf(hazard_id: int) -> Response:
    """The report to the authority as a PDF (A4), the three parts and the report's record."""
    hazard = _load(hazard_id)
    if hazard.level != HazardLevel.MAJOR:
        abort(404)
    data = svc.authority_report_pdf(hazard, clock.today())
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"major-hazard-report-{hazard.number}.pdf",
        max_age=0,
    )


def _call(action: str, hazard: Hazard, form: Any) -> Hazard:
    """Run one action form through the service's single entry point."""
    files = request.files.getlist(form.photos.name) if hasattr(form, "photos") else ()
    return svc.perform(
        hazard,
        action,
        _user(),
        form_data(action, form),
        form.version.data,
        now=clock.now(),
        today=clock.today(),
        photos=files,
    )


def _done_message(action: str) -> str:
    return {
        "assign": _("Assigned; the hazard is now in rectification."),
        "submit": _("Rectification submitted for verification."),
        "verify": _("Verified; the hazard is closed."),
        "reject": _("Rejected; the hazard is back in rectification."),
        "extend": _("Deadline extended."),
        "void": _("The hazard is void."),
        "request_extension": _("Extension requested; the managers are told."),
        "refuse_extension": _("Extension refused."),
        "approve_plan": _("Plan approved."),
        "report_authority": _("Saved."),
        "regrade": _("Grade changed."),
        "write_off": _("Written off."),
    }[action]


@bp.route("/<int:hazard_id>/<action>", methods=["POST"])
@login_required
def act(hazard_id: int, action: str) -> Any:
    """One action of the closed loop; errors come back on the detail page."""
    if action not in ACTION_FORMS:
        abort(404)
    hazard = _load(hazard_id)
    form = ACTION_FORMS[action](prefix=action)
    _fill_choices(action, form, hazard)
    if not form.validate_on_submit():
        flash(_("The form expired; please send it again."), "error")
        return redirect(url_for("hazards.detail", hazard_id=hazard.id))
    try:
        _call(action, hazard, form)
    except ValidationError as error:
        svc.discard_changes()
        hazard = _load(hazard_id)
        apply_errors(form, error)
        flash(_("Please correct the marked fields."), "error")
        return render_detail(hazard, posted=(action, form), status=422)
    except Conflict as error:
        svc.discard_changes()
        flash(error.message, "error")
        return render_detail(_load(hazard_id), status=409)
    except Forbidden as error:
        svc.discard_changes()
        flash(error.message, "error")
        return render_detail(_load(hazard_id), status=403)
    flash(_done_message(action), "success")
    return redirect(url_for("hazards.detail", hazard_id=hazard.id))


# --- photos and export ----------------------------------------------------------------


@bp.route("/photos/<name>")
@login_required
def photo(name: str) -> Response:
    """A hazard photo or thumbnail, for signed-in users only (never from static)."""
    if svc.photo_for(name) is None:
        abort(404)
    try:
        path = photos.photo_path(name)
    except NotFound:
        abort(404)
    mimetype = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[
        name.rsplit(".", 1)[1]
    ]
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/export.xlsx")
@login_required
def export() -> Response:
    """The 隐患排查治理台账 of the filtered list, streamed as it is read."""
    today = clock.today()
    body = ledger.stream_ledger(filters_from(request.args), user=_user(), today=today)
    response = Response(stream_with_context(body), mimetype=ledger.XLSX_MIMETYPE)
    name = _("hazard-ledger-%(date)s.xlsx", date=today.isoformat())
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hazard-ledger-{today.isoformat()}.xlsx"; '
        f"filename*=UTF-8''{quote(name)}"
    )
    return response
