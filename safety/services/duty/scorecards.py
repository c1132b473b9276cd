"""Scorecards: made for each (post, person who held it) in a period, assessed by
the superior post, confirmed or disputed by the person. Versions guard every
step; every step is in the audit log and tells the next person by email."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety import permissions
from safety.database import write_transaction
from safety.extensions import db
from safety.models import AccountabilityAction, Assessment, AssessmentStatus, Post, Unit, User
from safety.services import audit
from safety.services.db import insert_or_ignore
from safety.services.duty import freshness, notices
from safety.services.duty import indicators as figures
from safety.services.duty.periods import Period, current_period, parse_period
from safety.services.duty.rules import current_rules, rules_of, score, total_and_grade
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.org import unit_subtree_ids
from safety.services.validation import load_or_404

A = AssessmentStatus


def _scored(rules: dict[str, Any], values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **v,
            "score": score(rules["indicators"][v["code"]], v["value"]),
            "weight": rules["indicators"][v["code"]]["weight"],
        }
        for v in values
    ]


def _apply(row: Assessment, rules_version: int, rules: dict, values: list[dict], days: int) -> bool:
    """Write fresh figures into a scorecard; True when anything changed."""
    scored = _scored(rules, values)
    total, grade = total_and_grade(rules, scored, row.manual or [])
    new = {
        "indicators": scored,
        "total": total,
        "grade": grade,
        "days_held": days,
        "rules_version": rules_version,
    }
    changed = any(getattr(row, key) != value for key, value in new.items())
    for key, value in new.items():
        setattr(row, key, value)
    return changed


def _sync(period: Period, today: date, now: datetime) -> None:
    """Make the period's missing scorecards and refresh the drafts' figures, when needed.

    The figures depend only on the records behind them and on ``today``; a
    cheap stamp of those (:func:`freshness.stamp`) tells whether anything
    changed since this process last refreshed the period. When nothing did, a
    read stays a read. Otherwise it takes the write lock from its first
    statement, even inside a GET.
    """
    stamp = freshness.stamp(today)
    if freshness.is_fresh(period.code, stamp):
        return
    with write_transaction():
        _sync_cards(period, today, now)
    freshness.remember(period.code, stamp)


def _sync_cards(period: Period, today: date, now: datetime) -> None:
    holdings = figures.holdings_in(period, today)
    if not holdings:
        return
    for post_id, user_id in holdings:
        insert_or_ignore(
            Assessment,
            {
                "post_id": post_id,
                "user_id": user_id,
                "period": period.code,
                "status": A.DRAFT,
                "version": 1,
                "indicators": [],
                "manual": [],
                "created_at": now,
                "updated_at": now,
            },
            ["post_id", "user_id", "period"],
        )
    drafts = {
        (row.post_id, row.user_id): row
        for row in db.session.scalars(
            sa.select(Assessment).where(
                Assessment.period == period.code, Assessment.status == A.DRAFT
            )
        )
    }
    wanted = {pair: held for pair, held in holdings.items() if pair in drafts}
    version, rules = current_rules()
    for pair, values in figures.compute(period, today, wanted).items():
        _apply(drafts[pair], version, rules, values, wanted[pair].days)
    db.session.commit()


def list_scorecards(
    period_code: str | None,
    *,
    today: date,
    now: datetime,
    post_id: int | None = None,
    user_id: int | None = None,
    unit_ids: Iterable[int] | None = None,
) -> sa.Select:
    """The period's scorecards (made and refreshed first), as a statement to page through."""
    period = parse_period(period_code) if period_code else current_period(today)
    _sync(period, today, now)
    stmt = sa.select(Assessment).where(Assessment.period == period.code)
    if post_id is not None:
        stmt = stmt.where(Assessment.post_id == post_id)
    if user_id is not None:
        stmt = stmt.where(Assessment.user_id == user_id)
    if unit_ids is not None:
        stmt = stmt.where(
            Assessment.post_id.in_(sa.select(Post.id).where(Post.unit_id.in_(list(unit_ids))))
        )
    return stmt


def get_scorecard(assessment_id: Any) -> Assessment:
    return load_or_404(Assessment, assessment_id, _("No such scorecard."))


def actions_for(row: Assessment) -> list[AccountabilityAction]:
    """Accountability actions against this person on this post within the period."""
    period = parse_period(row.period)
    return list(
        db.session.scalars(
            sa.select(AccountabilityAction)
            .where(
                AccountabilityAction.user_id == row.user_id,
                AccountabilityAction.post_id == row.post_id,
                AccountabilityAction.decided_on.between(period.start, period.end),
            )
            .order_by(AccountabilityAction.decided_on)
        )
    )


def scorecard_records(row: Assessment) -> dict[str, list[dict[str, Any]]]:
    """The records behind each indicator, for links on the page."""
    return {i["code"]: i.get("records") or [] for i in row.indicators or []}


def _check_version(row: Assessment, version: Any) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": _("This field is required.")})
    if version != row.version:
        raise Conflict(
            _("Someone changed this scorecard in the meantime; reload it and try again.")
        )


def _clean_manual(items: Any, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """:raise ValidationError: naming ``manual`` and the bad item."""
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > 50:
        raise ValidationError({"manual": _("Give a list of items.")})
    low, high = rules["manual_min"], rules["manual_max"]
    clean, errors = [], {}
    for index, item in enumerate(items):
        name = item.get("item") if isinstance(item, dict) else None
        points = item.get("score") if isinstance(item, dict) else None
        note = item.get("note") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors[f"manual.{index}.item"] = _("This field is required.")
        if (
            isinstance(points, bool)
            or not isinstance(points, int | float)
            or not low <= points <= high
        ):
            errors[f"manual.{index}.score"] = _(
                "Must be a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}"
            )
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            errors[f"manual.{index}.note"] = _("Must be a text of at most 2000 characters.")
        if not errors:
            clean.append(
                {"item": name.strip(), "score": float(points), "note": (note or "").strip()}
            )
    if errors:
        raise ValidationError(errors)
    return clean


def assess(
    actor: User, assessment_id: Any, *, manual: Any, version: Any, today: date, now: datetime
) -> Assessment:
    """The superior post's holder (or, once disputed, the superior's superior) scores it."""
    row = get_scorecard(assessment_id)
    if not permissions.can_assess(actor, row.post, disputed=row.status == A.DISPUTED, today=today):
        raise Forbidden(_("Only a holder of the superior post may assess this scorecard."))
    if row.status == A.CONFIRMED:
        raise Conflict(_("This scorecard is confirmed; it can no longer change."))
    _check_version(row, version)
    rules_version, rules = (
        current_rules()
        if row.status == A.DRAFT
        else (row.rules_version or 0, rules_of(row.rules_version))
    )
    row.manual = _clean_manual(manual, rules)
    period = parse_period(row.period)
    holdings = figures.holdings_in(period, today)
    held = holdings.get((row.post_id, row.user_id), figures.Held())
    values = figures.compute(period, today, {(row.post_id, row.user_id): held}).get(
        (row.post_id, row.user_id)
    )
    if values is not None and row.status == A.DRAFT:
        _apply(row, rules_version, rules, values, held.days)
    else:
        row.total, row.grade = total_and_grade(rules, row.indicators, row.manual)
    before = row.status
    row.status = A.ASSESSED
    row.assessed_by_id, row.assessed_at = actor.id, now
    row.version += 1
    row.updated_at = now
    audit.record(
        actor,
        "assessment.assess",
        row,
        {"status": [before, row.status], "total": row.total},
        now=now,
    )
    notices.tell_assessed(row, now=now)
    db.session.commit()
    return row


def _answer(actor: User, assessment_id: Any, version: Any, now: datetime) -> Assessment:
    row = get_scorecard(assessment_id)
    if actor.id != row.user_id:
        raise Forbidden(_("Only the person assessed may confirm or dispute a scorecard."))
    if row.status != A.ASSESSED:
        raise Conflict(_("Only an assessed scorecard can be confirmed or disputed."))
    _check_version(row, version)
    row.answered_at, row.updated_at = now, now
    row.version += 1
    return row


def confirm(actor: User, assessment_id: Any, *, version: Any, now: datetime) -> Assessment:
    row = _answer(actor, assessment_id, version, now)
    row.status = A.CONFIRMED
    audit.record(actor, "assessment.confirm", row, {"status": [A.ASSESSED, A.CONFIRMED]}, now=now)
    db.session.commit()
    return row


def dispute(
    actor: User, assessment_id: Any, *, note: Any, version: Any, now: datetime
) -> Assessment:
    """The person disputes with a reason; the superior's superior decides."""
    if not isinstance(note, str) or not note.strip():
        raise ValidationError({"note": _("Say what you dispute and why.")})
    row = _answer(actor, assessment_id, version, now)
    row.status = A.DISPUTED
    row.dispute_note = note.strip()
    audit.record(
        actor,
        "assessment.dispute",
        row,
        {"status": [A.ASSESSED, A.DISPUTED], "note": row.dispute_note},
        now=now,
    )
    notices.tell_disputed(row, now=now)
    db.session.commit()
    return row


def to_assess_for(
    user: User, period_code: str | None, *, today: date, now: datetime
) -> list[Assessment]:
    """Scorecards ``user`` may assess now (their subordinates', and disputes sent up to them)."""
    held = permissions.held_post_ids(user, today)
    if not held:
        return []
    rows = db.session.scalars(list_scorecards(period_code, today=today, now=now)).all()
    return [
        r
        for r in rows
        if r.status != A.CONFIRMED
        and set(permissions.assessor_post_ids(r.post, disputed=r.status == A.DISPUTED)) & held
    ]


def my_scorecards(
    user: User, period_code: str | None, *, today: date, now: datetime
) -> list[Assessment]:
    stmt = list_scorecards(period_code, today=today, now=now, user_id=user.id)
    return list(db.session.scalars(stmt.order_by(Assessment.post_id)))


def may_read(user: User, row: Assessment, *, today: date) -> bool:
    """The person, those who assess or decide on it, admins and report readers."""
    if user.id == row.user_id or permissions.is_admin(user):
        return True
    held = permissions.held_post_ids(user, today)
    deciders = set(permissions.assessor_post_ids(row.post, disputed=False))
    deciders |= set(permissions.assessor_post_ids(row.post, disputed=True))
    return bool(held & deciders) or permissions.can_view_reports(user, today)


def board_units() -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))


def board(
    period_code: str | None, *, unit_id: int | None, today: date, now: datetime
) -> list[Assessment]:
    """公示: the period's scorecards of a unit's subtree (the whole group: None)."""
    units = unit_subtree_ids(unit_id) if unit_id is not None else None
    stmt = list_scorecards(period_code, today=today, now=now, unit_ids=units)
    stmt = stmt.options(
        selectinload(Assessment.post).selectinload(Post.unit), selectinload(Assessment.user)
    )
    stmt = stmt.join(Post, Post.id == Assessment.post_id)
    return list(
        db.session.scalars(stmt.order_by(Post.unit_id, Assessment.post_id, Assessment.user_id))
    )
