"""The audit trail: every change made through services appends an event.

Events form a SHA-256 hash chain; ``audit verify`` recomputes it. Appenders
lock the single ``audit_head`` row so the chain never forks, even with many
processes on one PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, AuditHead, User
from safety.services.db import insert_or_ignore

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev_hash,
            event.at.isoformat(),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.changes,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    actor: User | None,
    action: str,
    obj: Any,
    changes: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> AuditEvent:
    """Append an audit event in the caller's transaction (the caller commits).

    ``obj`` is a model instance (flushed here if needed, to get its id).
    """
    if getattr(obj, "id", None) is None:
        db.session.flush()
    insert_or_ignore(AuditHead, {"id": 1, "last_hash": GENESIS}, ["id"])
    head = db.session.execute(
        sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    event = AuditEvent(
        at=now.replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        changes=_jsonable(changes or {}),
        prev_hash=head.last_hash,
    )
    event.hash = _digest(head.last_hash, event)
    head.last_hash = event.hash
    db.session.add(event)
    return event


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the values that change; applies them to ``obj``."""
    changes: dict[str, list[Any]] = {}
    for key, value in new_values.items():
        old = getattr(obj, key)
        if old != value:
            changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(obj, key, value)
    return changes


def verify_chain() -> tuple[bool, int | None, int]:
    """Recompute the chain: (intact, first bad event id, events checked)."""
    prev = GENESIS
    checked = 0
    for event in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return False, event.id, checked
        prev = event.hash
        checked += 1
    head = db.session.get(AuditHead, 1)
    if head is not None and checked and head.last_hash != prev:
        return False, None, checked
    return True, None, checked
