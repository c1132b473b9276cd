"""Views of the reports area: every report is a GET URL with its parameters.

Bad parameters (a period that is not one, a unit that does not exist) give the
page back with a clear message and status 400, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from safety import clock
from safety.extensions import login_manager
from safety.permissions import is_admin, report_unit_ids
from safety.reports import bp
from safety.reports.charts import Bar, bar_chart, line_chart
from safety.services import notice_board, report_exports, reports
from safety.services.errors import Forbidden, NotFound, ValidationError
from safety.services.hazards import CATEGORY_LABELS

#: Overdue lines the monthly page shows (the most overdue), and major hazards the
#: monthly and statutory pages show (found first); the exports list all.
MONTHLY_PAGE_LINES = 200
#: Cases on the accountability page; the workbook has them all.
ACCOUNTABILITY_PAGE_CASES = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def state_labels() -> dict[str, str]:
    from safety.services.hazards.labels import status_labels

    return status_labels(("reported", "rectifying", "pending_verification", "closed"))


def category_labels() -> dict[str, str]:
    """The hazard register's category names (free-text categories show as typed)."""
    return {"": _("Uncategorised"), **{k: str(v) for k, v in CATEGORY_LABELS.items()}}


def reason_labels() -> dict[str, str]:
    """Why a reminder went to someone (the reminder log's ``reason``)."""
    return {
        "accountable": _("accountable post"),
        "vacant": _("superior post (accountable post vacant)"),
        "superior": _("superior post"),
        "supervision": _("supervision"),
        "no_email": _("superior post (the holder has no usable email address)"),
        "admin": _("administrator"),
        "holder": _("post holder"),
    }


def level_labels() -> dict[str, str]:
    from safety.services.hazards.labels import level_labels

    return level_labels()


def hazard_list_url(**params: Any) -> str:
    """The hazard list filtered as a figure is: the list behind every number."""
    clean = {k: v for k, v in params.items() if v is not None and v != ""}
    return url_for("hazards.index", **clean)


@bp.app_template_filter("report_pct")
def report_pct(value: float | None) -> str:
    """A share as a percentage with one decimal; a dash when undefined (0/0)."""
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.app_template_filter("report_money")
def report_money(value: Any) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _render_error(template: str, error: ValidationError, **context: Any) -> tuple[str, int]:
    messages = [m for msgs in error.fields.values() for m in msgs]
    return (
        render_template(template, errors=messages, board=None, report=None, cases=None, **context),
        400,
    )


def _allowed_units() -> set[int] | None:
    """The units this reader may see (``None``: all), set by the before-request guard."""
    return g.get("report_units")


def _default_unit() -> str:
    """Reports open on the reader's own unit subtree (the whole group for admins)."""
    if "report_home" not in g:
        home = reports.home_unit_id(current_user.id, clock.today(), _allowed_units())
        g.report_home = "" if home is None else str(home)
    return g.report_home


def _args() -> dict[str, str]:
    unit_id = request.args.get("unit_id")
    unit_id = _default_unit() if unit_id is None else unit_id.strip()
    if not unit_id and _allowed_units() is not None:
        unit_id = _default_unit()
    return {
        "unit_id": unit_id,
        "period": request.args.get("period", "").strip(),
        "start": request.args.get("start", "").strip(),
        "end": request.args.get("end", "").strip(),
    }


def _inputs(default: Callable[[date], reports.Period]) -> tuple[reports.Scope, reports.Period]:
    """:raise ValidationError: on a bad period or an unknown unit (both reported at once)."""
    args = _args()
    today = clock.today()
    errors: dict[str, list[str]] = {}
    period = scope = None
    try:
        period = reports.parse_period(
            args["period"],
            today=today,
            default=default(today),
            start=args["start"],
            end=args["end"],
        )
    except ValidationError as error:
        errors.update(error.fields)
    try:
        scope = reports.resolve_scope(args["unit_id"])
    except ValidationError as error:
        errors.update(error.fields)
    allowed = _allowed_units()
    if scope is not None and allowed is not None and scope.unit_id not in allowed:
        abort(403)
    if errors or period is None or scope is None:
        raise ValidationError(errors)
    return scope, period


def _form_context() -> dict[str, Any]:
    allowed = _allowed_units()
    options = reports.unit_options()
    if allowed is not None:
        options = [(uid, label.strip("\u3000")) for uid, label in options if uid in allowed]
    return {
        "args": _args(),
        "unit_options": options,
        "whole_group": allowed is None,
        "state_labels": state_labels(),
        "level_labels": level_labels(),
        "category_labels": category_labels(),
        "buckets": [key for key, _f, _l in reports.AGEING_BUCKETS],
    }


def _current_month(today: date) -> reports.Period:
    return reports.month_period(today.year, today.month)


# --- dashboard -------------------------------------------------------------------


@bp.before_request
def _require_report_reader() -> Any:
    """Every report names people: signed in, and a reader of some units
    (:func:`~safety.permissions.report_unit_ids`; a unit reader sees only theirs)."""
    if request.endpoint == "reports.public_board":
        return None  # the shop-floor screen: its token is its permission
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    allowed = report_unit_ids(current_user._get_current_object(), clock.today())
    if allowed is not None and not allowed:
        abort(403)
    g.report_units = allowed
    return None


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """The dashboard for a unit subtree and a period (default: this month)."""
    try:
        scope, period = _inputs(_current_month)
    except ValidationError as error:
        return _render_error("reports/dashboard.html", error, **_form_context())
    board = reports.dashboard(scope, period, today=clock.today())
    return render_template(
        "reports/dashboard.html",
        board=board,
        errors=[],
        links=_links(board),
        charts=_charts(board),
        **_form_context(),
    )


def _links(board: reports.Dashboard) -> dict[str, Any]:
    unit_id = board.scope.unit_id
    open_states = list(reports.OPEN_STATES)
    return {
        "open": hazard_list_url(unit_id=unit_id, status=open_states),
        "open_major": hazard_list_url(unit_id=unit_id, status=open_states, level="major"),
        "overdue": hazard_list_url(unit_id=unit_id, status="rectifying", overdue="true"),
        "overdue_major": hazard_list_url(
            unit_id=unit_id, status="rectifying", overdue="true", level="major"
        ),
        "closed": hazard_list_url(unit_id=unit_id, status="closed"),
        "funds": hazard_list_url(unit_id=unit_id),
        "inspections": url_for("inspections.history"),
        "sign_off": url_for("matrix.gaps"),
        "targets": url_for("matrix.targets"),
        "state": {
            s: {lv: hazard_list_url(unit_id=unit_id, status=s, level=lv) for lv in reports.LEVELS}
            for s in reports.STATES
        },
        "state_all": {s: hazard_list_url(unit_id=unit_id, status=s) for s in reports.STATES},
        "unit": {
            row.unit_id: {
                "all": hazard_list_url(unit_id=row.unit_id, status=open_states),
                "overdue": hazard_list_url(
                    unit_id=row.unit_id, status="rectifying", overdue="true"
                ),
                "closed": hazard_list_url(unit_id=row.unit_id, status="closed"),
            }
            for row in board.units
        },
        "category": {
            c["category"]: hazard_list_url(unit_id=unit_id, category=c["category"] or None)
            for c in board.categories
        },
    }


def _charts(board: reports.Dashboard) -> dict[str, Any]:
    labels = state_labels()
    links = _links(board)
    overdue = links["overdue"]
    open_bars = [
        Bar(labels[s], sum(board.states[s].values()), links["state_all"][s])
        for s in reports.OPEN_STATES
    ]
    ageing = [
        Bar(_("%(bucket)s days", bucket=key), board.figures.ageing.get(key, 0), overdue)
        for key, _f, _l in reports.AGEING_BUCKETS
    ]
    months = [p.first.strftime("%Y-%m") for p in board.trend]
    # Each month's points open that month's dashboard, whose figures link to the lists.
    month_links = [
        url_for("reports.index", unit_id=board.scope.unit_id, period=month) for month in months
    ]
    trend = line_chart(
        [m[2:] for m in months],
        [
            (_("Found"), [p.found for p in board.trend], month_links),
            (_("Closed"), [p.closed for p in board.trend], month_links),
            (_("Overdue at month end"), [p.overdue for p in board.trend], month_links),
        ],
        title=_("Hazards per month"),
        chart_id="chart-trend",
    )
    units = [
        Bar(row.name, row.figures.open_total, links["unit"][row.unit_id]["all"])
        for row in board.units
    ]
    unit_overdue = [
        Bar(row.name, row.figures.overdue, links["unit"][row.unit_id]["overdue"])
        for row in board.units
    ]
    names = category_labels()
    categories = [
        Bar(names.get(c["category"], c["category"]), c["found"], links["category"][c["category"]])
        for c in board.categories
    ]
    return {
        "open": bar_chart(open_bars, title=_("Open hazards by status"), chart_id="chart-open"),
        "ageing": bar_chart(
            ageing, title=_("Overdue hazards by days overdue"), chart_id="chart-ageing", series=2
        ),
        "trend": trend,
        "units": bar_chart(units, title=_("Open hazards by unit"), chart_id="chart-units"),
        "unit_overdue": bar_chart(
            unit_overdue,
            title=_("Overdue hazards by unit"),
            chart_id="chart-unit-overdue",
            series=2,
        ),
        "categories": bar_chart(
            categories,
            title=_("Hazards found by category"),
            chart_id="chart-categories",
            series=1,
        ),
    }


# --- monthly meeting report -----------------------------------------------------------


def _monthly_inputs() -> tuple[reports.Scope, reports.Period]:
    scope, period = _inputs(reports.previous_month)
    if period.kind != "month":
        raise ValidationError({"period": _("The monthly report needs a month, e.g. 2026-03.")})
    return scope, period


@bp.route("/monthly")
@login_required
def monthly():  # noqa: ANN201
    """The monthly meeting report, print-styled (default: last month)."""
    try:
        scope, period = _monthly_inputs()
    except ValidationError as error:
        return _render_error("reports/monthly.html", error, **_form_context())
    report = reports.monthly_report(
        scope, period, today=clock.today(), overdue_limit=MONTHLY_PAGE_LINES
    )
    query = urlencode({"unit_id": scope.unit_id or "", "period": period.key})
    return render_template(
        "reports/monthly.html",
        report=report,
        board=report.dashboard,
        errors=[],
        xlsx_url=url_for("reports.monthly_xlsx") + "?" + query,
        pdf_url=url_for("reports.monthly_pdf") + "?" + query,
        accountability_url=url_for("reports.accountability") + "?" + query,
        **_form_context(),
    )


@bp.route("/monthly.xlsx")
@login_required
def monthly_xlsx():  # noqa: ANN201
    try:
        scope, period = _monthly_inputs()
    except ValidationError as error:
        return _render_error("reports/monthly.html", error, **_form_context())
    report = reports.monthly_report(scope, period, today=clock.today())
    data = report_exports.monthly_workbook(report)
    return _download(data, f"monthly-report-{period.key}.xlsx")


@bp.route("/monthly.pdf")
@login_required
def monthly_pdf():  # noqa: ANN201
    """The monthly meeting report as a PDF (A4 landscape), same parameters as the page."""
    try:
        scope, period = _monthly_inputs()
    except ValidationError as error:
        return _render_error("reports/monthly.html", error, **_form_context())
    report = reports.monthly_report(scope, period, today=clock.today())
    data = report_exports.monthly_pdf(report)
    return _download(data, f"monthly-report-{period.key}.pdf", mimetype=PDF)


def _download(data: bytes, filename: str, *, mimetype: str = XLSX) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- accountability ---------------------------------------------------------------------


@bp.route("/accountability")
@login_required
def accountability():  # noqa: ANN201
    """失职追责 evidence for one hazard (``hazard_id``) or a unit and period."""
    context = _form_context()
    hazard_text = request.args.get("hazard_id", "").strip()
    context["hazard_id"] = hazard_text
    today = clock.today()
    try:
        if hazard_text:
            if not hazard_text.isdigit():
                raise ValidationError(
                    {"hazard_id": _("No such hazard: %(id)s.", id=hazard_text[:20])}
                )
            cases = reports.accountability(None, None, hazard_id=int(hazard_text), today=today)
            scope = period = None
        else:
            scope, period = _inputs(_current_month)
            cases = reports.accountability(
                scope, period, today=today, limit=ACCOUNTABILITY_PAGE_CASES + 1
            )
    except ValidationError as error:
        return _render_error("reports/accountability.html", error, **context)
    more = len(cases) > ACCOUNTABILITY_PAGE_CASES
    cases = cases[:ACCOUNTABILITY_PAGE_CASES]
    query = urlencode(
        {"hazard_id": hazard_text}
        if hazard_text
        else {"unit_id": scope.unit_id or "", "period": period.key}
    )
    return render_template(
        "reports/accountability.html",
        cases=cases,
        more=more,
        xlsx_url=url_for("reports.accountability_xlsx") + "?" + query,
        scope=scope,
        period=period,
        errors=[],
        hazard_links={c.hazard.id: _hazard_url(c.hazard.id) for c in cases},
        reason_labels=reason_labels(),
        **context,
    )


@bp.route("/accountability.xlsx")
@login_required
def accountability_xlsx():  # noqa: ANN201
    """The same evidence as a workbook, to attach to an investigation file."""
    hazard_text = request.args.get("hazard_id", "").strip()
    today = clock.today()
    try:
        if hazard_text:
            if not hazard_text.isdigit():
                raise ValidationError(
                    {"hazard_id": _("No such hazard: %(id)s.", id=hazard_text[:20])}
                )
            cases = reports.accountability(None, None, hazard_id=int(hazard_text), today=today)
            subtitle = _("as of %(day)s", day=today.isoformat())
            name = f"accountability-hazard-{hazard_text}.xlsx"
        else:
            scope, period = _inputs(_current_month)
            cases = reports.accountability(scope, period, today=today)
            subtitle = f"{scope.name()} · {period.label()}"
            name = f"accountability-{period.key}.xlsx"
    except ValidationError as error:
        context = _form_context()
        context["hazard_id"] = hazard_text
        return _render_error("reports/accountability.html", error, **context)
    return _download(report_exports.accountability_workbook(cases, subtitle), name)


def _hazard_url(hazard_id: int) -> str:
    return url_for("hazards.detail", hazard_id=hazard_id)


# --- statutory statistics -------------------------------------------------------------


def _statutory_inputs() -> tuple[reports.Scope, reports.Period]:
    scope, period = _inputs(reports.previous_quarter)
    if period.kind not in ("quarter", "year"):
        raise ValidationError(
            {"period": _("Statutory statistics are by quarter (2026-Q1) or year (2026).")}
        )
    return scope, period


@bp.route("/statutory")
@login_required
def statutory():  # noqa: ANN201
    """Quarterly or annual hazard investigation and rectification statistics."""
    try:
        scope, period = _statutory_inputs()
    except ValidationError as error:
        return _render_error("reports/statutory.html", error, **_form_context())
    report = reports.statutory_report(
        scope, period, today=clock.today(), major_limit=MONTHLY_PAGE_LINES
    )
    query = urlencode({"unit_id": scope.unit_id or "", "period": period.key})
    return render_template(
        "reports/statutory.html",
        report=report,
        errors=[],
        xlsx_url=url_for("reports.statutory_xlsx") + "?" + query,
        plan_labels=plan_labels(),
        **_form_context(),
    )


def plan_labels() -> dict[str, str]:
    return {
        "complete": _("Complete"),
        "incomplete": _("Incomplete"),
        "none": _("None"),
    }


@bp.route("/statutory.xlsx")
@login_required
def statutory_xlsx():  # noqa: ANN201
    try:
        scope, period = _statutory_inputs()
    except ValidationError as error:
        return _render_error("reports/statutory.html", error, **_form_context())
    report = reports.statutory_report(scope, period, today=clock.today())
    return _download(
        report_exports.statutory_workbook(report), f"hazard-statistics-{period.key}.xlsx"
    )


# --- notice board (安全生产法 §41 通报) -------------------------------------------------


def _board_context(unit_id: int) -> dict[str, Any]:
    try:
        board = notice_board.notice_board(unit_id, today=clock.today())
    except NotFound:
        abort(404)
    return {
        "board": board,
        "state_labels": state_labels(),
        "recent_days": notice_board.RECENT_DAYS,
    }


@bp.route("/notice")
@login_required
def notice_home():  # noqa: ANN201
    """The reader's own unit's board."""
    home = _default_unit()
    if not home:
        roots = reports.unit_options()
        if not roots:
            abort(404)
        home = str(roots[0][0])
    return redirect(url_for("reports.notice", unit_id=int(home)))


@bp.route("/notice/<int:unit_id>")
@login_required
def notice(unit_id: int):  # noqa: ANN201
    """A unit's notice board, printable for the 公告栏; admins publish it for a screen."""
    allowed = _allowed_units()
    if allowed is not None and unit_id not in allowed:
        abort(403)
    context = _board_context(unit_id)
    admin = is_admin(current_user._get_current_object())
    links = notice_board.notice_board_links(unit_id) if admin else []
    return render_template("reports/notice.html", is_admin=admin, links=links, **context)


@bp.route("/notice/<int:unit_id>/publish", methods=["POST"])
@login_required
def publish_board(unit_id: int):  # noqa: ANN201
    try:
        notice_board.publish_notice_board(
            current_user._get_current_object(), unit_id, now=clock.now()
        )
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    flash(_("Published. The link shows this board until it is revoked."), "success")
    return redirect(url_for("reports.notice", unit_id=unit_id))


@bp.route("/notice/links/<int:link_id>/revoke", methods=["POST"])
@login_required
def revoke_board(link_id: int):  # noqa: ANN201
    try:
        link = notice_board.revoke_notice_board(
            current_user._get_current_object(), link_id, now=clock.now()
        )
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    flash(_("Revoked. The link no longer shows the board."), "success")
    return redirect(url_for("reports.notice", unit_id=link.unit_id))


@bp.route("/board/<token>")
def public_board(token: str):  # noqa: ANN201
    """The read-only board at a published link: no sign-in, no navigation, no links."""
    unit_id = notice_board.unit_for_token(token)
    if unit_id is None:
        abort(404)
    response = make_response(
        render_template("reports/notice_public.html", **_board_context(unit_id))
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response
