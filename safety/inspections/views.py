"""Inspection pages: log an inspection on a phone, checklists, plans, QR codes, history.

Views are thin: they read the form into the shape the services take, call
one service, and show its ``ValidationError`` next to the fields it names.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from safety import clock
from safety.extensions import login_manager
from safety.forms import EmptyForm, apply_service_errors
from safety.inspections import bp
from safety.inspections.forms import (
    HAZARD_STATUS_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
    ChecklistImportForm,
    HistoryFilterForm,
    PlanForm,
    StartForm,
    choices,
)
from safety.models import (
    Checklist,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    Unit,
    User,
)
from safety.services import checklist_import, qrcodes
from safety.services import inspections as service
from safety.services.db import get_or_404
from safety.services.errors import Conflict, Forbidden, NotFound, ValidationError
from safety.services.hazards.criteria import criterion_texts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Blank rows offered below a checklist's items when editing (JS adds more).
BLANK_ROWS = 3


@bp.before_request
def _require_sign_in() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"hazard_url": hazard_url}


def _me() -> User:
    return current_user._get_current_object()


def hazard_url(hazard_id: int) -> str:
    """The hazard's page in the register."""
    return url_for("hazards.detail", hazard_id=hazard_id)


def _context(**values: Any) -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "result_labels": RESULT_LABELS,
        "status_labels": STATUS_LABELS,
        "hazard_status_labels": HAZARD_STATUS_LABELS,
        "level_labels": LEVEL_LABELS,
        "checklist_names": service.checklist_names(),
        "criteria": criterion_texts(),
        **values,
    }


def _unit_choices(blank: str | None = None) -> list[SelectChoice]:
    head = [("", blank)] if blank is not None else []
    return choices(head + [(u.id, f"{u.code} · {u.name}") for u in service.units_by_code()])


def _checklist_choices(blank: str | None = None) -> list[SelectChoice]:
    head = [("", blank)] if blank is not None else []
    return choices(head + [(c.id, c.name) for c in service.active_checklists()])


def _service_call(call: Callable[[], Any]) -> tuple[Any, ValidationError | None]:
    """Run a service; a ValidationError comes back for the form, other errors abort."""
    try:
        return call(), None
    except ValidationError as error:
        return None, error
    except Forbidden as error:
        abort(403, error.message)
    except NotFound as error:
        abort(404, error.message)


# --- home ---------------------------------------------------------------------


@bp.route("/")
def index() -> str:
    """What to inspect next: my due plans, my drafts, recent inspections."""
    today = clock.today()
    me = _me()
    return render_template(
        "inspections/index.html",
        **_context(
            today=today,
            due=service.plans_due_for(me, today),
            drafts=service.drafts_of(me),
            recent=service.history(inspector_id=me.id, limit=10),
            can_manage=service.can_manage_checklists(me, today),
        ),
    )


# --- logging an inspection ----------------------------------------------------


@bp.route("/new")
def new() -> Any:
    """Pick unit and checklist (a QR code brings ``?unit=CODE``), then fill in the form."""
    today = clock.today()
    plan = service.plan_or_none(request.args.get("plan", type=int))
    unit_code = request.args.get("unit", "").strip()
    unit = None
    if plan is not None:
        unit = plan.unit
    elif unit_code:
        unit = service.unit_by_code(unit_code)
        if unit is None:
            flash(_("No unit has the code %(code)s.", code=unit_code), "error")
    checklist_id = request.args.get("checklist", type=int)
    if (
        unit is not None
        and plan is None
        and checklist_id is None
        and not request.args.get("choose")
    ):
        # A QR code on a unit with one plan due opens that plan's checklist.
        plan = service.only_plan_due(unit.id, today)
    checklist = service.checklist_or_none(checklist_id or (plan.checklist_id if plan else None))
    location = request.args.get("location", "").strip()[: service.LOCATION_MAX]
    if unit is not None and checklist is not None and checklist.active:
        return _render_form(
            unit=unit,
            checklist=checklist,
            version=checklist.version,
            plan=plan,
            values={"location": location, "performed_at": _local_input(clock.now())},
        )
    form = StartForm(
        formdata=None,
        unit=unit.code if unit else "",
        checklist=checklist.id if checklist else None,
        location=location,
    )
    form.unit.choices = choices(
        [("", _("Choose a unit"))]
        + [(u.code, f"{u.code} · {u.name}") for u in service.units_by_code()]
    )
    form.checklist.choices = _checklist_choices(_("Choose a checklist"))
    suggested = service.plans_for_unit(unit.id) if unit is not None else []
    return render_template(
        "inspections/start.html",
        **_context(
            form=form,
            unit=unit,
            suggested=suggested,
            due=service.plans_due_for(_me(), today),
            today=today,
        ),
    )


def _local_input(instant: datetime) -> str:
    """A datetime-local input value in TIMEZONE."""
    return instant.astimezone(clock.tz()).strftime("%Y-%m-%dT%H:%M")


def _render_form(
    *,
    unit: Unit,
    checklist: Checklist,
    version: int,
    plan: InspectionPlan | None,
    values: dict[str, Any],
    inspection: Inspection | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    template = service.checklist_items(checklist, version)
    photos = service.item_photos(inspection) if inspection is not None else {}
    rows = []
    existing = {i.position: i for i in inspection.items} if inspection is not None else {}
    for index, tmpl in enumerate(template):
        item = existing.get(index)
        prepared = service.prepared_hazard(item, tmpl.text)
        # A failed item saved in a draft without a prepared hazard was saved
        # with "raise a hazard" unticked: reopening keeps it unticked.
        unticked = item is not None and item.result == ItemResult.FAIL and item.hazard_title is None
        rows.append(
            {
                "index": index,
                "template": tmpl,
                "result": values.get(
                    f"result-{index}", item.result.value if item and item.result else ""
                ),
                "note": values.get(f"note-{index}", (item.note or "") if item else ""),
                "raise": values.get(f"raise-{index}", not unticked),
                "hazard_title": values.get(f"hazard_title-{index}", prepared["title"]),
                "hazard_level": values.get(f"hazard_level-{index}", prepared["level"]),
                "hazard_criterion": values.get(f"hazard_criterion-{index}", ""),
                "hazard_description": values.get(
                    f"hazard_description-{index}", prepared["description"]
                ),
                "photos": photos.get(item.id, []) if item else [],
                "remove": set(values.get(f"remove_photo-{index}", [])),
            }
        )
    sections: list[tuple[str | None, list[dict[str, Any]]]] = []
    for row in rows:
        section = row["template"].section
        if not sections or sections[-1][0] != section:
            sections.append((section, []))
        sections[-1][1].append(row)
    return render_template(
        "inspections/form.html",
        **_context(
            unit=unit,
            checklist=checklist,
            version=version,
            plan=plan,
            inspection=inspection,
            sections=sections,
            values=values,
            errors=errors or {},
            form=EmptyForm(),
        ),
    ), status


def _read_form(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posted inspection form → (service data, values to show again)."""
    form, files = request.form, request.files
    values: dict[str, Any] = {
        "location": form.get("location", ""),
        "performed_at": form.get("performed_at", ""),
    }
    performed_at: Any = None
    text = values["performed_at"].strip()
    if text:
        try:
            performed_at = clock.parse_instant(text)
        except ValueError:
            performed_at = "invalid"
    items = []
    for index in range(count):
        result = form.get(f"result-{index}", "")
        note = form.get(f"note-{index}", "")
        raise_hazard = bool(form.get(f"raise-{index}"))
        hazard = {
            "title": form.get(f"hazard_title-{index}", ""),
            "level": form.get(f"hazard_level-{index}", "general"),
            "criterion": form.get(f"hazard_criterion-{index}", ""),
            "description": form.get(f"hazard_description-{index}", ""),
        }
        remove = form.getlist(f"remove_photo-{index}")
        values.update(
            {
                f"result-{index}": result,
                f"note-{index}": note,
                f"raise-{index}": raise_hazard,
                f"hazard_title-{index}": hazard["title"],
                f"hazard_level-{index}": hazard["level"],
                f"hazard_criterion-{index}": hazard["criterion"],
                f"hazard_description-{index}": hazard["description"],
                f"remove_photo-{index}": remove,
            }
        )
        items.append(
            {
                "result": result or None,
                "note": note,
                "hazard": hazard if raise_hazard else None,
                "photos": [f for f in files.getlist(f"photos-{index}") if f and f.filename],
                "remove_photo_ids": [r for r in remove if r.isdigit()],
            }
        )
    data = {
        "location": values["location"],
        "performed_at": performed_at,
        "items": items,
    }
    return data, values


@bp.route("/new", methods=["POST"])
def create() -> Any:
    unit = get_or_404(Unit, request.form.get("unit_id", type=int) or -1)
    checklist = get_or_404(Checklist, request.form.get("checklist_id", type=int) or -1)
    plan = service.plan_or_none(request.form.get("plan_id", type=int))
    return _save(unit=unit, checklist=checklist, version=checklist.version, plan=plan)


@bp.route("/<int:inspection_id>/edit", methods=["GET", "POST"])
def edit(inspection_id: int) -> Any:
    """Continue a draft."""
    inspection = get_or_404(Inspection, inspection_id)
    if inspection.status != InspectionStatus.DRAFT:
        flash(_("This inspection has already been submitted."), "info")
        return redirect(url_for("inspections.detail", inspection_id=inspection.id))
    if not service.can_edit_inspection(_me(), inspection):
        abort(403)
    checklist = get_or_404(Checklist, inspection.checklist_id or -1)
    plan = service.plan_or_none(inspection.plan_id)
    if request.method == "POST":
        return _save(
            unit=inspection.unit,
            checklist=checklist,
            version=inspection.checklist_version or checklist.version,
            plan=plan,
            inspection=inspection,
        )
    return _render_form(
        unit=inspection.unit,
        checklist=checklist,
        version=inspection.checklist_version or checklist.version,
        plan=plan,
        inspection=inspection,
        values={
            "location": inspection.location or "",
            "performed_at": _local_input(inspection.performed_at),
        },
    )


def _save(
    *,
    unit: Unit,
    checklist: Checklist,
    version: int,
    plan: InspectionPlan | None,
    inspection: Inspection | None = None,
) -> Any:
    submit = request.form.get("action") == "submit"
    count = len(service.checklist_items(checklist, version))
    data, values = _read_form(count)
    data.update(
        {"unit_id": unit.id, "checklist_id": checklist.id, "plan_id": plan.id if plan else None}
    )
    try:
        outcome = service.save_keeping_photos(
            _me(), data, inspection=inspection, submit=submit, now=clock.now()
        )
    except Conflict as conflict:
        flash(conflict.message, "info")
        return redirect(url_for("inspections.detail", inspection_id=inspection.id))
    except Forbidden as error:
        abort(403, error.message)
    saved = outcome.inspection
    if outcome.error is not None:
        if outcome.photos_kept:
            flash(_("Please correct the marked fields."), "error")
            flash(_("Your entries and photos are kept in a draft."), "info")
        else:
            flash(_("Nothing was saved: please correct the marked fields."), "error")
            if any(item["photos"] for item in data["items"]):
                flash(_("Photos you chose must be chosen again."), "info")
        return _render_form(
            unit=unit,
            checklist=checklist,
            version=version,
            plan=plan,
            inspection=saved,
            values=values,
            errors=outcome.error.fields,
            status=422,
        )
    if submit:
        hazards = service.hazard_ids_of(saved)
        if hazards:
            flash(
                ngettext(
                    "Inspection submitted; %(num)d hazard raised in the register.",
                    "Inspection submitted; %(num)d hazards raised in the register.",
                    len(hazards),
                ),
                "success",
            )
        else:
            flash(_("Inspection submitted."), "success")
        return redirect(url_for("inspections.detail", inspection_id=saved.id))
    flash(_("Draft saved. You can finish it later."), "success")
    return redirect(url_for("inspections.edit", inspection_id=saved.id))


@bp.route("/<int:inspection_id>")
def detail(inspection_id: int) -> str:
    """The inspection as it was: items of its checklist version, photos, findings."""
    inspection = get_or_404(Inspection, inspection_id)
    checklist = service.checklist_or_none(inspection.checklist_id)
    template = (
        {i.position: i for i in service.checklist_items(checklist, inspection.checklist_version)}
        if checklist is not None
        else {}
    )
    return render_template(
        "inspections/detail.html",
        **_context(
            inspection=inspection,
            checklist=checklist,
            template=template,
            photos=service.item_photos(inspection),
            findings=service.findings(inspection),
            can_edit=service.can_edit_inspection(_me(), inspection),
            delete_form=EmptyForm(),
        ),
    )


@bp.route("/<int:inspection_id>/delete", methods=["POST"])
def delete(inspection_id: int) -> Response:
    inspection = get_or_404(Inspection, inspection_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            service.delete_draft(_me(), inspection, now=clock.now())
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("inspections.detail", inspection_id=inspection_id))
        except Forbidden:
            abort(403)
        flash(_("Draft deleted."), "success")
    return redirect(url_for("inspections.index"))


@bp.route("/photos/<name>")
def photo(name: str) -> Response:
    """A stored inspection photo (or its thumbnail), for signed-in people only."""
    from safety.services.photos import photo_path

    if not service.is_inspection_photo(name):
        abort(404)
    try:
        path = photo_path(name)
    except NotFound:
        abort(404)
    response = send_file(path, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- checklists ---------------------------------------------------------------


@bp.route("/checklists")
def checklists() -> str:
    return render_template(
        "inspections/checklists.html",
        **_context(
            checklists=service.all_checklists(),
            counts=service.current_item_counts(),
            can_manage=service.can_manage_checklists(_me(), clock.today()),
        ),
    )


@bp.route("/checklists/<int:checklist_id>")
def checklist_detail(checklist_id: int) -> str:
    checklist = get_or_404(Checklist, checklist_id)
    version = request.args.get("version", type=int) or checklist.version
    if not 1 <= version <= checklist.version:
        abort(404)
    return render_template(
        "inspections/checklist.html",
        **_context(
            checklist=checklist,
            version=version,
            items=service.checklist_items(checklist, version),
            can_manage=service.can_manage_checklists(_me(), clock.today()),
            active_form=EmptyForm(),
        ),
    )


def _rows_from_form() -> tuple[list[dict[str, Any]], list[int], dict[str, Any]]:
    """Checklist rows posted as section-N/text-N/guidance-N/photo-N; empty rows dropped."""
    form = request.form
    indexes = sorted(
        {int(k.split("-", 1)[1]) for k in form if k.startswith("text-") and k[5:].isdigit()}
    )
    items, kept = [], []
    for n in indexes:
        row = {
            "section": form.get(f"section-{n}", ""),
            "text": form.get(f"text-{n}", ""),
            "guidance": form.get(f"guidance-{n}", ""),
            "photo_required_on_fail": bool(form.get(f"photo-{n}")),
        }
        if not (row["text"].strip() or row["guidance"].strip()):
            continue
        items.append(row)
        kept.append(n)
    return items, kept, {"name": form.get("name", "")}


def _checklist_form(
    *, checklist: Checklist | None, rows: list[dict[str, Any]], name: str, errors: Any, status: int
) -> Any:
    rows = rows + [
        {"section": rows[-1]["section"] if rows else "", "text": "", "guidance": ""}
        for _ in range(BLANK_ROWS)
    ]
    return render_template(
        "inspections/checklist_form.html",
        **_context(checklist=checklist, rows=rows, name=name, errors=errors, form=EmptyForm()),
    ), status


def _row_errors(error: ValidationError, kept: list[int]) -> dict[str, list[str]]:
    """``items.K.text`` (K among the kept rows) → ``rows.N.text`` (the row on screen)."""
    mapped: dict[str, list[str]] = {}
    for key, messages in error.fields.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) >= 2 and parts[1].isdigit():
            position = int(parts[1])
            parts = ["rows", str(position), *parts[2:]]
        mapped[".".join(parts)] = messages
    return mapped


@bp.route("/checklists/new", methods=["GET", "POST"])
def checklist_new() -> Any:
    if request.method == "POST" and EmptyForm().validate_on_submit():
        items, kept, header = _rows_from_form()
        result, error = _service_call(
            lambda: service.create_checklist(
                _me(), {"name": header["name"], "items": items}, now=clock.now()
            )
        )
        if error is None:
            flash(_("Checklist saved."), "success")
            return redirect(url_for("inspections.checklist_detail", checklist_id=result.id))
        return _checklist_form(
            checklist=None,
            rows=items,
            name=header["name"],
            errors=_row_errors(error, kept),
            status=422,
        )
    return _checklist_form(checklist=None, rows=[], name="", errors={}, status=200)


@bp.route("/checklists/<int:checklist_id>/edit", methods=["GET", "POST"])
def checklist_edit(checklist_id: int) -> Any:
    checklist = get_or_404(Checklist, checklist_id)
    today = clock.today()
    if not service.can_manage_checklists(_me(), today):
        abort(403)
    if request.method == "POST" and EmptyForm().validate_on_submit():
        items, kept, header = _rows_from_form()
        old_version = checklist.version
        result, error = _service_call(
            lambda: service.update_checklist(
                _me(),
                checklist,
                {"name": header["name"], "items": items},
                today=today,
                now=clock.now(),
            )
        )
        if error is None:
            if result.version != old_version:
                flash(
                    _(
                        "Saved as version %(v)d; earlier inspections keep their version.",
                        v=result.version,
                    ),
                    "success",
                )
            else:
                flash(_("Checklist saved."), "success")
            return redirect(url_for("inspections.checklist_detail", checklist_id=checklist.id))
        return _checklist_form(
            checklist=checklist,
            rows=items,
            name=header["name"],
            errors=_row_errors(error, kept),
            status=422,
        )
    rows = [
        {
            "section": i.section or "",
            "text": i.text,
            "guidance": i.guidance or "",
            "photo_required_on_fail": i.photo_required_on_fail,
        }
        for i in service.checklist_items(checklist)
    ]
    return _checklist_form(
        checklist=checklist, rows=rows, name=checklist.name, errors={}, status=200
    )


@bp.route("/checklists/<int:checklist_id>/active", methods=["POST"])
def checklist_active(checklist_id: int) -> Response:
    checklist = get_or_404(Checklist, checklist_id)
    if EmptyForm().validate_on_submit():
        active = request.form.get("active") == "1"
        _service_call(
            lambda: service.set_checklist_active(
                _me(), checklist, active, today=clock.today(), now=clock.now()
            )
        )
        flash(_("Checklist restored.") if active else _("Checklist retired."), "success")
    return redirect(url_for("inspections.checklist_detail", checklist_id=checklist_id))


@bp.route("/checklists/template.xlsx")
def checklist_template() -> Response:
    return send_file(
        io.BytesIO(checklist_import.template_workbook()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="checklist-template.xlsx",
    )


@bp.route("/checklists/import", methods=["GET", "POST"])
def checklist_import_view() -> Any:
    """Import a checklist from Excel: all rows or none, every problem listed."""
    target_id = request.args.get("checklist", type=int)
    target = get_or_404(Checklist, target_id) if target_id else None
    today = clock.today()
    if target is not None and not service.can_manage_checklists(_me(), today):
        abort(403)
    form = ChecklistImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(checklist_import.MAX_BYTES + 1)
        result, error = _service_call(
            lambda: checklist_import.import_checklist(
                _me(), data, name=form.name.data, checklist=target, today=today, now=clock.now()
            )
        )
        if error is None:
            count = len(service.checklist_items(result))
            flash(ngettext("Imported %(num)d item.", "Imported %(num)d items.", count), "success")
            return redirect(url_for("inspections.checklist_detail", checklist_id=result.id))
        status = 422
        for key, messages in error.fields.items():
            if key == "name":
                form.name.errors = list(form.name.errors) + messages
            elif key == "file":
                form.file.errors = list(form.file.errors) + messages
            else:
                problems.extend(messages)
    elif request.method == "POST":
        status = 422
    return render_template(
        "inspections/checklist_import.html",
        **_context(form=form, target=target, problems=problems),
    ), status


# --- plans --------------------------------------------------------------------


def _plan_form(form: PlanForm) -> PlanForm:
    form.unit_id.choices = _unit_choices(_("Choose a unit"))
    form.checklist_id.choices = _checklist_choices(_("Choose a checklist"))
    form.responsible_post_id.choices = choices(
        [("", _("Choose a post"))]
        + [(pid, f"{code} · {title}") for pid, title, code in service.post_choices()]
    )
    return form


@bp.route("/plans")
def plans() -> str:
    today = clock.today()
    items = service.active_plans(request.args.get("unit", type=int))
    return render_template(
        "inspections/plans.html",
        **_context(plans=items, posts=service.posts_of(items), today=today, can_plan=True),
    )


@bp.route("/plans/new", methods=["GET", "POST"])
def plan_new() -> Any:
    form = _plan_form(PlanForm(unit_id=request.args.get("unit", type=int)))
    if form.validate_on_submit():
        data = {
            k: getattr(form, k).data
            for k in ("unit_id", "checklist_id", "kind", "responsible_post_id", "start_date")
        }
        result, error = _service_call(
            lambda: service.create_plan(_me(), data, today=clock.today(), now=clock.now())
        )
        if error is None:
            flash(_("Plan saved; first due on %(d)s.", d=result.next_due.isoformat()), "success")
            return redirect(url_for("inspections.plans"))
        apply_service_errors(form, error)
    return render_template("inspections/plan_form.html", **_context(form=form, plan=None))


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
def plan_edit(plan_id: int) -> Any:
    plan = get_or_404(InspectionPlan, plan_id)
    if not service.can_manage_plans(_me(), plan.unit_id, clock.today()):
        abort(403)
    form = _plan_form(PlanForm(obj=plan))
    if request.method == "GET":
        form.kind.data = plan.kind.value
    if form.validate_on_submit():
        data = {
            k: getattr(form, k).data
            for k in ("unit_id", "checklist_id", "kind", "responsible_post_id", "start_date")
        }
        _result, error = _service_call(
            lambda: service.update_plan(_me(), plan, data, today=clock.today(), now=clock.now())
        )
        if error is None:
            flash(_("Plan saved."), "success")
            return redirect(url_for("inspections.plans"))
        apply_service_errors(form, error)
    return render_template(
        "inspections/plan_form.html",
        **_context(form=form, plan=plan, stop_form=EmptyForm()),
    )


@bp.route("/plans/<int:plan_id>/stop", methods=["POST"])
def plan_stop(plan_id: int) -> Response:
    plan = get_or_404(InspectionPlan, plan_id)
    if EmptyForm().validate_on_submit():
        _service_call(
            lambda: service.set_plan_active(
                _me(), plan, False, today=clock.today(), now=clock.now()
            )
        )
        flash(_("Plan stopped."), "success")
    return redirect(url_for("inspections.plans"))


# --- units and QR codes -------------------------------------------------------


def _unit_by_code(code: str) -> Unit:
    unit = service.unit_by_code(code)
    if unit is None:
        abort(404)
    return unit


@bp.route("/units/<code>")
def unit_page(code: str) -> str:
    """A unit's inspections: plans due or overdue, recent inspections, its QR code."""
    unit = _unit_by_code(code)
    today = clock.today()
    rows = service.history(unit_id=unit.id, limit=20)
    location = request.args.get("location", "").strip()[: qrcodes.LOCATION_MAX]
    return render_template(
        "inspections/unit.html",
        **_context(
            unit=unit,
            today=today,
            plans=service.plans_for_unit(unit.id),
            rows=rows,
            totals=service.summary(rows),
            location=location,
            qr_url=qrcodes.inspection_url(unit, location),
            can_plan=service.can_manage_plans(_me(), unit.id, today),
            org_url=url_for("org.unit_detail", unit_id=unit.id),
        ),
    )


@bp.route("/qr/<code>.png")
def qr_png(code: str) -> Response:
    unit = _unit_by_code(code)
    url = qrcodes.inspection_url(unit, request.args.get("location"))
    return _image(qrcodes.qr_png(url), "image/png", f"qr-{unit.code}.png")


@bp.route("/qr/<code>.svg")
def qr_svg(code: str) -> Response:
    unit = _unit_by_code(code)
    url = qrcodes.inspection_url(unit, request.args.get("location"))
    return _image(qrcodes.qr_svg(url), "image/svg+xml", f"qr-{unit.code}.svg")


def _image(payload: bytes, mimetype: str, name: str) -> Response:
    response = send_file(
        io.BytesIO(payload),
        mimetype=mimetype,
        as_attachment=request.args.get("download") == "1",
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/qr/<code>/sheet")
def qr_sheet(code: str) -> str:
    """A printable sheet: one labelled code per unit of the subtree."""
    unit = _unit_by_code(code)
    units = qrcodes.subtree_units(unit)
    return render_template(
        "inspections/qr_sheet.html",
        **_context(unit=unit, cards=[(u, qrcodes.inspection_url(u)) for u in units]),
    )


# --- history ------------------------------------------------------------------


def _history_rows() -> tuple[HistoryFilterForm, list[service.HistoryRow]]:
    form = HistoryFilterForm(formdata=request.args if request.args else None)
    form.unit.choices = _unit_choices(_("All units"))
    form.checklist.choices = choices(
        [("", _("All checklists"))]
        + sorted(service.checklist_names().items(), key=lambda pair: pair[1])
    )
    form.inspector.choices = choices(
        [("", _("Everyone"))] + [(u.id, u.name) for u in service.inspectors()]
    )
    form.validate()

    def bound(value: date | None, shift: int) -> datetime | None:
        if value is None:
            return None
        return datetime.combine(value + timedelta(days=shift), time(0), tzinfo=clock.tz())

    findings = {"yes": True, "no": False}.get(form.findings.data or "")
    rows = service.history(
        unit_id=form.unit.data,
        include_subunits=bool(form.subunits.data),
        inspector_id=form.inspector.data,
        checklist_id=form.checklist.data,
        date_from=bound(form.date_from.data if not form.date_from.errors else None, 0),
        date_to=bound(form.date_to.data if not form.date_to.errors else None, 1),
        with_findings=findings,
        limit=2000,
    )
    return form, rows


@bp.route("/history")
def history() -> str:
    form, rows = _history_rows()
    return render_template(
        "inspections/history.html",
        **_context(
            form=form,
            rows=rows,
            totals=service.summary(rows),
            export_url=url_for("inspections.history_export", **request.args),
        ),
    )


@bp.route("/history.xlsx")
def history_export() -> Response:
    _form, rows = _history_rows()
    return send_file(
        io.BytesIO(service.history_workbook(rows, service.checklist_names())),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"inspections-{clock.today().isoformat()}.xlsx",
    )
