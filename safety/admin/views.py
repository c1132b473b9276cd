"""Administration: the audit log and its integrity. Admins only."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from safety import clock, permissions
from safety.admin import bp, labels
from safety.admin.forms import AuditFilterForm
from safety.extensions import login_manager
from safety.models import AuditEvent
from safety.services import audit_queries as queries
from safety.services.audit import verify_chain
from safety.services.cursors import decode_cursor, encode_cursor
from safety.services.errors import ValidationError

#: Audited object types whose pages the audit log links to.
OBJECT_ENDPOINTS = {
    "Unit": ("org.unit_detail", "unit_id"),
    "Post": ("org.post_detail", "post_id"),
    "User": ("org.person_detail", "user_id"),
}


@bp.before_request
def _require_admin() -> Any:
    """Every page here is for signed-in admins; others get 403 (the server decides)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.is_admin(current_user._get_current_object()):
        abort(403)
    return None


def _integrity() -> dict[str, Any]:
    intact, bad_id, checked = verify_chain()
    return {"intact": intact, "bad_id": bad_id, "checked": checked}


@bp.route("/")
def index() -> str:
    """Administration home: the audit chain's state and where to go next."""
    return render_template("admin/index.html", integrity=_integrity())


@bp.route("/audit")
def audit() -> str:
    """The audit log, newest first, filterable, keyset-paginated."""
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(a, labels.action_label(a)) for a in queries.distinct_values(AuditEvent.action)
    ]
    form.object_type.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(t, labels.type_label(t))
        for t in queries.distinct_values(AuditEvent.object_type)
    ]
    valid = form.validate()
    filters = queries.AuditFilters()
    if valid:
        filters = queries.AuditFilters(
            actor=(form.actor.data or "").strip() or None,
            action=form.action.data or None,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data,
            since=form.since.data,
            until=form.until.data,
        )
    cursor = request.args.get("cursor")
    before_id = _before_id(cursor)
    rows, next_id = queries.audit_page(filters, before_id=before_id, zone=clock.tz())
    holdings = queries.holding_posts(
        [e.object_id for e, _a in rows if e.object_type == "PostHolder" and e.object_id]
    )
    events = [
        {
            "event": event,
            "actor": actor,
            "changes": queries.describe_changes(event.changes),
            "action": labels.action_label(event.action),
            "object": labels.type_label(event.object_type),
            "url": _object_url(event, holdings),
        }
        for event, actor in rows
    ]
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    next_url = url_for("admin.audit", **args, cursor=encode_cursor([next_id])) if next_id else None
    return render_template(
        "admin/audit.html",
        form=form,
        events=events,
        next_url=next_url,
        first_url=url_for("admin.audit", **args) if before_id else None,
        integrity=_integrity() if before_id is None else None,
    )


def _before_id(cursor: str | None) -> int | None:
    """The id a cursor continues before; a forged cursor starts from the newest."""
    if not cursor:
        return None
    try:
        (value,) = decode_cursor(cursor, 1)
    except ValidationError:
        return None
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def _object_url(event: AuditEvent, holdings: dict[int, int]) -> str | None:
    """The page of the audited object, when this area has one (a holding: its post)."""
    if event.object_type == "PostHolder" and event.object_id in holdings:
        return url_for("org.post_detail", post_id=holdings[event.object_id])
    target = OBJECT_ENDPOINTS.get(event.object_type)
    if target is None or event.object_id is None:
        return None
    return url_for(target[0], **{target[1]: event.object_id})
