"""The one entry point for hazard actions: :func:`perform`.

The HTML views, the JSON API and the demo loaders all call it with the
action's name, the actor, the data and the version the actor saw; adding an
action means one function and one line in :data:`HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from safety import permissions
from safety.models import Hazard, HazardLevel, HazardStatus, User
from safety.services.errors import ValidationError
from safety.services.hazards import loop, major
from safety.services.hazards.lists import get_hazard
from safety.services.hazards.loop import TRANSITIONS
from safety.services.hazards.report import Uploads

S = HazardStatus

Handler = Callable[..., Hazard]


def _assign(actor: User, hazard: Hazard, data: Mapping[str, Any], **kw: Any) -> Hazard:
    return loop.assign_hazard(actor, hazard, data, **kw)


def _submit(
    actor: User, hazard: Hazard, data: Mapping[str, Any], photos: Uploads = (), **kw: Any
) -> Hazard:
    return loop.submit_hazard(actor, hazard, note=data.get("note"), photos=photos, **kw)


def _verify(actor: User, hazard: Hazard, data: Mapping[str, Any], **kw: Any) -> Hazard:
    return loop.verify_hazard(
        actor, hazard, note=data.get("note"), evaluation=data.get("evaluation"), **kw
    )


def _reject(actor: User, hazard: Hazard, data: Mapping[str, Any], **kw: Any) -> Hazard:
    return loop.reject_hazard(actor, hazard, note=data.get("note"), **kw)


def _extend(actor: User, hazard: Hazard, data: Mapping[str, Any], **kw: Any) -> Hazard:
    return loop.extend_hazard(
        actor, hazard, deadline=data.get("deadline"), reason=data.get("reason"), **kw
    )


def _void(actor: User, hazard: Hazard, data: Mapping[str, Any], **kw: Any) -> Hazard:
    return loop.void_hazard(actor, hazard, reason=data.get("reason"), **kw)


#: action name → handler(actor, hazard, data, *, version, now, today[, photos]).
HANDLERS: dict[str, Handler] = {
    "assign": _assign,
    "submit": _submit,
    "verify": _verify,
    "reject": _reject,
    "extend": _extend,
    "void": _void,
    "request_extension": major.request_extension,
    "refuse_extension": major.refuse_extension,
    "approve_plan": major.approve_plan,
    "report_authority": major.report_authority,
    "regrade": major.regrade_hazard,
    "write_off": major.write_off_hazard,
}
ACTION_NAMES = tuple(HANDLERS)


def perform(
    hazard_id: int | Hazard,
    action: str,
    actor: User | None,
    data: Mapping[str, Any] | None,
    version: Any,
    *,
    now: datetime,
    today: date,
    photos: Uploads = (),
) -> Hazard:
    """Run ``action`` on the hazard for ``actor``; the one way every caller acts.

    :raise NotFound: no such hazard (or action).
    :raise Conflict: stale ``version`` or a transition the status forbids.
    :raise Forbidden: ``actor`` may not do this to this hazard.
    :raise ValidationError: naming each bad field of ``data``.
    """
    from safety.services.errors import NotFound

    handler = HANDLERS.get(action)
    if handler is None:
        raise NotFound(_("No such action."))
    hazard = hazard_id if isinstance(hazard_id, Hazard) else get_hazard(hazard_id)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    kw: dict[str, Any] = {"version": version, "now": now, "today": today}
    if action == "submit":
        kw["photos"] = photos
    return handler(actor, hazard, data, **kw)


def discard_changes() -> None:
    """Drop what a failed action left in the session (views call this, not the session)."""
    from safety.extensions import db

    db.session.rollback()


def allowed_actions(user: User | None, hazard: Hazard, today: date) -> dict[str, bool]:
    """Which action forms to show ``user`` (status allows it and so do the rules)."""
    manage = permissions.can_manage_hazard(user, hazard, today)
    holder = permissions.can_submit_hazard(user, hazard, today)
    major_ = hazard.level == HazardLevel.MAJOR
    approved = hazard.plan_approved_at is not None
    requested = hazard.extension_requested is not None
    result = {
        "assign": manage,
        "extend": manage,
        "refuse_extension": manage and requested,
        "request_extension": holder and not requested,
        "void": manage,
        "submit": holder and (approved or not major_),
        "verify": permissions.can_verify_hazard(user, hazard, today),
        "approve_plan": major_
        and not approved
        and bool(hazard.plan)
        and permissions.can_approve_plan(user, hazard, today),
        "report_authority": manage and major_,
        "regrade": manage,
        "write_off": manage and major_,
    }
    result["reject"] = result["verify"]
    return {action: ok and hazard.status in TRANSITIONS[action][0] for action, ok in result.items()}


#: The actions a state machine may try (the loop and the requests).
ACTIONS = ("assign", "submit", "verify", "reject", "extend", "void")
