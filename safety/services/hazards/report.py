"""Reporting a hazard: validation, number, the "report" event, photos."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from safety.clock import local_date
from safety.extensions import db
from safety.models import (
    OPEN_STATUSES,
    Hazard,
    HazardEvent,
    HazardLevel,
    HazardPhoto,
    HazardStatus,
    Unit,
    User,
)
from safety.services import audit, events, photos
from safety.services.errors import Forbidden, ValidationError
from safety.services.hazards.criteria import check_criterion
from safety.services.hazards.fields import _bool, _instant, _risk, _text
from safety.services.hazards.numbering import next_number
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

S = HazardStatus


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
    criterion = data.get("criterion")
    if level == HazardLevel.MAJOR and criterion not in (None, ""):
        # Known when given; required only where the caller asks (report_hazard).
        criterion = check_criterion(level, criterion, errors)
    else:
        criterion = None
    basis = _text(errors, "basis", data.get("basis"), max_len=500)
    _raise(errors)
    repeat_of = _closed_like(unit.id, title, local_date(now)) if title else None

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
        criterion=criterion,
        basis=basis,
        repeat=repeat_of is not None,
        repeat_of_id=repeat_of,
        version=1,
        created_at=now,
        updated_at=now,
    )
    db.session.add(hazard)
    db.session.flush()
    facts: dict[str, Any] = {"level": level}
    if criterion:
        facts["criterion"] = criterion
    if repeat_of is not None:
        facts["repeat_of_id"] = repeat_of
    _event(hazard, "report", actor, now=now, note=description, data=facts)
    audit.record(
        actor,
        "hazard.report",
        hazard,
        {"number": number, "title": title, "unit_id": unit.id, "level": level},
        now=now,
    )
    db.session.flush()
    # Inside the caller's transaction (a report, an inspection): queued, not sent.
    events.hazard_event("reported", hazard, actor, description, now=now)
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
        if isinstance(data, Mapping):
            _check_report(data)
        hazard = new_hazard(actor, data, now=now)
        stored = photo_service.store_images(photos)
    except BaseException:
        db.session.rollback()
        raise
    event = db.session.scalar(
        sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard.id).order_by(HazardEvent.id)
    )
    _attach_photos(hazard, event, actor, stored)
    if isinstance(data, Mapping) and _bool(data.get("fixed_on_spot")):
        _fixed_on_spot(hazard, actor, data, now=now)
    _commit_with_photos(stored)
    return hazard


def _check_report(data: Mapping[str, Any]) -> None:
    """Rules of a direct report on top of :func:`new_hazard`'s: a major needs its
    criterion; 即查即改 (``fixed_on_spot``) is for a general hazard, with measures."""
    errors: dict[str, str] = {}
    level = data.get("level") or HazardLevel.GENERAL.value
    if level in (HazardLevel.GENERAL.value, HazardLevel.MAJOR.value):
        check_criterion(level, data.get("criterion"), errors)
    if _bool(data.get("fixed_on_spot")):
        if level == HazardLevel.MAJOR.value:
            errors["fixed_on_spot"] = _(
                "A major hazard cannot be closed on the spot; it follows the major procedure."
            )
        _text(errors, "measures", data.get("measures"), required=True, max_len=20000)
    _raise(errors)


def _fixed_on_spot(hazard: Hazard, actor: User, data: Mapping[str, Any], *, now: datetime) -> None:
    """即查即改: record what was done and close in the same transaction."""
    measures = str(data.get("measures")).strip()
    hazard.measures = measures
    hazard.status = S.CLOSED
    hazard.closed_at = now
    hazard.verified_at = now
    hazard.verified_by_id = actor.id
    hazard.version += 1
    db.session.flush()
    _event(hazard, "fixed_on_spot", actor, now=now, note=measures, data={})
    audit.record(actor, "hazard.fixed_on_spot", hazard, {"measures": measures}, now=now)


# --- duplicates and repeats -----------------------------------------------------------

#: A hazard like one closed in the same unit within this many days is a repeat (重复隐患).
REPEAT_DAYS = 90


def _normal(title: str) -> str:
    return "".join(ch for ch in title.lower() if ch.isalnum())


def _alike(a: str, b: str) -> bool:
    """Similar titles: equal once spaces and punctuation go, or one contains the
    other, or they share most of their two-character pieces (works for Chinese)."""
    x, y = _normal(a), _normal(b)
    if not x or not y:
        return False
    if x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x)):
        return True
    grams = lambda t: {t[i : i + 2] for i in range(len(t) - 1)} or {t}  # noqa: E731
    gx, gy = grams(x), grams(y)
    return len(gx & gy) / max(1, min(len(gx), len(gy))) >= 0.6


def similar_open_hazards(unit_id: Any, title: Any, *, limit: int = 5) -> list[Hazard]:
    """Open hazards of the unit whose title is like ``title`` (the report form warns)."""
    try:
        unit = int(unit_id)
    except (TypeError, ValueError):
        return []
    if not isinstance(title, str) or not title.strip():
        return []
    rows = db.session.scalars(
        sa.select(Hazard)
        .where(Hazard.unit_id == unit, Hazard.status.in_(OPEN_STATUSES))
        .order_by(Hazard.id.desc())
        .limit(500)
    )
    return [h for h in rows if _alike(h.title, title)][:limit]


def _closed_like(unit_id: int, title: str, today: date) -> int | None:
    """The latest hazard like ``title`` closed in the unit within REPEAT_DAYS."""
    since = datetime.combine(today - timedelta(days=REPEAT_DAYS), time(), tzinfo=UTC)
    rows = db.session.execute(
        sa.select(Hazard.id, Hazard.title)
        .where(Hazard.unit_id == unit_id, Hazard.status == S.CLOSED, Hazard.closed_at >= since)
        .order_by(Hazard.closed_at.desc())
        .limit(500)
    )
    return next((hid for hid, other in rows if _alike(other, title)), None)


def count_repeats(
    unit_ids: Sequence[int] | None = None, *, start: date | None = None, end: date | None = None
) -> int:
    """Repeat hazards (重复隐患) found in ``unit_ids`` (None: all) between the dates."""
    stmt = sa.select(sa.func.count()).select_from(Hazard).where(Hazard.repeat.is_(True))
    stmt = stmt.where(Hazard.status != S.VOID)
    if unit_ids is not None:
        stmt = stmt.where(Hazard.unit_id.in_(list(unit_ids)))
    if start is not None:
        stmt = stmt.where(Hazard.found_on >= start)
    if end is not None:
        stmt = stmt.where(Hazard.found_on <= end)
    return int(db.session.scalar(stmt) or 0)
