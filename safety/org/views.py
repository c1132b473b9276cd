"""Organisation pages: everyone signed in reads, admins write.

Views are thin: a form checks shape, a service applies the rules and commits,
and its ``ValidationError`` comes back as field errors. Write access is
checked here on the server (403) *and* again by the services.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
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
from flask_login import current_user
from werkzeug.wrappers import Response

from safety import clock, permissions
from safety.extensions import login_manager
from safety.forms import EmptyForm, apply_service_errors
from safety.models import Post, PostHolder, Unit, User
from safety.org import bp
from safety.org.forms import (
    LEVEL_LABELS,
    EndHoldingForm,
    HoldingForm,
    ImportForm,
    NewPersonForm,
    PersonForm,
    PostForm,
    UnitForm,
)
from safety.services import org, org_import
from safety.services import org_queries as queries
from safety.services.cursors import decode_cursor, encode_cursor
from safety.services.db import get_or_404
from safety.services.errors import ValidationError
from safety.services.validation import MAX_ID


@bp.before_request
def _require_sign_in() -> Any:
    """Every organisation page needs a signed-in person."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 unless the signed-in person is an admin (the services check again)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not permissions.is_admin(_me()):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _me() -> User:
    return current_user._get_current_object()


def _context(**values: Any) -> dict[str, Any]:
    """What every organisation page gets: the admin flag and the level labels."""
    return {"can_edit": permissions.is_admin(_me()), "level_labels": LEVEL_LABELS, **values}


# --- units -------------------------------------------------------------------


@bp.route("/")
def index() -> str:
    """The landing page: the unit tree with post and vacancy counts."""
    tree = queries.unit_tree(today=clock.today())
    return render_template("org/index.html", **_context(tree=tree))


@bp.route("/units/<int:unit_id>")
def unit_detail(unit_id: int) -> str:
    unit = get_or_404(Unit, unit_id)
    groups = queries.posts_by_unit(clock.today(), unit_id=unit.id)
    return render_template(
        "org/unit.html",
        **_context(unit=unit, ancestors=queries.ancestors(unit), groups=groups),
    )


def _unit_form(form: UnitForm) -> UnitForm:
    form.parent_id.choices = queries.unit_choices(_("(none: a top-level unit)"))
    return form


@bp.route("/units/new", methods=["GET", "POST"])
@admin_required
def unit_new() -> str | Response:
    form = _unit_form(UnitForm(parent_id=request.args.get("parent_id", type=int)))
    if form.validate_on_submit():
        try:
            unit = org.create_unit(
                _me(),
                name=form.name.data,
                code=form.code.data,
                parent_id=form.parent_id.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Unit %(name)s created.", name=unit.name), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return render_template("org/unit_form.html", **_context(form=form, unit=None))


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id: int) -> str | Response:
    unit = get_or_404(Unit, unit_id)
    form = _unit_form(UnitForm(obj=unit))
    if form.validate_on_submit():
        try:
            org.update_unit(
                _me(),
                unit,
                name=form.name.data,
                code=form.code.data,
                parent_id=form.parent_id.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Unit %(name)s saved.", name=unit.name), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return render_template("org/unit_form.html", **_context(form=form, unit=unit))


# --- posts -------------------------------------------------------------------


@bp.route("/posts")
def posts() -> str:
    """Posts grouped by unit, with the chain of superiors and today's holders."""
    unit_id = request.args.get("unit_id", type=int)
    unit = get_or_404(Unit, unit_id) if unit_id is not None else None
    groups = queries.posts_by_unit(clock.today(), unit_id=unit_id)
    return render_template("org/posts.html", **_context(groups=groups, unit=unit))


@bp.route("/posts/<int:post_id>")
def post_detail(post_id: int) -> str:
    post = get_or_404(Post, post_id)
    today = clock.today()
    holdings = queries.holdings_of_post(post)
    form = None
    if permissions.is_admin(_me()):
        form = _holding_form(HoldingForm(start_date=today))
    return render_template("org/post.html", **_post_page(post, holdings, form, today))


def _post_page(
    post: Post, holdings: list[PostHolder], form: HoldingForm | None, today: Any
) -> dict[str, Any]:
    return _context(
        post=post,
        chain=org.superior_chain(post),
        subordinates=queries.subordinates(post),
        current=[h for h in holdings if queries.is_current(h, today)],
        past=[h for h in holdings if not queries.is_current(h, today)],
        form=form,
        today=today,
    )


def _post_form(form: PostForm) -> PostForm:
    form.unit_id.choices = queries.unit_choices(_("Choose a unit"))
    form.superior_post_id.choices = queries.post_choices(_("(none: a top post)"))
    return form


def _post_values(form: PostForm) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "unit_id": form.unit_id.data,
        "level": form.level.data,
        "superior_post_id": form.superior_post_id.data,
        "business_duties": form.business_duties.data,
        "party": bool(form.party.data),
    }


@bp.route("/posts/new", methods=["GET", "POST"])
@admin_required
def post_new() -> str | Response:
    form = _post_form(PostForm(unit_id=request.args.get("unit_id", type=int)))
    if form.validate_on_submit():
        try:
            post = org.create_post(_me(), **_post_values(form), now=clock.now())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Post %(title)s created.", title=post.title), "success")
            return redirect(url_for("org.post_detail", post_id=post.id))
    return render_template("org/post_form.html", **_context(form=form, post=None))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@admin_required
def post_edit(post_id: int) -> str | Response:
    post = get_or_404(Post, post_id)
    form = _post_form(PostForm(obj=post, level=post.level.value))
    if form.validate_on_submit():
        try:
            org.update_post(_me(), post, **_post_values(form), now=clock.now())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("Post %(title)s saved.", title=post.title), "success")
            return redirect(url_for("org.post_detail", post_id=post.id))
    return render_template("org/post_form.html", **_context(form=form, post=post))


# --- holdings ----------------------------------------------------------------


def _holding_form(form: HoldingForm) -> HoldingForm:
    form.user_id.choices = queries.user_choices(_("Choose a person"))
    return form


@bp.route("/posts/<int:post_id>/holders", methods=["POST"])
@admin_required
def holder_assign(post_id: int) -> str | Response:
    post = get_or_404(Post, post_id)
    form = _holding_form(HoldingForm())
    if form.validate_on_submit():
        try:
            holding = org.assign_holder(
                _me(),
                post_id=post.id,
                user_id=form.user_id.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(
                _("%(name)s now holds %(title)s.", name=holding.user.name, title=post.title),
                "success",
            )
            return redirect(url_for("org.post_detail", post_id=post.id))
    today = clock.today()
    page = _post_page(post, queries.holdings_of_post(post), form, today)
    return render_template("org/post.html", **page), 422


@bp.route("/holdings/<int:holding_id>/end", methods=["GET", "POST"])
@admin_required
def holding_end(holding_id: int) -> str | Response:
    """End a holding on a chosen last day; the row stays as history."""
    holding = get_or_404(PostHolder, holding_id)
    form = EndHoldingForm(end_date=holding.end_date or clock.today())
    if form.validate_on_submit():
        try:
            org.end_holding(_me(), holding, end_date=form.end_date.data, now=clock.now())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("The holding ends on %(day)s.", day=form.end_date.data.isoformat()), "success")
            return redirect(url_for("org.post_detail", post_id=holding.post_id))
    return render_template("org/holding_end.html", **_context(form=form, holding=holding))


# --- people ------------------------------------------------------------------

STATUSES = ("active", "inactive", "all")


@bp.route("/people")
def people() -> str:
    """People by name, searchable, keyset-paginated."""
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    after = _people_cursor(request.args.get("cursor"))
    rows, next_key = queries.people_page(q=q, status=status, after=after)
    return render_template(
        "org/people.html",
        **_context(
            people=rows,
            posts=queries.current_posts([u.id for u in rows], clock.today()),
            q=q,
            status=status,
            next_cursor=encode_cursor(next_key) if next_key else None,
        ),
    )


def _people_cursor(raw: str | None) -> tuple[str, int] | None:
    """A cursor from the previous page; a forged one starts from the top."""
    if not raw:
        return None
    try:
        name, ident = decode_cursor(raw, 2)
    except ValidationError:
        return None
    if not isinstance(name, str) or not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return name, ident


@bp.route("/people/<int:user_id>")
def person_detail(user_id: int) -> str:
    person = get_or_404(User, user_id)
    today = clock.today()
    holdings = queries.holdings_of_user(person)
    return render_template(
        "org/person.html",
        **_context(
            person=person,
            current=[h for h in holdings if queries.is_current(h, today)],
            past=[h for h in holdings if not queries.is_current(h, today)],
            action_form=EmptyForm(),
            is_me=person.id == _me().id,
        ),
    )


@bp.route("/people/new", methods=["GET", "POST"])
@admin_required
def person_new() -> str | Response:
    form = NewPersonForm()
    if form.validate_on_submit():
        try:
            person = org.create_user(
                _me(),
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                locale=form.locale.data,
                is_admin=form.is_admin.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("%(name)s can now sign in.", name=person.name), "success")
            return redirect(url_for("org.person_detail", user_id=person.id))
    return render_template("org/person_form.html", **_context(form=form, person=None))


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def person_edit(user_id: int) -> str | Response:
    person = get_or_404(User, user_id)
    form = PersonForm(obj=person, locale=person.locale.value)
    if form.validate_on_submit():
        try:
            org.update_user(
                _me(),
                person,
                name=form.name.data,
                email=form.email.data,
                locale=form.locale.data,
                is_admin=form.is_admin.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash(_("%(name)s saved.", name=person.name), "success")
            return redirect(url_for("org.person_detail", user_id=person.id))
    return render_template("org/person_form.html", **_context(form=form, person=person))


@bp.route("/people/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def person_deactivate(user_id: int) -> str | Response:
    """Confirm first: the person's holdings end yesterday and they are signed out."""
    person = get_or_404(User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            org.deactivate_user(_me(), person, today=clock.today(), now=clock.now())
        except ValidationError as error:
            for messages in error.fields.values():
                for message in messages:
                    flash(message, "error")
        else:
            flash(_("%(name)s is deactivated.", name=person.name), "success")
        return redirect(url_for("org.person_detail", user_id=person.id))
    today = clock.today()
    return render_template(
        "org/person_deactivate.html",
        **_context(
            person=person,
            form=form,
            current=[h for h in queries.holdings_of_user(person) if queries.is_current(h, today)],
        ),
    )


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def person_reactivate(user_id: int) -> Response:
    """Sign-in works again; past holdings stay ended (assign posts anew)."""
    person = get_or_404(User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        org.reactivate_user(_me(), person, now=clock.now())
        flash(_("%(name)s can sign in again.", name=person.name), "success")
    return redirect(url_for("org.person_detail", user_id=person.id))


# --- Excel import ------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_workbook() -> str | tuple[str, int] | Response:
    """Upload a workbook; all-or-nothing, every bad cell listed."""
    form = ImportForm()
    problems: list[org_import.Problem] = []
    if form.validate_on_submit():
        try:
            result = org_import.import_workbook(_me(), form.workbook.data.stream, now=clock.now())
        except org_import.ImportRejected as rejected:
            problems = rejected.problems
        else:
            flash(
                _(
                    "Imported %(units)d units, %(posts)d posts, %(people)d people "
                    "and %(holdings)d holdings.",
                    **result.counts(),
                ),
                "success",
            )
            return redirect(url_for("org.index"))
    status = 422 if problems or form.errors else 200
    page = render_template("org/import.html", **_context(form=form, problems=problems))
    return page, status


@bp.route("/import/template.xlsx")
@admin_required
def import_template() -> Response:
    return send_file(
        org_import.template_workbook(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="organisation-import-template.xlsx",
    )
