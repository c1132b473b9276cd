"""What the matrix pages list: choices for the forms and the admin tables (read only)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import Duty, Post, Responsibility, SafetyTarget, Unit, User


def post_options() -> list[tuple[int, str, str]]:
    """``(post id, title, unit name)`` of every post, by unit code and title."""
    rows = db.session.execute(
        sa.select(Post.id, Post.title, Unit.name)
        .join(Unit, Unit.id == Post.unit_id)
        .order_by(Unit.code, Post.title)
    ).all()
    return [(pid, title, unit_name) for pid, title, unit_name in rows]


def duty_options() -> list[tuple[int, str]]:
    """``(duty id, title)`` of every duty, by title."""
    return [
        (i, t) for i, t in db.session.execute(sa.select(Duty.id, Duty.title).order_by(Duty.title))
    ]


def all_duties() -> list[Duty]:
    """Every duty, by category and title."""
    return list(db.session.scalars(sa.select(Duty).order_by(Duty.category, Duty.title)))


def responsibility_rows(post_id: int | None = None, unit_id: int | None = None) -> list[Any]:
    """``(Responsibility, Post, Unit, Duty | None)`` rows, optionally for one post or unit."""
    stmt = (
        sa.select(Responsibility, Post, Unit, Duty)
        .join(Post, Post.id == Responsibility.post_id)
        .join(Unit, Unit.id == Responsibility.unit_id)
        .outerjoin(Duty, Duty.id == Responsibility.duty_id)
        .order_by(Unit.code, Post.title, Responsibility.kind, Responsibility.id)
    )
    if post_id:
        stmt = stmt.where(Responsibility.post_id == post_id)
    if unit_id:
        stmt = stmt.where(Responsibility.unit_id == unit_id)
    return list(db.session.execute(stmt).all())


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    """The people named by ``ids`` (signatures name people by id)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def unit_targets(unit_id: int, year: int) -> list[SafetyTarget]:
    """A unit's own targets of ``year`` (what a child unit's target may be broken down from)."""
    return list(
        db.session.scalars(
            sa.select(SafetyTarget).where(
                SafetyTarget.unit_id == unit_id, SafetyTarget.year == year
            )
        )
    )
