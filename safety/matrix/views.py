"""Views of the matrix area: the matrix, gaps, my lists, printable lists, admin forms.

Views stay thin: read the clock and the form, call a service, redirect.
Rights come from :mod:`safety.permissions`; every page needs a signed-in user.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from safety import clock, permissions
from safety.forms import EmptyForm, apply_service_errors
from safety.matrix import bp
from safety.matrix.forms import (
    DutyForm,
    FilterForm,
    ImportForm,
    ResponsibilityForm,
    SignForm,
    TargetForm,
)
from safety.models import (
    Duty,
    Responsibility,
    ResponsibilityKind,
    SafetyTarget,
    Unit,
    User,
)
from safety.risks.views import RISK_GAP_TITLES
from safety.risks.views import gap_link as risk_gap_link
from safety.services import matrix, matrix_import
from safety.services.errors import Conflict, Forbidden, NotFound, ValidationError

XLSX = matrix_import.XLSX_MIMETYPE
INDENT = "\u3000"  # an ideographic space indents units in select lists


def _me() -> User:
    return current_user._get_current_object()


def _common() -> dict[str, Any]:
    """What every matrix page shows: its navigation and the kinds' legend."""
    return {
        "can_edit": permissions.can_edit_matrix(_me()),
        "today_year": clock.today().year,
        "kinds": [
            (k.value, matrix.KIND_LETTERS[k], matrix.KIND_LABELS[k]) for k in matrix.KIND_ORDER
        ],
        "kind_letters": {k.value: matrix.KIND_LETTERS[k] for k in ResponsibilityKind},
        "kind_labels": {k.value: matrix.KIND_LABELS[k] for k in ResponsibilityKind},
        "category_labels": {c.value: label for c, label in matrix.CATEGORY_LABELS.items()},
        "level_labels": {lv.value: label for lv, label in matrix.LEVEL_LABELS.items()},
    }


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every matrix page is for signed-in people only."""
    return None


def _unit_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    for unit, depth in matrix.units_in_tree_order():
        choices.append((str(unit.id), f"{INDENT * depth}{unit.name} ({unit.code})"))
    return choices


def _post_choices(blank: str) -> list[tuple[str, str]]:
    rows = matrix.post_options()
    return [("", blank)] + [(str(pid), f"{uname} · {title}") for pid, title, uname in rows]


def _duty_choices() -> list[tuple[str, str]]:
    rows = matrix.duty_options()
    return [("", _("(no particular duty)"))] + [(str(i), t) for i, t in rows]


def _filter_args() -> tuple[int | None, str | None]:
    unit_id = request.args.get("unit_id", type=int)
    level = request.args.get("level") or None
    return unit_id, level


# --- the matrix ------------------------------------------------------------------


@bp.route("/")
def index() -> str:
    """Posts by level against units; filter by unit subtree and level."""
    unit_id, level = _filter_args()
    form = FilterForm(request.args)
    form.unit_id.choices = _unit_choices(_("All units"))
    form.level.choices = [("", _("All levels"))] + [
        (lv.value, matrix.LEVEL_LABELS[lv]) for lv in matrix.LEVEL_ORDER
    ]
    try:
        data = matrix.matrix_data(unit_id=unit_id, level=level, today=clock.today())
    except ValidationError as error:
        for messages in error.fields.values():
            for message in messages:
                flash(message, "error")
        unit_id = level = None
        data = matrix.matrix_data(today=clock.today())
    cells = {(c["post_id"], c["unit_id"]): c["kinds"] for c in data["cells"]}
    groups = []
    for lv in matrix.LEVEL_ORDER:
        posts = [p for p in data["posts"] if p.level == lv]
        if posts:
            groups.append((matrix.LEVEL_LABELS[lv], posts))
    return render_template(
        "matrix/index.html",
        form=form,
        data=data,
        groups=groups,
        cells=cells,
        export_args={k: v for k, v in (("unit_id", unit_id), ("level", level)) if v},
        **_common(),
    )


@bp.route("/export.xlsx")
def export() -> Response:
    """The same matrix as the page and GET /api/v1/matrix, as a workbook."""
    unit_id, level = _filter_args()
    data = matrix.matrix_data(unit_id=unit_id, level=level, today=clock.today())
    return send_file(
        matrix_import.export_matrix(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"responsibility-matrix-{clock.today().isoformat()}.xlsx",
    )


def _gap_link(gap: dict[str, Any], can_edit: bool) -> tuple[str, str]:
    """Where a gap is fixed: (url, label)."""
    kind = gap["type"]
    if kind in RISK_GAP_TITLES:
        return risk_gap_link(gap)
    if kind in ("unit_without_main", "unit_without_supervision", "party_government_unpaired"):
        wanted = "supervision" if kind == "unit_without_supervision" else "main"
        if can_edit:
            url = url_for("matrix.responsibilities", unit_id=gap["unit_id"], kind=wanted)
            return url, _("Assign a responsibility")
        return url_for("matrix.index", unit_id=gap["unit_id"]), _("See the unit in the matrix")
    if kind == "post_vacant":
        return url_for("org.post_detail", post_id=gap["post_id"]), _("Appoint a holder")
    if kind == "post_without_duties":
        if can_edit:
            url = url_for("matrix.responsibilities", post_id=gap["post_id"])
            return url, _("Assign a responsibility")
        return url_for("matrix.post_list", post_id=gap["post_id"]), _("Open the list")
    return url_for("matrix.post_list", post_id=gap["post_id"]), _("Open the list to sign")


@bp.route("/gaps")
def gaps() -> str:
    """Every gap of today, each linking to where it is fixed."""
    can_edit = permissions.can_edit_matrix(_me())
    found = matrix.find_gaps(clock.today())
    titles = {
        "unit_without_main": _("Units without main responsibility"),
        "unit_without_supervision": _("Units without supervision"),
        "post_vacant": _("Vacant posts with responsibilities"),
        "unacknowledged": _("Lists not signed by a current holder"),
        "post_without_duties": _("Posts held today whose list has no duty"),
        "party_government_unpaired": _(
            "Main responsibility not shared by party and administration"
        ),
        **{kind: str(title) for kind, title in RISK_GAP_TITLES.items()},
    }
    sections = []
    for kind in matrix.GAP_TYPES:
        rows = [(g, *_gap_link(g, can_edit)) for g in found if g["type"] == kind]
        sections.append((kind, titles[kind], rows))
    return render_template("matrix/gaps.html", sections=sections, total=len(found), **_common())


# --- lists and signing ------------------------------------------------------------


@bp.route("/mine")
def mine() -> str:
    """My responsibilities: each post I hold today, what changed, and a sign button."""
    lists = matrix.my_lists(_me(), clock.today())
    forms = {m.post.id: SignForm(version=m.version, prefix=f"p{m.post.id}") for m in lists}
    return render_template("matrix/mine.html", lists=lists, forms=forms, **_common())


@bp.route("/posts/<int:post_id>/sign", methods=["POST"])
def sign(post_id: int) -> Response:
    form = SignForm(prefix=f"p{post_id}")
    if not form.validate_on_submit():
        flash(_("The form has expired; please sign again."), "error")
        return redirect(url_for("matrix.mine"))
    try:
        version = int(form.version.data) if form.version.data else None
    except ValueError:
        version = None
    try:
        ack = matrix.acknowledge_list(
            _me(),
            post_id,
            version=version,
            password=form.password.data or "",
            now=clock.now(),
            today=clock.today(),
        )
    except Forbidden as error:
        abort(403, error.message)
    except ValidationError as error:
        for messages in error.fields.values():
            for message in messages:
                flash(message, "error")
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("You signed version %(version)d.", version=ack.version), "success")
    target = request.form.get("next")
    if target == "list":
        return redirect(url_for("matrix.post_list", post_id=post_id))
    return redirect(url_for("matrix.mine"))


@bp.route("/posts/<int:post_id>")
def post_list(post_id: int) -> str:
    """A post's current list, its holders' signatures, versions and a diff between two."""
    today = clock.today()
    data = matrix.print_data(post_id, today)
    versions = matrix.list_versions(post_id)
    diff = None
    to_v = request.args.get("to", type=int) or data["version"]
    from_v = request.args.get("from", type=int)
    mine = [a.version for a in data["acknowledgements"] if a.user_id == _me().id]
    if from_v is None and to_v and mine and max(mine) < to_v:
        from_v = max(mine)  # what changed since my last signature
    elif from_v is None and to_v and to_v > 1:
        from_v = to_v - 1
    if to_v:
        try:
            diff = matrix.diff_versions(post_id, from_v, to_v)
        except NotFound:  # an unknown version in the URL: show no diff
            flash(_("No such version of this list."), "error")
            diff = None
    me = _me()
    form = None
    if data["version"] is not None and permissions.can_acknowledge(me, post_id, today):
        form = SignForm(version=data["version"], prefix=f"p{post_id}")
    users = _users_of(data["acknowledgements"])
    return render_template(
        "matrix/post.html",
        data=data,
        versions=versions,
        diff=diff,
        from_v=from_v,
        to_v=to_v,
        form=form,
        users=users,
        **_common(),
    )


def _users_of(acks: list[Any]) -> dict[int, User]:
    return matrix.users_by_id(a.user_id for a in acks)


@bp.route("/posts/<int:post_id>/print")
def print_list(post_id: int) -> str:
    """The list as a printable 责任书: items, holders, signatures and dates."""
    data = matrix.print_data(post_id, clock.today())
    return render_template(
        "matrix/print.html",
        data=data,
        users=_users_of(data["acknowledgements"]),
        today=clock.today(),
        **_common(),
    )


# --- responsibility agreements (安全生产责任书) ----------------------------------------


@bp.route("/posts/<int:post_id>/agreements/<int:year>")
def agreement(post_id: int, year: int) -> str:
    """The post's agreement of ``year``, printable, with its signatures and their times."""
    today = clock.today()
    data = matrix.agreement_data(post_id, year, today)
    form = None
    if matrix.may_sign_agreement(_me(), data["post"], today):
        form = SignForm(prefix="a")
    return render_template("matrix/agreement.html", data=data, form=form, today=today, **_common())


@bp.route("/posts/<int:post_id>/agreements/<int:year>/sign", methods=["POST"])
def agreement_sign(post_id: int, year: int) -> Response:
    """Sign the agreement (the password again, 签字确认)."""
    form = SignForm(prefix="a")
    if not form.validate_on_submit():
        flash(_("The form has expired; please sign again."), "error")
        return redirect(url_for("matrix.agreement", post_id=post_id, year=year))
    try:
        matrix.sign_agreement(
            _me(),
            post_id,
            year,
            password=form.password.data or "",
            now=clock.now(),
            today=clock.today(),
        )
    except Forbidden as error:
        abort(403, error.message)
    except ValidationError as error:
        for messages in error.fields.values():
            for message in messages:
                flash(message, "error")
    else:
        flash(_("You signed the agreement."), "success")
    return redirect(url_for("matrix.agreement", post_id=post_id, year=year))


# --- admin: duties ------------------------------------------------------------------


@bp.route("/duties", methods=["GET", "POST"])
def duties() -> str | Response:
    form = DutyForm()
    if request.method == "POST":
        if not permissions.can_edit_matrix(_me()):
            abort(403)
        if form.validate_on_submit():
            try:
                matrix.create_duty(
                    _me(),
                    title=form.title.data,
                    category=form.category.data,
                    description=form.description.data,
                    now=clock.now(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                flash(_("Duty added."), "success")
                return redirect(url_for("matrix.duties"))
    rows = matrix.all_duties()
    return render_template(
        "matrix/duties.html", form=form, duties=rows, delete_form=EmptyForm(), **_common()
    )


@bp.route("/duties/<int:duty_id>/edit", methods=["GET", "POST"])
@permissions.matrix_admin_required
def duty_edit(duty_id: int) -> str | Response:
    duty = matrix.load_or_404(Duty, duty_id)
    form = DutyForm(obj=duty) if request.method == "GET" else DutyForm()
    if request.method == "GET":
        form.category.data = duty.category.value
    if form.validate_on_submit():
        try:
            matrix.update_duty(
                _me(),
                duty,
                title=form.title.data,
                category=form.category.data,
                description=form.description.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Duty saved; the lists that name it have a new version."), "success")
            return redirect(url_for("matrix.duties"))
    return render_template("matrix/form.html", form=form, title=_("Edit duty"), **_common())


@bp.route("/duties/<int:duty_id>/delete", methods=["POST"])
@permissions.matrix_admin_required
def duty_delete(duty_id: int) -> Response:
    duty = matrix.load_or_404(Duty, duty_id)
    if EmptyForm().validate_on_submit():
        try:
            matrix.delete_duty(_me(), duty, now=clock.now())
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("Duty deleted."), "success")
    return redirect(url_for("matrix.duties"))


# --- admin: responsibilities -----------------------------------------------------------


def _responsibility_form(form: ResponsibilityForm) -> ResponsibilityForm:
    form.post_id.choices = _post_choices(_("Choose a post"))
    form.unit_id.choices = _unit_choices(_("Choose a unit"))
    form.duty_id.choices = _duty_choices()
    return form


def _responsibility_values(form: ResponsibilityForm) -> dict[str, Any]:
    return {
        "post_id": form.post_id.data or None,
        "unit_id": form.unit_id.data or None,
        "kind": form.kind.data,
        "duty_id": form.duty_id.data or None,
        "description": form.description.data,
    }


@bp.route("/responsibilities", methods=["GET", "POST"])
def responsibilities() -> str | Response:
    """Every responsibility (filter by post or unit); admins add new ones here."""
    form = _responsibility_form(ResponsibilityForm())
    if request.method == "GET":
        form.unit_id.data = request.args.get("unit_id", "")
        form.kind.data = request.args.get("kind", "")
        form.post_id.data = request.args.get("post_id", "")
    elif not permissions.can_edit_matrix(_me()):
        abort(403)
    elif form.validate_on_submit():
        try:
            resp = matrix.create_responsibility(
                _me(), **_responsibility_values(form), now=clock.now()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Responsibility added; the post's list has a new version."), "success")
            return redirect(url_for("matrix.responsibilities", post_id=resp.post_id))
    post_filter = request.args.get("post_id", type=int)
    unit_filter = request.args.get("unit_id", type=int)
    rows = matrix.responsibility_rows(post_filter, unit_filter)
    return render_template(
        "matrix/responsibilities.html",
        form=form,
        rows=rows,
        delete_form=EmptyForm(),
        filtered=bool(post_filter or unit_filter),
        **_common(),
    )


@bp.route("/responsibilities/<int:responsibility_id>/edit", methods=["GET", "POST"])
@permissions.matrix_admin_required
def responsibility_edit(responsibility_id: int) -> str | Response:
    resp = matrix.load_or_404(Responsibility, responsibility_id)
    form = _responsibility_form(ResponsibilityForm())
    if request.method == "GET":
        form.post_id.data = str(resp.post_id)
        form.unit_id.data = str(resp.unit_id)
        form.kind.data = resp.kind.value
        form.duty_id.data = str(resp.duty_id or "")
        form.description.data = resp.description
    if form.validate_on_submit():
        try:
            matrix.update_responsibility(
                _me(), resp, **_responsibility_values(form), now=clock.now()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Responsibility saved."), "success")
            return redirect(url_for("matrix.responsibilities", post_id=resp.post_id))
    return render_template(
        "matrix/form.html", form=form, title=_("Edit responsibility"), **_common()
    )


@bp.route("/responsibilities/<int:responsibility_id>/delete", methods=["POST"])
@permissions.matrix_admin_required
def responsibility_delete(responsibility_id: int) -> Response:
    resp = matrix.load_or_404(Responsibility, responsibility_id)
    post_id = resp.post_id
    if EmptyForm().validate_on_submit():
        matrix.delete_responsibility(_me(), resp, now=clock.now())
        flash(_("Responsibility deleted; the post's list has a new version."), "success")
    return redirect(url_for("matrix.responsibilities", post_id=post_id))


# --- targets -------------------------------------------------------------------------


@bp.route("/targets", methods=["GET", "POST"])
def targets() -> str | Response:
    """A unit's yearly targets and where they came from; admins set and break them down."""
    today = clock.today()
    unit_id = request.args.get("unit_id", type=int)
    year = request.args.get("year", type=int) or today.year
    units = matrix.units_in_tree_order()
    if unit_id is None and units:
        unit_id = units[0][0].id
    unit = matrix.load_or_404(Unit, unit_id) if unit_id is not None else None
    form = TargetForm()
    form.unit_id.choices = _unit_choices(_("Choose a unit"))
    parent_targets = []
    if unit is not None and unit.parent_id is not None:
        parent_targets = matrix.unit_targets(unit.parent_id, year)
    form.parent_id.choices = [("", _("(set here, not broken down)"))] + [
        (str(t.id), f"{t.title} {t.target_value or ''}".strip()) for t in parent_targets
    ]
    if request.method == "GET":
        form.unit_id.data = str(unit_id or "")
        form.year.data = str(year)
    elif not permissions.can_edit_matrix(_me()):
        abort(403)
    elif form.validate_on_submit():
        try:
            target = matrix.create_target(
                _me(),
                unit_id=form.unit_id.data or None,
                year=form.year.data,
                title=form.title.data,
                metric=form.metric.data,
                target_value=form.target_value.data,
                parent_id=form.parent_id.data or None,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Target saved."), "success")
            return redirect(url_for("matrix.targets", unit_id=target.unit_id, year=target.year))
    rows = matrix.targets_for_unit(unit.id, year) if unit is not None else []
    return render_template(
        "matrix/targets.html",
        form=form,
        unit=unit,
        year=year,
        rows=rows,
        unit_choices=_unit_choices(),
        delete_form=EmptyForm(),
        **_common(),
    )


@bp.route("/targets/<int:target_id>/delete", methods=["POST"])
@permissions.matrix_admin_required
def target_delete(target_id: int) -> Response:
    target = matrix.load_or_404(SafetyTarget, target_id)
    unit_id, year = target.unit_id, target.year
    if EmptyForm().validate_on_submit():
        try:
            matrix.delete_target(_me(), target, now=clock.now())
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("Target deleted."), "success")
    return redirect(url_for("matrix.targets", unit_id=unit_id, year=year))


# --- Excel import ----------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@permissions.matrix_admin_required
def import_workbook() -> str | tuple[str, int] | Response:
    """Upload duties and responsibilities; all or nothing, every bad cell listed."""
    form = ImportForm()
    problems: list[matrix_import.Problem] = []
    if form.validate_on_submit():
        try:
            result = matrix_import.import_workbook(
                _me(), form.workbook.data.stream, now=clock.now()
            )
        except matrix_import.ImportRejected as rejected:
            problems = rejected.problems
        else:
            flash(
                _(
                    "Imported %(duties)d duties and %(resps)d responsibilities; "
                    "%(posts)d lists have a new version.",
                    duties=result.duties,
                    resps=result.responsibilities,
                    posts=result.posts,
                ),
                "success",
            )
            return redirect(url_for("matrix.index"))
    status = 422 if problems or form.errors else 200
    page = render_template("matrix/import.html", form=form, problems=problems, **_common())
    return page, status


@bp.route("/import/template.xlsx")
@permissions.matrix_admin_required
def import_template() -> Response:
    return send_file(
        matrix_import.template_workbook(),
        mimetype=XLSX,
        as_attachment=True,
        download_name="responsibility-import-template.xlsx",
    )
