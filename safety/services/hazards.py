"""The hazard register's closed loop (五定): report, assign, submit, verify.

Every action is one transaction: optimistic version check, transition
table, permission (from :mod:`safety.permissions`), validation, the change,
one append-only :class:`HazardEvent`, an audit record, commit. Time is
always an argument (``now`` instant, ``today`` in TIMEZONE).

:func:`new_hazard` is the exception: it flushes but does not commit, so an
inspection can raise hazards inside its own transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from safety import permissions
from safety.clock import local_date
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardCounter,
    HazardEvent,
    HazardLevel,
    HazardPhoto,
    HazardStatus,
    Post,
    PostHolder,
    Unit,
    User,
)
from safety.services import audit, events, photos
from safety.services.db import insert_or_ignore
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.org import holders_on, holding_filter, unit_subtree_ids
from safety.services.overdue import overdue_clause
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

S = HazardStatus

#: action → (statuses it may start from, status it leads to; None = unchanged).
TRANSITIONS: dict[str, tuple[frozenset[HazardStatus], HazardStatus | None]] = {
    "assign": (frozenset({S.REPORTED}), S.RECTIFYING),
    "submit": (frozenset({S.RECTIFYING}), S.PENDING_VERIFICATION),
    "verify": (frozenset({S.PENDING_VERIFICATION}), S.CLOSED),
    "reject": (frozenset({S.PENDING_VERIFICATION}), S.RECTIFYING),
    "extend": (frozenset({S.RECTIFYING, S.PENDING_VERIFICATION}), None),
    "void": (frozenset({S.REPORTED, S.RECTIFYING, S.PENDING_VERIFICATION}), S.VOID),
    "authority": (frozenset(S) - {S.VOID}, None),
    "write_off": (frozenset({S.CLOSED}), None),
}

#: The six parts of a major hazard's 治理方案, in display order.
PLAN_PARTS: tuple[str, ...] = (
    "objective",
    "methods",
    "resources",
    "organisation",
    "schedule",
    "safety_measures",
)
PLAN_LABELS = {
    "objective": _l("Objective"),
    "methods": _l("Methods"),
    "resources": _l("Funds and materials"),
    "organisation": _l("Organisation and people"),
    "schedule": _l("Schedule"),
    "safety_measures": _l("Safety measures during rectification"),
}

#: Standard LEC value tables (作业条件危险性分析法): value → meaning.
LEC_L = [
    (10, _l("Fully expected")),
    (6, _l("Quite possible")),
    (3, _l("Possible but unusual")),
    (1, _l("Remotely possible")),
    (0.5, _l("Conceivable but very unlikely")),
    (0.2, _l("Practically impossible")),
    (0.1, _l("Virtually impossible")),
]
LEC_E = [
    (10, _l("Continuous")),
    (6, _l("Daily during working hours")),
    (3, _l("Weekly, or now and then")),
    (2, _l("Once a month")),
    (1, _l("A few times a year")),
    (0.5, _l("Very rarely")),
]
LEC_C = [
    (100, _l("Catastrophe, many deaths")),
    (40, _l("Disaster, several deaths")),
    (15, _l("Very serious, one death")),
    (7, _l("Serious, severe injury")),
    (3, _l("Important, disabling injury")),
    (1, _l("Noticeable, needs first aid")),
]
LEC_MAX = {"l": 10.0, "e": 10.0, "c": 100.0}
RISK_LABELS = {
    "major": _l("Major risk"),
    "significant": _l("Significant risk"),
    "general": _l("General risk"),
    "low": _l("Low risk"),
}
STATUS_LABELS = {
    S.REPORTED: _l("Reported"),
    S.RECTIFYING: _l("Rectifying"),
    S.PENDING_VERIFICATION: _l("Pending verification"),
    S.CLOSED: _l("Closed"),
    S.VOID: _l("Void"),
}
LEVEL_LABELS = {HazardLevel.GENERAL: _l("General"), HazardLevel.MAJOR: _l("Major")}
ACTION_LABELS = {
    "report": _l("Reported"),
    "assign": _l("Assigned"),
    "submit": _l("Rectification submitted"),
    "verify": _l("Verified and closed"),
    "reject": _l("Rejected"),
    "extend": _l("Deadline extended"),
    "void": _l("Voided"),
    "authority": _l("Authority reporting updated"),
    "write_off": _l("Written off (核销)"),
}
#: Common hazard categories (free text is allowed as well).
CATEGORIES = (
    "fire",
    "electrical",
    "machinery",
    "hazardous_chemicals",
    "confined_space",
    "working_at_height",
    "special_equipment",
    "occupational_health",
    "management",
    "other",
)
CATEGORY_LABELS = {
    "fire": _l("Fire safety"),
    "electrical": _l("Electrical"),
    "machinery": _l("Machinery"),
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "confined_space": _l("Confined space"),
    "working_at_height": _l("Working at height"),
    "special_equipment": _l("Special equipment"),
    "occupational_health": _l("Occupational health"),
    "management": _l("Management"),
    "other": _l("Other"),
}
MAX_FUNDS = Decimal("999999999999.99")


def stale_message() -> str:
    return _("Someone changed this hazard in the meantime; reload it and try again.")


# --- LEC risk ------------------------------------------------------------------


def risk_score(hazard: Hazard) -> float | None:
    """D = L × E × C, or None when not assessed."""
    if hazard.risk_l is None or hazard.risk_e is None or hazard.risk_c is None:
        return None
    return round(hazard.risk_l * hazard.risk_e * hazard.risk_c, 2)


def risk_grade(score: float | None) -> str | None:
    """major / significant / general / low from config ``LEC_THRESHOLDS``."""
    if score is None:
        return None
    thresholds = sorted(current_app.config["LEC_THRESHOLDS"], key=lambda t: t[0], reverse=True)
    for lower, grade in thresholds:
        if score > lower or (lower == 0 and score >= 0):
            return grade
    return thresholds[-1][1] if thresholds else None


def risk_bands() -> list[tuple[str, str, float, float | None]]:
    """(grade, label, lower bound, upper bound or None), highest first, from config."""
    thresholds = sorted(current_app.config["LEC_THRESHOLDS"], key=lambda t: t[0], reverse=True)
    bands: list[tuple[str, str, float, float | None]] = []
    upper: float | None = None
    for lower, grade in thresholds:
        bands.append((grade, str(RISK_LABELS.get(grade, grade)), lower, upper))
        upper = lower
    return bands


# --- small validators ------------------------------------------------------------


def _text(
    errors: dict[str, str],
    name: str,
    value: Any,
    *,
    required: bool = False,
    max_len: int | None = None,
) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = _("Must be text.")
        return None
    text = (value or "").strip()
    if not text:
        if required:
            errors[name] = _("This field is required.")
        return None
    if max_len is not None and len(text) > max_len:
        errors[name] = _("At most %(n)d characters.", n=max_len)
        return None
    return text


def _date(errors: dict[str, str], name: str, value: Any, *, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            errors[name] = _("This field is required.")
        return None
    if isinstance(value, datetime):
        errors[name] = _("Give a date (YYYY-MM-DD).")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Give a date (YYYY-MM-DD).")
        return None


def _instant(errors: dict[str, str], name: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, date):
        from safety.clock import tz

        instant = datetime(value.year, value.month, value.day, 12, tzinfo=tz())
    else:
        try:
            instant = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors[name] = _("Give a date and time (ISO 8601).")
            return None
    if instant.tzinfo is None:
        from safety.clock import tz

        instant = instant.replace(tzinfo=tz())
    return instant.astimezone(UTC)


def _funds(errors: dict[str, str], value: Any) -> Decimal | None:
    if value is None or value == "":
        errors["funds"] = _("This field is required.")
        return None
    if isinstance(value, bool):
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    if not amount.is_finite():
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    if amount < 0:
        errors["funds"] = _("Funds cannot be negative.")
        return None
    if amount > MAX_FUNDS:
        errors["funds"] = _("The amount is too large.")
        return None
    return amount.quantize(Decimal("0.01"))


def _risk(errors: dict[str, str], value: Any) -> tuple[float | None, float | None, float | None]:
    """LEC factors: all three or none, each positive and within the tables' range."""
    if value is None or value == {} or value == "":
        return None, None, None
    if not isinstance(value, Mapping):
        errors["risk"] = _("Give l, e and c.")
        return None, None, None
    parts: dict[str, float | None] = {}
    given = [k for k in ("l", "e", "c") if value.get(k) not in (None, "")]
    if not given:
        return None, None, None
    for key in ("l", "e", "c"):
        raw = value.get(key)
        if raw in (None, ""):
            errors[f"risk.{key}"] = _("Give all three of L, E and C, or none.")
            parts[key] = None
            continue
        try:
            number = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number <= 0 or number > LEC_MAX[key]:
            errors[f"risk.{key}"] = _(
                "Must be a number above 0 and at most %(max)s.", max=f"{LEC_MAX[key]:g}"
            )
            parts[key] = None
        else:
            parts[key] = number
    return parts["l"], parts["e"], parts["c"]


def _plan(errors: dict[str, str], value: Any, *, required: bool) -> dict[str, str] | None:
    """The 治理方案: every part non-empty for a major hazard; optional otherwise."""
    if value is None or value == "":
        value = {}
    if not isinstance(value, Mapping):
        errors["plan"] = _("Give the plan's parts.")
        return None
    result: dict[str, str] = {}
    for part in PLAN_PARTS:
        text = _text(errors, f"plan.{part}", value.get(part), required=required, max_len=5000)
        if text:
            result[part] = text
    return result or None


# --- numbering -------------------------------------------------------------------


def next_number(year: int) -> tuple[int, str]:
    """Claim the next sequence number of ``year`` (atomic across processes).

    The year row is created if missing, then bumped with one UPDATE that
    reads back the new value, so two reporters never get the same number.
    """
    insert_or_ignore(HazardCounter, {"year": year, "last": 0}, ["year"])
    seq = db.session.execute(
        sa.update(HazardCounter)
        .where(HazardCounter.year == year)
        .values(last=HazardCounter.last + 1)
        .returning(HazardCounter.last),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return seq, f"YH-{year}-{seq:04d}"


# --- reporting -------------------------------------------------------------------


def _event(
    hazard: Hazard,
    action: str,
    actor: User | None,
    *,
    now: datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> HazardEvent:
    event = HazardEvent(
        hazard_id=hazard.id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        at=now,
        note=note,
        data=audit._jsonable(data or {}),
    )
    db.session.add(event)
    return event


def new_hazard(actor: User | None, data: Mapping[str, Any], *, now: datetime) -> Hazard:
    """Validate, number and add a hazard with its "report" event; flush, no commit.

    Any signed-in (active) user may report.

    :raise Forbidden: without an active actor.
    :raise ValidationError: naming each bad field; nothing is added then.
    """
    if actor is None or not getattr(actor, "active", False):
        raise Forbidden(_("Sign in to report a hazard."))
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    errors: dict[str, str] = {}
    title = _text(errors, "title", data.get("title"), required=True, max_len=300)
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), required=True)
    level_raw = data.get("level") or HazardLevel.GENERAL.value
    try:
        level = HazardLevel(level_raw)
    except ValueError:
        errors["level"] = _("Must be one of: %(allowed)s.", allowed="general, major")
        level = None
    description = _text(errors, "description", data.get("description"), max_len=20000)
    location = _text(errors, "location", data.get("location"), max_len=300)
    category = _text(errors, "category", data.get("category"), max_len=64)
    found_at = _instant(errors, "found_at", data.get("found_at")) or now
    if "found_at" not in errors and found_at > now + timedelta(minutes=10):
        errors["found_at"] = _("Cannot be in the future.")
    risk_l, risk_e, risk_c = _risk(errors, data.get("risk"))
    _raise(errors)

    year = local_date(now).year
    seq, number = next_number(year)
    hazard = Hazard(
        number=number,
        year=year,
        seq=seq,
        title=title,
        description=description,
        location=location,
        category=category,
        unit_id=unit.id,
        level=level,
        status=S.REPORTED,
        found_at=found_at,
        found_on=local_date(found_at),
        reporter_id=actor.id,
        risk_l=risk_l,
        risk_e=risk_e,
        risk_c=risk_c,
        version=1,
        created_at=now,
        updated_at=now,
    )
    db.session.add(hazard)
    db.session.flush()
    _event(hazard, "report", actor, now=now, note=description, data={"level": level})
    events.hazard_event("reported", hazard, actor, description, now=now)
    audit.record(
        actor,
        "hazard.report",
        hazard,
        {"number": number, "title": title, "unit_id": unit.id, "level": level},
        now=now,
    )
    db.session.flush()
    return hazard


Uploads = Iterable[bytes | FileStorage]


def _attach_photos(
    hazard: Hazard, event: HazardEvent | None, actor: User, stored: Sequence[photos.StoredImage]
) -> None:
    for image in stored:
        db.session.add(
            HazardPhoto(
                hazard_id=hazard.id,
                event_id=event.id if event is not None else None,
                stored_name=image.stored_name,
                thumb_name=image.thumb_name,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                uploaded_by_id=actor.id,
            )
        )


def _commit_with_photos(stored: Sequence[photos.StoredImage]) -> None:
    """Commit; if it fails, remove the files that no row will point to."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        photos.discard(stored)
        raise


def report_hazard(
    actor: User | None, data: Mapping[str, Any], *, now: datetime, photos: Uploads = ()
) -> Hazard:
    """Report a hazard with its photos, in one transaction.

    :raise ValidationError: for a bad field or photo; nothing is kept then.
    """
    from safety.services import photos as photo_service

    hazard = None
    try:
        hazard = new_hazard(actor, data, now=now)
        stored = photo_service.store_images(photos)
    except BaseException:
        db.session.rollback()
        raise
    event = db.session.scalar(
        sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard.id).order_by(HazardEvent.id)
    )
    _attach_photos(hazard, event, actor, stored)
    _commit_with_photos(stored)
    return hazard


# --- the closed loop ---------------------------------------------------------------


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
) -> Hazard:
    """Bump the version guarded by the one the user saw, log, audit, commit.

    The conditional UPDATE makes a concurrent change (another process, after
    our checks) a Conflict instead of a silent overwrite.
    """
    target = TRANSITIONS[action][1]
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
    kind = {"assign": "assigned", "reject": "rejected"}.get(action, action)
    events.hazard_event(kind, hazard, actor, note, now=now)
    audit.record(actor, f"hazard.{action}", hazard, {"note": note, **data}, now=now)
    _commit_with_photos(stored)
    return hazard


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
    contingency = _text(
        errors, "contingency_plan", data.get("contingency_plan"), required=True, max_len=20000
    )
    plan = _plan(errors, data.get("plan"), required=hazard.level == HazardLevel.MAJOR)
    _raise(errors)
    hazard.accountable_post_id = post.id
    hazard.deadline = deadline
    hazard.measures = measures
    hazard.funds = funds
    hazard.contingency_plan = contingency
    hazard.plan = plan
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
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """Someone other than the submitter, with supervision/leadership, closes it.

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
    _raise(errors)
    hazard.verified_by_id = actor.id
    hazard.verified_at = now
    hazard.closed_at = now
    return _finish(
        actor,
        hazard,
        "verify",
        version=int(version),
        now=now,
        note=text,
        data={"submitted_by_id": hazard.submitted_by_id},
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
    hazard.deadline = new_deadline
    return _finish(
        actor,
        hazard,
        "extend",
        version=int(version),
        now=now,
        note=text,
        data={"old_deadline": old, "deadline": new_deadline},
    )


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


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def record_authority(
    actor: User | None,
    hazard: Hazard,
    data: Mapping[str, Any],
    *,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """A major hazard's reporting to the authority and 挂牌督办 (listed supervision).

    :raise ValidationError: for a general hazard, a date in the future, or
        listed supervision without the authority's name.
    """
    _begin(
        actor,
        hazard,
        "authority",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    errors: dict[str, str] = {}
    if hazard.level != HazardLevel.MAJOR:
        errors["level"] = _("Only a major hazard is reported to the authority.")
    reported_on = _date(errors, "reported_to_authority_on", data.get("reported_to_authority_on"))
    if reported_on is not None and reported_on > today:
        errors["reported_to_authority_on"] = _("Cannot be in the future.")
    listed = _bool(data.get("listed_for_supervision"))
    authority = _text(
        errors, "supervising_authority", data.get("supervising_authority"), max_len=200
    )
    if listed and not authority and "supervising_authority" not in errors:
        errors["supervising_authority"] = _("Name the authority that listed it.")
    _raise(errors)
    changes = {
        "reported_to_authority_on": reported_on,
        "listed_for_supervision": listed,
        "supervising_authority": authority,
    }
    for key, value in changes.items():
        setattr(hazard, key, value)
    return _finish(
        actor, hazard, "authority", version=int(version), now=now, note=None, data=changes
    )


def write_off_hazard(
    actor: User | None,
    hazard: Hazard,
    *,
    written_off_on: Any,
    note: Any = None,
    version: Any,
    now: datetime,
    today: date,
) -> Hazard:
    """核销: the final sign-off of a closed major hazard (with the authority's date)."""
    _begin(
        actor,
        hazard,
        "write_off",
        version=version,
        allowed=permissions.can_manage_hazard(actor, hazard, today),
        today=today,
    )
    errors: dict[str, str] = {}
    if hazard.level != HazardLevel.MAJOR:
        errors["level"] = _("Only a major hazard is written off.")
    on = _date(errors, "written_off_on", written_off_on, required=True)
    if on is not None and on > today:
        errors["written_off_on"] = _("Cannot be in the future.")
    text = _text(errors, "note", note, max_len=20000)
    _raise(errors)
    hazard.written_off_on = on
    return _finish(
        actor,
        hazard,
        "write_off",
        version=int(version),
        now=now,
        note=text,
        data={"written_off_on": on},
    )


ACTIONS = ("assign", "submit", "verify", "reject", "extend", "void")


def allowed_actions(user: User | None, hazard: Hazard, today: date) -> dict[str, bool]:
    """Which action forms to show ``user`` (status allows it and so do the rules)."""
    manage = permissions.can_manage_hazard(user, hazard, today)
    result = {
        "assign": manage,
        "extend": manage,
        "void": manage,
        "submit": permissions.can_submit_hazard(user, hazard, today),
        "verify": permissions.can_verify_hazard(user, hazard, today),
        "authority": manage and hazard.level == HazardLevel.MAJOR,
        "write_off": manage and hazard.level == HazardLevel.MAJOR,
    }
    result["reject"] = result["verify"]
    return {action: ok and hazard.status in TRANSITIONS[action][0] for action, ok in result.items()}


# --- lists ---------------------------------------------------------------------------


SORTS = ("id", "found", "deadline")
FAR_FUTURE = date(9999, 12, 31)


@dataclass
class HazardFilters:
    """What a list (page, API, export) is narrowed to; all optional."""

    status: list[HazardStatus] = field(default_factory=list)
    unit_id: int | None = None
    level: HazardLevel | None = None
    overdue: bool | None = None
    accountable_post_id: int | None = None
    mine: bool = False
    q: str | None = None
    sort: str = "id"


def filtered_query(
    filters: HazardFilters, *, user: User | None, today: date
) -> sa.Select[tuple[Hazard]]:
    """SELECT of hazards matching ``filters`` (no order, no limit)."""
    stmt = sa.select(Hazard)
    if filters.status:
        stmt = stmt.where(Hazard.status.in_(filters.status))
    if filters.unit_id is not None:
        stmt = stmt.where(Hazard.unit_id.in_(unit_subtree_ids(filters.unit_id)))
    if filters.level is not None:
        stmt = stmt.where(Hazard.level == filters.level)
    if filters.overdue is True:
        stmt = stmt.where(overdue_clause(today))
    elif filters.overdue is False:
        stmt = stmt.where(sa.not_(overdue_clause(today)))
    if filters.accountable_post_id is not None:
        stmt = stmt.where(Hazard.accountable_post_id == filters.accountable_post_id)
    if filters.mine and user is not None:
        held = sa.select(PostHolder.post_id).where(
            PostHolder.user_id == user.id, holding_filter(today)
        )
        stmt = stmt.where(
            sa.or_(Hazard.reporter_id == user.id, Hazard.accountable_post_id.in_(held))
        )
    if filters.q:
        pattern = (
            "%"
            + filters.q.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            + "%"
        )
        stmt = stmt.where(
            sa.or_(
                Hazard.number.ilike(pattern, escape="\\"),
                Hazard.title.ilike(pattern, escape="\\"),
                Hazard.description.ilike(pattern, escape="\\"),
                Hazard.location.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def _sort_keys(sort: str) -> tuple[list[Any], list[bool]]:
    """Key columns and whether each sorts descending."""
    if sort == "found":
        return [Hazard.found_on, Hazard.id], [True, True]
    if sort == "deadline":
        return [sa.func.coalesce(Hazard.deadline, FAR_FUTURE), Hazard.id], [False, False]
    return [Hazard.id], [False]


def _cursor_values(hazard: Hazard, sort: str) -> list[Any]:
    if sort == "found":
        return [hazard.found_on.isoformat(), hazard.id]
    if sort == "deadline":
        return [(hazard.deadline or FAR_FUTURE).isoformat(), hazard.id]
    return [hazard.id]


def _parse_cursor(cursor: str, sort: str) -> list[Any]:
    from safety.services.cursors import decode_cursor

    size = 1 if sort == "id" else 2
    values = decode_cursor(cursor, size)
    try:
        if sort == "id":
            return [int(values[0])]
        return [date.fromisoformat(values[0]), int(values[1])]
    except (TypeError, ValueError):
        raise ValidationError({"cursor": _("Invalid cursor.")}) from None


@dataclass
class HazardPage:
    items: list[Hazard]
    next_cursor: str | None
    holders: dict[int, list[User]]


def list_hazards(
    filters: HazardFilters,
    *,
    user: User | None,
    today: date,
    cursor: str | None = None,
    limit: int = 50,
) -> HazardPage:
    """One page of hazards with their unit, post and today's holders.

    A constant number of queries whatever ``limit`` is: the page, units and
    posts (selectin) and holders (one query).

    :raise ValidationError: for a cursor this function did not hand out.
    """
    from safety.services.cursors import encode_cursor

    sort = filters.sort if filters.sort in SORTS else "id"
    keys, desc = _sort_keys(sort)
    stmt = filtered_query(filters, user=user, today=today).options(
        selectinload(Hazard.unit), selectinload(Hazard.accountable_post)
    )
    if cursor:
        values = _parse_cursor(cursor, sort)
        if all(desc):
            stmt = stmt.where(sa.tuple_(*keys) < sa.tuple_(*values))
        else:
            stmt = stmt.where(sa.tuple_(*keys) > sa.tuple_(*values))
    order = [k.desc() if d else k.asc() for k, d in zip(keys, desc, strict=True)]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor(_cursor_values(items[-1], sort)) if len(rows) > limit else None
    post_ids = {h.accountable_post_id for h in items if h.accountable_post_id is not None}
    return HazardPage(items=items, next_cursor=next_cursor, holders=holders_on(post_ids, today))


def iter_hazards(
    filters: HazardFilters, *, user: User | None, today: date, batch: int = 500
) -> Iterable[tuple[Hazard, list[User]]]:
    """Every matching hazard with its accountable holders, a page at a time (exports)."""
    cursor: str | None = None
    while True:
        page = list_hazards(filters, user=user, today=today, cursor=cursor, limit=batch)
        for hazard in page.items:
            yield hazard, page.holders.get(hazard.accountable_post_id, [])
        for hazard in page.items:  # keep memory flat on large exports
            db.session.expunge(hazard)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def status_counts(unit_ids: Sequence[int] | None, *, today: date) -> dict[str, int]:
    """Hazards per status (plus ``overdue``) in ``unit_ids`` (None: all), one query."""
    stmt = sa.select(
        Hazard.status,
        sa.func.count(),
        sa.func.sum(sa.case((overdue_clause(today), 1), else_=0)),
    ).group_by(Hazard.status)
    if unit_ids is not None:
        stmt = stmt.where(Hazard.unit_id.in_(list(unit_ids)))
    counts = {s.value: 0 for s in S}
    counts["overdue"] = 0
    for status, count, overdue in db.session.execute(stmt):
        counts[HazardStatus(status).value] = int(count)
        counts["overdue"] += int(overdue or 0)
    return counts


@dataclass
class HazardDetail:
    hazard: Hazard
    events: list[HazardEvent]
    photos: dict[int | None, list[HazardPhoto]]
    holders: list[User]
    people: dict[int, User]


def hazard_detail(hazard: Hazard, *, today: date) -> HazardDetail:
    """The hazard's history, photos by event and accountable holders (fixed query count)."""
    events = list(
        db.session.scalars(
            sa.select(HazardEvent)
            .where(HazardEvent.hazard_id == hazard.id)
            .options(selectinload(HazardEvent.actor))
            .order_by(HazardEvent.id)
        )
    )
    by_event: dict[int | None, list[HazardPhoto]] = {}
    for photo in db.session.scalars(
        sa.select(HazardPhoto).where(HazardPhoto.hazard_id == hazard.id).order_by(HazardPhoto.id)
    ):
        by_event.setdefault(photo.event_id, []).append(photo)
    if None in by_event and events:
        # Photos copied from an inspection belong to no event: show them with the report.
        by_event[events[0].id] = by_event.pop(None) + by_event.get(events[0].id, [])
    holders = (
        holders_on([hazard.accountable_post_id], today)[hazard.accountable_post_id]
        if hazard.accountable_post_id is not None
        else []
    )
    people_ids = {
        i for i in (hazard.reporter_id, hazard.submitted_by_id, hazard.verified_by_id) if i
    }
    people = (
        {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(people_ids)))}
        if people_ids
        else {}
    )
    return HazardDetail(hazard, events, by_event, holders, people)


def photo_for(name: str) -> HazardPhoto | None:
    """The hazard photo row owning a stored file or thumbnail name."""
    return db.session.scalar(
        sa.select(HazardPhoto).where(
            sa.or_(HazardPhoto.stored_name == name, HazardPhoto.thumb_name == name)
        )
    )


# --- my work -----------------------------------------------------------------------


@dataclass
class MyWork:
    """What one person must act on today, and the state of their units."""

    to_rectify: list[Hazard]
    to_verify: list[Hazard]
    to_assign: list[Hazard]
    overdue: list[Hazard]
    counts: dict[str, int]
    unit_count: int
    holders: dict[int, list[User]]


def my_work(user: User, *, today: date, limit: int = 20) -> MyWork:
    """Hazards ``user`` must rectify, verify or assign, their overdue ones, and counts.

    "My units" are those the user's posts answer for in the matrix (with the
    units below) plus the units of the posts they hold; an admin sees all.
    A fixed number of queries, however many hazards there are.
    """
    held = sorted(permissions.held_post_ids(user, today))
    admin = permissions.is_admin(user)
    load = (selectinload(Hazard.unit), selectinload(Hazard.accountable_post))

    def fetch(stmt: sa.Select) -> list[Hazard]:
        return list(db.session.scalars(stmt.options(*load).limit(limit)))

    deadline_order = (sa.func.coalesce(Hazard.deadline, FAR_FUTURE), Hazard.id)
    mine = sa.select(Hazard).where(
        Hazard.status == S.RECTIFYING, Hazard.accountable_post_id.in_(held or [-1])
    )
    to_rectify = fetch(mine.order_by(*deadline_order))
    overdue = fetch(mine.where(overdue_clause(today)).order_by(*deadline_order))

    verify_units = (
        None if admin else permissions.covered_unit_ids(user, today, permissions.VERIFY_KINDS)
    )
    pending = sa.select(Hazard).where(
        Hazard.status == S.PENDING_VERIFICATION,
        sa.or_(Hazard.submitted_by_id.is_(None), Hazard.submitted_by_id != user.id),
    )
    if verify_units is not None:
        pending = pending.where(Hazard.unit_id.in_(verify_units or [-1]))
    to_verify = fetch(pending.order_by(Hazard.submitted_at, Hazard.id))

    manage_units = (
        None if admin else permissions.covered_unit_ids(user, today, permissions.MANAGE_KINDS)
    )
    reported = sa.select(Hazard).where(Hazard.status == S.REPORTED)
    if manage_units is not None:
        reported = reported.where(Hazard.unit_id.in_(manage_units or [-1]))
    to_assign = fetch(reported.order_by(Hazard.found_on, Hazard.id))

    if admin:
        my_units: list[int] | None = None
    else:
        units = set(permissions.covered_unit_ids(user, today))
        if held:
            units.update(db.session.scalars(sa.select(Post.unit_id).where(Post.id.in_(held))))
        my_units = sorted(units)
    counts = (
        status_counts(my_units, today=today)
        if my_units != []
        else {
            **{s.value: 0 for s in S},
            "overdue": 0,
        }
    )
    shown = {h.accountable_post_id for h in to_rectify + to_verify + overdue}
    shown.discard(None)
    return MyWork(
        to_rectify=to_rectify,
        to_verify=to_verify,
        to_assign=to_assign,
        overdue=overdue,
        counts=counts,
        unit_count=-1 if my_units is None else len(my_units),
        holders=holders_on(shown, today),
    )
