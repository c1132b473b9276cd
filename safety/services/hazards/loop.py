"""The closed loop (五定): assign, submit, verify, reject, extend, void.

Every action is one transaction: optimistic version check, transition
table, permission (from :mod:`safety.permissions`), validation, the change,
one append-only :class:`HazardEvent`, an audit record, the event
notification, commit. Time is always an argument (``now``, ``today``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from safety import permissions
from safety.extensions import db
from safety.models import Hazard, HazardLevel, HazardStatus, Post, User
from safety.services import audit, events, photos
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.hazards.fields import _bool, _date, _funds, _plan, _text
from safety.services.hazards.labels import STATUS_LABELS
from safety.services.hazards.report import Uploads, _attach_photos, _commit_with_photos, _event
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

S = HazardStatus

#: Statuses in which a hazard is still being dealt with (regrade, report to the authority).
ACTIVE = frozenset({S.REPORTED, S.RECTIFYING, S.PENDING_VERIFICATION})

#: action → (statuses it may start from, status it leads to; None = unchanged).
TRANSITIONS: dict[str, tuple[frozenset[HazardStatus], HazardStatus | None]] = {
    "assign": (frozenset({S.REPORTED}), S.RECTIFYING),
    "submit": (frozenset({S.RECTIFYING}), S.PENDING_VERIFICATION),
    # A listed major hazard goes to pending_writeoff instead (see verify_hazard).
    "verify": (frozenset({S.PENDING_VERIFICATION}), S.CLOSED),
    "reject": (frozenset({S.PENDING_VERIFICATION}), S.RECTIFYING),
    "extend": (frozenset({S.RECTIFYING, S.PENDING_VERIFICATION}), None),
    "void": (frozenset({S.REPORTED, S.RECTIFYING, S.PENDING_VERIFICATION}), S.VOID),
    "request_extension": (frozenset({S.RECTIFYING}), None),
    "refuse_extension": (frozenset({S.RECTIFYING, S.PENDING_VERIFICATION}), None),
    "approve_plan": (frozenset({S.RECTIFYING}), None),
    "report_authority": (ACTIVE, None),
    "regrade": (ACTIVE, None),
    "write_off": (frozenset({S.PENDING_WRITEOFF}), S.CLOSED),
}

#: The event notification (safety.services.events) each action sends.
EVENT_KINDS = {
    "assign": "assigned",
    "submit": "submitted",
    "verify": "verified",
    "reject": "rejected",
    "extend": "extension_decided",
    "refuse_extension": "extension_decided",
    "request_extension": "extension_requested",
    "void": "voided",
    "approve_plan": "plan_approved",
    "report_authority": "reported_to_authority",
    "regrade": "regraded",
    "write_off": "written_off",
}


def stale_message() -> str:
    return _("Someone changed this hazard in the meantime; reload it and try again.")


def _begin(
    actor: User | None,
    hazard: Hazard,
    action: str,
    *,
    version: Any,
    allowed: bool | None = None,
    today: date,
) -> None:
    """Version, transition and permission checks shared by every action.

    Order: a stale version first (the user must reload whatever they meant),
    then the transition (409 for anyone), then the permission (403).
    """
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise ValidationError({"version": _("This field is required.")}) from None
    if seen != hazard.version:
        raise Conflict(stale_message())
    sources, _target = TRANSITIONS[action]
    if hazard.status not in sources:
        raise Conflict(
            _(
                "This action is not possible while the hazard is %(status)s.",
                status=STATUS_LABELS[hazard.status],
            )
        )
    if actor is None or not allowed:
        raise Forbidden(_("You are not permitted to do this for this hazard."))


def _finish(
    actor: User,
    hazard: Hazard,
    action: str,
    *,
    version: int,
    now: datetime,
    note: str | None,
    data: dict[str, Any],
    stored: Sequence[photos.StoredImage] = (),
    target: HazardStatus | None = None,
) -> Hazard:
    """Bump the version guarded by the one the user saw, log, audit, notify, commit.

    The conditional UPDATE makes a concurrent change (another process, after
    our checks) a Conflict instead of a silent overwrite. ``target``
    overrides the transition table's status (a listed major hazard's verify).
    """
    target = target or TRANSITIONS[action][1]
    values: dict[str, Any] = {"version": version + 1, "updated_at": now}
    if target is not None:
        values["status"] = target
    result = db.session.execute(
        sa.update(Hazard)
        .where(Hazard.id == hazard.id, Hazard.version == version)
        .values(version=Hazard.version + 1, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        db.session.rollback()
        photos.discard(stored)
        raise Conflict(stale_message())
    for key, value in values.items():
        setattr(hazard, key, value)
    # The row already carries the new version; keep the ORM from writing it twice.
    db.session.flush()
    event = _event(hazard, action, actor, now=now, note=note, data=data)
    db.session.flush()
    _attach_photos(hazard, event, actor, stored)
    audit.record(actor, f"hazard.{action}", hazard, {"note": note, **data}, now=now)
    if action in EVENT_KINDS and not (action == "extend" and not data.get("requested")):
        events.hazard_event(EVENT_KINDS[action], hazard, actor, note, now=now)
    if action == "assign" and hazard.level == HazardLevel.MAJOR:
        # the next step of a major hazard: its 治理方案 waits for approval
        events.hazard_event("plan_approval_needed", hazard, actor, note, now=now)
    _commit_with_photos(stored)
    return hazard


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def assign_hazard(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Set the 五定 (and the 治理方案 for a major hazard); → rectifying.

    :raise Conflict: stale version, or not in status reported.
    :raise Forbidden: without main/leadership/supervision for the unit.
    :raise ValidationError: missing 五定 field, past deadline, negative funds,
        unknown post, empty plan part of a major hazard.
    """
    _begin(
        actor,
        hazard,
        "assign",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    errors: dict[str, str] = {}
    post = _ref(errors, "accountable_post_id", Post, data.get("accountable_post_id"), required=True)
    deadline = _date(errors, "deadline", data.get("deadline"), required=True)
    if deadline is not None and deadline < today:
        errors["deadline"] = _("The deadline cannot be before today (%(today)s).", today=today)
    measures = _text(errors, "measures", data.get("measures"), required=True, max_len=20000)
    funds = _funds(errors, data.get("funds"))
    major = hazard.level == HazardLevel.MAJOR
    raw_plan = dict(data.get("plan") or {}) if isinstance(data.get("plan"), Mapping) else None
    contingency_raw = data.get("contingency_plan")
    if major and raw_plan is not None and _blank(contingency_raw):
        # The emergency measures are asked once: the plan's safety measures stand in.
        contingency_raw = raw_plan.get("safety_measures")
    contingency = _text(errors, "contingency_plan", contingency_raw, required=True, max_len=20000)
    plan = _plan(errors, raw_plan if raw_plan is not None else data.get("plan"), required=major)
    stop_work = _bool(data.get("stop_work")) if major else False
    _raise(errors)
    hazard.accountable_post_id = post.id
    hazard.deadline = deadline
    hazard.measures = measures
    hazard.funds = funds
    hazard.contingency_plan = contingency
    hazard.plan = plan
    hazard.stop_work = stop_work
    hazard.plan_approved_at = None
    hazard.plan_approved_by_id = None
    hazard.assigned_at = now
    hazard.submitted_by_id = None
    hazard.submitted_at = None
    snapshot = {
        "accountable_post_id": post.id,
        "accountable_post": post.title,
        "deadline": deadline,
        "measures": measures,
        "funds": funds,
        "contingency_plan": contingency,
    }
    if plan:
        snapshot["plan"] = plan
    if major:
        snapshot["stop_work"] = stop_work
    return _finish(
        actor, hazard, "assign", version=int(version), now=now, note=measures, data=snapshot
    )


def submit_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    note: Any,
    version: Any,
    now: datetime,
    today: date,
    photos: Uploads = (),
) -> Hazard:
    """The accountable post's holder reports the rectification done; → pending_verification.

    :raise Forbidden: unless ``actor`` holds the accountable post today.
    :raise ValidationError: without a note, or with a bad photo.
    """
    from safety.services import photos as photo_service

    _begin(
        actor,
        hazard,
        "submit",
        version=version,
        allowed=permissions.can_submit_hazard(actor, hazard, today),
        today=today,
    )
    if hazard.level == HazardLevel.MAJOR and hazard.plan_approved_at is None:
        raise Conflict(
            _(
                "The rectification plan (治理方案) of a major hazard "
                "must be approved before submitting."
            )
        )
    errors: dict[str, str] = {}
    text = _text(errors, "note", note, required=True, max_len=20000)
    _raise(errors)
    stored = photo_service.store_images(photos)
    hazard.submitted_by_id = actor.id
    hazard.submitted_at = now
    return _finish(
        actor,
        hazard,
        "submit",
        version=int(version),
        now=now,
        note=text,
        data={"photos": len(stored)},
        stored=stored,
    )


def verify_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    note: Any = None,
    evaluation: Any = None,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Someone other than the submitter, with supervision/leadership, closes it.

    A major hazard needs its 评估 (``evaluation``); one listed for
    supervision (挂牌督办) then waits in ``pending_writeoff`` for the
    authority's 核销 instead of closing.

    :raise Forbidden: for the submitter or without the responsibility.
    """
    _begin(
        actor,
        hazard,
        "verify",
        version=version,
        allowed=permissions.can_verify_hazard(actor, hazard, today),
        today=today,
    )
    errors: dict[str, str] = {}
    text = _text(errors, "note", note, max_len=20000)
    major = hazard.level == HazardLevel.MAJOR
    assessed = _text(errors, "evaluation", evaluation, required=major, max_len=20000)
    _raise(errors)
    hazard.verified_by_id = actor.id
    hazard.verified_at = now
    waiting = major and hazard.listed_for_supervision
    if assessed:
        hazard.evaluation = assessed
    if not waiting:
        hazard.closed_at = now
    data: dict[str, Any] = {"submitted_by_id": hazard.submitted_by_id}
    if assessed:
        data["evaluation"] = assessed
    return _finish(
        actor,
        hazard,
        "verify",
        version=int(version),
        now=now,
        note=text,
        data=data,
        target=S.PENDING_WRITEOFF if waiting else None,
    )


def reject_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    note: Any,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Send the rectification back with a reason; → rectifying (deadline unchanged).

    :raise ValidationError: without a reason (``note``).
    """
    _begin(
        actor,
        hazard,
        "reject",
        version=version,
        allowed=permissions.can_verify_hazard(actor, hazard, today),
        today=today,
    )
    errors: dict[str, str] = {}
    text = _text(errors, "note", note, required=True, max_len=20000)
    _raise(errors)
    previous = hazard.submitted_by_id
    hazard.submitted_by_id = None
    hazard.submitted_at = None
    return _finish(
        actor,
        hazard,
        "reject",
        version=int(version),
        now=now,
        note=text,
        data={"submitted_by_id": previous},
    )


def extend_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    deadline: Any,
    reason: Any,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Move the deadline later, with a reason; the status stays.

    :raise ValidationError: deadline missing, before today or not later than
        the current one; reason missing.
    """
    _begin(
        actor,
        hazard,
        "extend",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    check_extension_cap(hazard)
    if _blank(deadline) and hazard.extension_requested is not None:
        deadline = hazard.extension_requested  # granting the request as asked
    errors: dict[str, str] = {}
    new_deadline = _date(errors, "deadline", deadline, required=True)
    if new_deadline is not None:
        if new_deadline < today:
            errors["deadline"] = _("The deadline cannot be before today (%(today)s).", today=today)
        elif hazard.deadline is not None and new_deadline <= hazard.deadline:
            errors["deadline"] = _(
                "The new deadline must be later than the current one (%(current)s).",
                current=hazard.deadline,
            )
    text = _text(errors, "reason", reason, required=True, max_len=20000)
    _raise(errors)
    old = hazard.deadline
    requested = hazard.extension_requested
    hazard.deadline = new_deadline
    hazard.extension_count = (hazard.extension_count or 0) + 1
    hazard.extension_requested = None
    hazard.extension_reason = None
    data: dict[str, Any] = {"old_deadline": old, "deadline": new_deadline}
    if requested is not None:
        data["requested"] = requested
    return _finish(actor, hazard, "extend", version=int(version), now=now, note=text, data=data)


def check_extension_cap(hazard: Hazard) -> None:
    """At most ``MAX_EXTENSIONS`` granted extensions per hazard (a state conflict)."""
    cap = int(current_app.config["MAX_EXTENSIONS"])
    if (hazard.extension_count or 0) >= cap:
        raise Conflict(_("This hazard's deadline has already been extended %(n)d times.", n=cap))


def void_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    reason: Any,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Withdraw a report (duplicate, mistaken); → void, kept in the register."""
    _begin(
        actor,
        hazard,
        "void",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    errors: dict[str, str] = {}
    text = _text(errors, "reason", reason, required=True, max_len=20000)
    _raise(errors)
    previous = hazard.status
    return _finish(
        actor,
        hazard,
        "void",
        version=int(version),
        now=now,
        note=text,
        data={"from_status": previous},
    )
