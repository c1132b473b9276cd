"""The major-hazard procedure (重大事故隐患, contract §7) and extension requests.

Approval of the 治理方案 by the unit's principal (``main``), the report to
the authority (挂牌督办 or not), regrading with a reason, the authority's
write-off (核销) of a listed hazard, and extensions asked for by the
accountable holders and decided by managers. Same transaction shape as
:mod:`.loop`: ``_begin`` checks, ``_finish`` logs, notifies and commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from safety import permissions
from safety.models import Hazard, HazardLevel, User
from safety.services.errors import Conflict, ValidationError
from safety.services.hazards.criteria import check_criterion
from safety.services.hazards.fields import _bool, _date, _text
from safety.services.hazards.loop import _begin, _finish, check_extension_cap
from safety.services.validation import raise_if_any as _raise


def _body(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    return data


def _is_major(hazard: Hazard) -> None:
    if hazard.level != HazardLevel.MAJOR:
        raise Conflict(_("This step is only for a major hazard."))


def approve_plan(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """The principal (``main`` for the unit or above) approves the 治理方案.

    :raise Forbidden: for anyone else (admins included: the rules name the principal).
    :raise Conflict: a general hazard, no plan yet, or already approved.
    """
    _begin(
        actor,
        hazard,
        "approve_plan",
        version=version,
        allowed=permissions.can_approve_plan(actor, hazard, today),
        today=today,
    )
    _is_major(hazard)
    if hazard.plan_approved_at is not None:
        raise Conflict(_("The plan is already approved."))
    if not hazard.plan:
        raise Conflict(_("Set the rectification plan (治理方案) before approving it."))
    errors: dict[str, str] = {}
    note = _text(errors, "note", _body(data).get("note"), max_len=20000)
    _raise(errors)
    hazard.plan_approved_at = now
    hazard.plan_approved_by_id = actor.id
    return _finish(actor, hazard, "approve_plan", version=int(version), now=now, note=note, data={})


def report_authority(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Record the report to the authority: to whom, when, listed (挂牌督办) or not."""
    _begin(
        actor,
        hazard,
        "report_authority",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    _is_major(hazard)
    data = _body(data)
    errors: dict[str, str] = {}
    authority = _text(errors, "authority", data.get("authority"), required=True, max_len=200)
    reported_on = _date(errors, "reported_on", data.get("reported_on"), required=True)
    if reported_on is not None and reported_on > today:
        errors["reported_on"] = _("Cannot be in the future.")
    listed = _bool(data.get("listed"))
    deadline = _date(errors, "supervision_deadline", data.get("supervision_deadline"))
    _raise(errors)
    changes = {
        "supervising_authority": authority,
        "reported_to_authority_on": reported_on,
        "listed_for_supervision": listed,
        "supervision_deadline": deadline,
    }
    for key, value in changes.items():
        setattr(hazard, key, value)
    return _finish(
        actor, hazard, "report_authority", version=int(version), now=now, note=None, data=changes
    )


def record_authority(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """The older field names (``reported_to_authority_on``, ``listed_for_supervision``,
    ``supervising_authority``) for :func:`report_authority`."""
    data = _body(data)
    return report_authority(
        actor,
        hazard,
        {
            "authority": data.get("supervising_authority"),
            "reported_on": data.get("reported_to_authority_on"),
            "listed": data.get("listed_for_supervision"),
            "supervision_deadline": data.get("supervision_deadline"),
        },
        version=version,
        now=now,
        today=today,
    )


def write_off_hazard(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """核销: the authority's write-off of a listed hazard; pending_writeoff → closed."""
    _begin(
        actor,
        hazard,
        "write_off",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    data = _body(data)
    errors: dict[str, str] = {}
    authority = _text(errors, "authority", data.get("authority"), required=True, max_len=200)
    decided_on = _date(errors, "decided_on", data.get("decided_on"), required=True)
    if decided_on is not None and decided_on > today:
        errors["decided_on"] = _("Cannot be in the future.")
    document = _text(errors, "document_no", data.get("document_no"), max_len=100)
    note = _text(errors, "note", data.get("note"), max_len=20000)
    _raise(errors)
    hazard.write_off_authority = authority
    hazard.written_off_on = decided_on
    hazard.write_off_document = document
    hazard.closed_at = now
    return _finish(
        actor,
        hazard,
        "write_off",
        version=int(version),
        now=now,
        note=note,
        data={"authority": authority, "decided_on": decided_on, "document_no": document},
    )


def regrade_hazard(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Move a hazard between general and major, with a reason (managers, before closing).

    Major needs a ``criterion`` of a published set, as when reporting.
    """
    _begin(
        actor,
        hazard,
        "regrade",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    data = _body(data)
    errors: dict[str, str] = {}
    try:
        level = HazardLevel(data.get("level"))
    except ValueError:
        errors["level"] = _("Must be one of: %(allowed)s.", allowed="general, major")
        level = None
    criterion = check_criterion(level, data.get("criterion"), errors)
    reason = _text(errors, "reason", data.get("reason"), required=True, max_len=20000)
    _raise(errors)
    old = {"level": hazard.level, "criterion": hazard.criterion}
    hazard.level = level
    hazard.criterion = criterion
    if level == HazardLevel.GENERAL:
        hazard.stop_work = False
    return _finish(
        actor,
        hazard,
        "regrade",
        version=int(version),
        now=now,
        note=reason,
        data={"from": old, "level": level, "criterion": criterion},
    )


def request_extension(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """The accountable holders ask for a later deadline; the deadline stays until granted."""
    _begin(
        actor,
        hazard,
        "request_extension",
        version=version,
        allowed=permissions.can_submit_hazard(actor, hazard, today),
        today=today,
    )
    check_extension_cap(hazard)
    if hazard.extension_requested is not None:
        raise Conflict(_("An extension request is already waiting for a decision."))
    data = _body(data)
    errors: dict[str, str] = {}
    deadline = _date(errors, "deadline", data.get("deadline"), required=True)
    if deadline is not None and (
        deadline < today or (hazard.deadline is not None and deadline <= hazard.deadline)
    ):
        errors["deadline"] = _(
            "The new deadline must be later than the current one (%(current)s).",
            current=hazard.deadline,
        )
    reason = _text(errors, "reason", data.get("reason"), required=True, max_len=20000)
    _raise(errors)
    hazard.extension_requested = deadline
    hazard.extension_reason = reason
    return _finish(
        actor,
        hazard,
        "request_extension",
        version=int(version),
        now=now,
        note=reason,
        data={"deadline": deadline, "current": hazard.deadline},
    )


def refuse_extension(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """A manager refuses the open extension request, with a reason."""
    _begin(
        actor,
        hazard,
        "refuse_extension",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    if hazard.extension_requested is None:
        raise Conflict(_("There is no extension request to decide."))
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", _body(data).get("reason"), required=True, max_len=20000)
    _raise(errors)
    asked = hazard.extension_requested
    hazard.extension_requested = None
    hazard.extension_reason = None
    return _finish(
        actor,
        hazard,
        "refuse_extension",
        version=int(version),
        now=now,
        note=reason,
        data={"requested": asked},
    )
