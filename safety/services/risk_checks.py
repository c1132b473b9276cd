"""Checks of risk controls (排查): what is due, recording a check, the digest's share.

A new control is due on the day it is made; after each check it is due
``check_every_days`` later (plain day arithmetic, so month ends need no
special case). A failed check may raise a hazard in the same transaction,
linked to its control and risk point: the hinge between the two halves of
双重预防.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from safety import permissions
from safety.clock import local_date
from safety.extensions import db
from safety.models import (
    CheckResult,
    ControlCheck,
    ControlCheckPhoto,
    Hazard,
    Post,
    Risk,
    RiskControl,
    RiskPoint,
    Unit,
    User,
)
from safety.services import audit, photos, risks
from safety.services.errors import Forbidden, ValidationError
from safety.services.org import holders_on
from safety.services.validation import choice as _choice
from safety.services.validation import raise_if_any as _raise

#: From this many days overdue a check also goes to the owner post's superior.
ESCALATE_AFTER_DAYS = 3


def is_due(control: RiskControl, today: date) -> bool:
    return control.next_due <= today


def due_row(control: RiskControl, risk_point_id: int, today: date) -> dict[str, Any]:
    """The contract's view of a due check."""
    return {
        "control_id": control.id,
        "risk_id": control.risk_id,
        "risk_point_id": risk_point_id,
        "owner_post_id": control.owner_post_id,
        "due_on": control.next_due,
        "overdue": control.next_due < today,
    }


def due_query(
    today: date | None,
    *,
    unit_ids: Iterable[int] | None = None,
    post_ids: Iterable[int] | None = None,
) -> sa.Select:
    """Controls with their risk point id; due on or before ``today`` when given."""
    stmt = (
        sa.select(RiskControl, Risk.risk_point_id)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
    )
    if today is not None:
        stmt = stmt.where(RiskControl.next_due <= today)
    if unit_ids is not None:
        stmt = stmt.where(RiskPoint.unit_id.in_(list(unit_ids)))
    if post_ids is not None:
        stmt = stmt.where(RiskControl.owner_post_id.in_(list(post_ids)))
    return stmt


def due_checks(
    today: date,
    *,
    due: bool | None = True,
    cursor: int | None = None,
    limit: int = 50,
    unit_ids: Iterable[int] | None = None,
    post_ids: Iterable[int] | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of checks (due today or overdue unless ``due`` is None/False), by control id.

    One query per page. Returns (rows, last id when there are more).
    """
    stmt = due_query(today if due else None, unit_ids=unit_ids, post_ids=post_ids)
    if due is False:
        stmt = stmt.where(RiskControl.next_due > today)
    if cursor is not None:
        stmt = stmt.where(RiskControl.id > cursor)
    rows = db.session.execute(stmt.order_by(RiskControl.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [due_row(control, pid, today) for control, pid in rows]
    return out, (rows[-1][0].id if more and rows else None)


# --- recording a check ------------------------------------------------------------


def _hazard_data(
    errors: dict[str, str], raw: Any, point: RiskPoint, note: str | None
) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors["hazard"] = _("Expected an object.")
        return None
    data = {
        "title": raw.get("title"),
        "level": raw.get("level"),
        "unit_id": point.unit_id,
        "location": point.location or point.name,
        "description": raw.get("description") or note,
    }
    if raw.get("criterion") not in (None, ""):
        data["criterion"] = raw.get("criterion")
    if raw.get("basis") not in (None, ""):
        data["basis"] = raw.get("basis")
    return data


def _raise_hazard(
    actor: User, data: dict[str, Any], control: RiskControl, point: RiskPoint, now: datetime
) -> Hazard:
    """Create the hazard through the hazard service (flush only), linked to its origin."""
    from safety.services import hazards

    try:
        hazard = hazards.new_hazard(actor, data, now=now)
    except ValidationError as error:
        raise ValidationError({f"hazard.{k}": v for k, v in error.fields.items()}) from None
    hazard.risk_point_id = point.id
    hazard.control_id = control.id
    return hazard


def record_check(
    actor: User | None,
    control: RiskControl,
    data: Mapping[str, Any],
    *,
    now: datetime,
    today: date,
    photo_files: Iterable[bytes | FileStorage] = (),
) -> ControlCheck:
    """Record one check of ``control``; a failed one carrying ``hazard`` raises it.

    One transaction: the check, its photos, the hazard and the next due date
    are all kept or none.

    :raise Forbidden: not a holder of the owner post (nor an admin).
    :raise ValidationError: naming each bad field (``hazard.title``…).
    """
    if not permissions.can_check_control(actor, control.owner_post_id, today):
        raise Forbidden(_("Only holders of the control's owner post record its checks."))
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    errors: dict[str, str] = {}
    result = _choice(errors, "result", CheckResult, data.get("result"))
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        errors["note"] = _("Must be text.")
        note = None
    note = (note or "").strip()[:4000] or None
    if note and risks.has_control_chars(note):
        errors["note"] = _("Must not contain control characters.")
    point = control.risk.risk_point
    hazard_data = _hazard_data(errors, data.get("hazard"), point, note)
    if hazard_data is not None and result == CheckResult.EFFECTIVE:
        errors["hazard"] = _("Only a failed check raises a hazard.")
    _raise(errors)
    checked_on = local_date(now)
    stored: list[photos.StoredImage] = []
    try:
        hazard = _raise_hazard(actor, hazard_data, control, point, now) if hazard_data else None
        check = ControlCheck(
            control_id=control.id,
            result=result,
            note=note,
            at=now,
            checked_on=checked_on,
            due_on=control.next_due,
            by_id=actor.id,
            hazard_id=hazard.id if hazard else None,
        )
        db.session.add(check)
        db.session.flush()
        stored = photos.store_images(photo_files)
        for image in stored:
            db.session.add(
                ControlCheckPhoto(
                    check_id=check.id,
                    stored_name=image.stored_name,
                    thumb_name=image.thumb_name,
                    content_type=image.content_type,
                    width=image.width,
                    height=image.height,
                    created_at=now,
                )
            )
        control.last_checked_on = checked_on
        control.next_due = checked_on + timedelta(days=control.check_every_days)
        audit.record(
            actor,
            "risk_control.check",
            check,
            {"control_id": control.id, "result": result, "hazard_id": check.hazard_id},
            now=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        photos.discard(stored)
        raise
    return check


def checks_of(control_ids: list[int], limit: int = 20) -> dict[int, list[ControlCheck]]:
    """Latest checks per control (newest first), with their photos loaded lazily."""
    result: dict[int, list[ControlCheck]] = {cid: [] for cid in control_ids}
    if control_ids:
        rows = db.session.scalars(
            sa.select(ControlCheck)
            .where(ControlCheck.control_id.in_(control_ids))
            .order_by(ControlCheck.id.desc())
        )
        for check in rows:
            if len(result[check.control_id]) < limit:
                result[check.control_id].append(check)
    return result


def photos_of(check_ids: list[int]) -> dict[int, list[ControlCheckPhoto]]:
    result: dict[int, list[ControlCheckPhoto]] = {cid: [] for cid in check_ids}
    if check_ids:
        for photo in db.session.scalars(
            sa.select(ControlCheckPhoto).where(ControlCheckPhoto.check_id.in_(check_ids))
        ):
            result[photo.check_id].append(photo)
    return result


def photo_for(name: str) -> ControlCheckPhoto | None:
    return db.session.scalar(
        sa.select(ControlCheckPhoto).where(
            sa.or_(ControlCheckPhoto.stored_name == name, ControlCheckPhoto.thumb_name == name)
        )
    )


# --- the daily digest's share -------------------------------------------------------


@dataclass
class _Due:
    control: RiskControl
    risk: Risk
    point: RiskPoint
    unit: Unit
    post: Post


def _admins() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.is_admin.is_(True), User.active.is_(True)).order_by(User.id)
        )
    )


def _first_held_up(post: Post, held: dict[int, list[User]], today: date) -> list[User]:
    """Holders of the nearest superior post that has any: the reminders' ladder
    (contract §5), asked from the post above the owner."""
    from safety.services.reminders import ladder  # the one home of the vacant-chain rule

    def holders(post_id: int) -> list[User]:
        if post_id not in held:
            held.update(holders_on([post_id], today))
        return held[post_id]

    def superior_of(post_id: int) -> int | None:
        return db.session.get(Post, post_id).superior_post_id

    found, _why = ladder(post.superior_post_id, superior_of, lambda pid: bool(holders(pid)))
    return holders(found) if found is not None else []


def due_checks_for_digest(today: date) -> dict[int, list[dict[str, Any]]]:
    """Who must hear about which due or overdue check today: ``{user_id: [item]}``.

    Each item: ``control_id, control_text, risk_id, risk_event, risk_level,
    risk_point_id, risk_point_name, unit_name, owner_post_id, owner_post_title,
    due_on, days_overdue, why`` (always ``"control_check"``) and ``role``:
    ``owner`` (a holder of the owner post), ``superior`` (the check is
    ``ESCALATE_AFTER_DAYS`` or more overdue) or ``vacant_owner`` (the owner
    post has nobody; the share goes up the chain of superiors, to the admins
    at the top), as overdue hazards do (contract §5).
    """
    rows = db.session.execute(
        sa.select(RiskControl, Risk, RiskPoint, Unit, Post)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .join(Unit, Unit.id == RiskPoint.unit_id)
        .join(Post, Post.id == RiskControl.owner_post_id)
        .where(RiskControl.next_due <= today)
        .order_by(RiskControl.next_due, RiskControl.id)
    ).all()
    dues = [_Due(*row) for row in rows]
    held = holders_on({d.post.id for d in dues}, today)
    out: dict[int, list[dict[str, Any]]] = {}
    told: set[tuple[int, int]] = set()  # (user, control): each once, the first role wins
    admins: list[User] | None = None

    def tell(users: Iterable[User], item: dict[str, Any], role: str) -> None:
        for user in users:
            if (user.id, item["control_id"]) not in told:
                told.add((user.id, item["control_id"]))
                out.setdefault(user.id, []).append({**item, "role": role})

    for d in dues:
        late = (today - d.control.next_due).days
        item = {
            "control_id": d.control.id,
            "control_text": d.control.text,
            "risk_id": d.risk.id,
            "risk_event": d.risk.event,
            "risk_level": d.risk.level.value,
            "risk_point_id": d.point.id,
            "risk_point_name": d.point.name,
            "unit_name": d.unit.name,
            "owner_post_id": d.post.id,
            "owner_post_title": d.post.title,
            "due_on": d.control.next_due,
            "days_overdue": max(late, 0),
            "why": "control_check",
        }
        owners = held.get(d.post.id, [])
        if owners:
            tell(owners, item, "owner")
            if late >= ESCALATE_AFTER_DAYS:
                tell(_first_held_up(d.post, held, today), item, "superior")
            continue
        up = _first_held_up(d.post, held, today)
        if not up:
            admins = admins if admins is not None else _admins()
            up = admins
        tell(up, item, "vacant_owner")
    return out
