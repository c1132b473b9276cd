"""Read-only queries of the administration pages (no writes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from safety.extensions import db
from safety.models import AuditEvent, PostHolder, User

PAGE = 50


@dataclass
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    since: date | None = None
    until: date | None = None


def distinct_values(column: Any) -> list[str]:
    return list(db.session.scalars(sa.select(column).distinct().order_by(column)))


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def audit_page(
    filters: AuditFilters, *, before_id: int | None, zone: ZoneInfo, limit: int = PAGE
) -> tuple[list[tuple[AuditEvent, User | None]], int | None]:
    """Events newest first, keyset-paginated on id (the chain's order).

    Dates are local days in ``zone``. Returns the page and the id to continue
    before, or None on the last page.
    """
    actor = aliased(User)
    stmt = sa.select(AuditEvent, actor).outerjoin(actor, actor.id == AuditEvent.actor_id)
    if filters.actor:
        like = f"%{filters.actor.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(actor.name).like(like), actor.email.like(like)))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.at >= _day_start(filters.since, zone))
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.at < _day_start(filters.until + timedelta(days=1), zone))
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    rows = db.session.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    page = [(event, user) for event, user in rows[:limit]]
    return page, (page[-1][0].id if len(rows) > limit else None)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def describe_changes(changes: dict[str, Any] | None) -> list[tuple[str, str, str | None]]:
    """``(field, value or old, new)``: updates are stored as ``[old, new]`` pairs."""
    result: list[tuple[str, str, str | None]] = []
    for key, value in sorted((changes or {}).items()):
        if isinstance(value, list) and len(value) == 2:
            result.append((key, _show(value[0]), _show(value[1])))
        else:
            result.append((key, _show(value), None))
    return result


def holding_posts(holding_ids: list[int]) -> dict[int, int]:
    """``{holding id: post id}`` so that holding events can link to their post."""
    if not holding_ids:
        return {}
    rows = db.session.execute(
        sa.select(PostHolder.id, PostHolder.post_id).where(PostHolder.id.in_(holding_ids))
    )
    return dict(rows.all())
