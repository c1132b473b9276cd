"""The audit trail: every change made through services appends an event.

Events form a hash chain keyed with ``AUDIT_KEY`` (HMAC-SHA256), a secret
kept outside the database (generated once into ``instance/audit_key`` unless
configured; several machines must share one). Someone who can rewrite rows
but not read the key cannot recompute the chain. ``audit verify`` recomputes
it; ``audit head`` prints (and logs) the head so it can be kept elsewhere,
and ``audit verify --expect HASH`` fails when that anchored entry is gone
(the tail was cut or rewritten). Appenders lock the single ``audit_head``
row so the chain never forks, even with many processes on one PostgreSQL.

Chains written before keying verify with plain SHA-256 up to entry
``AUDIT_LEGACY_UNTIL`` (default 0: none), set once when upgrading.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from safety.extensions import db
from safety.models import AuditEvent, AuditHead, User
from safety.services.db import insert_or_ignore

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def audit_key() -> bytes:
    """``AUDIT_KEY`` from the configuration, else the one in ``instance/audit_key``."""
    key = current_app.config.get("AUDIT_KEY")
    if not key:
        key = _instance_key(Path(current_app.instance_path) / "audit_key")
        current_app.config["AUDIT_KEY"] = key
    return str(key).encode()


def _instance_key(path: Path) -> str:
    """Create the key file once (exclusively: two processes never make two keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


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


def _digest(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the entry and its predecessor; plain SHA-256 without ``key``
    (only to check entries written before keying)."""
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
    if key is None:
        return hashlib.sha256(payload.encode()).hexdigest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


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
    event.hash = _digest(head.last_hash, event, audit_key())
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


@dataclass(frozen=True)
class Verdict:
    """What ``audit verify`` found: ``bad_id`` names the first bad entry."""

    intact: bool
    bad_id: int | None
    checked: int
    reason: str = ""
    head: str = GENESIS


def check_chain(expect: str | None = None) -> Verdict:
    """Recompute the keyed chain; with ``expect``, that hash must be in it."""
    key = audit_key()
    legacy_until = int(current_app.config.get("AUDIT_LEGACY_UNTIL") or 0)
    prev, checked, seen = GENESIS, 0, expect is None
    for event in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        good = event.prev_hash == prev and hmac.compare_digest(
            _digest(prev, event, key), event.hash
        )
        if not good and event.id <= legacy_until and event.prev_hash == prev:
            good = _digest(prev, event) == event.hash
        if not good:
            return Verdict(False, event.id, checked, "hash mismatch", prev)
        prev = event.hash
        checked += 1
        seen = seen or hmac.compare_digest(event.hash, expect or "")
    head = db.session.get(AuditHead, 1)
    if head is not None and checked and head.last_hash != prev:
        return Verdict(False, None, checked, "head does not match the last entry", prev)
    if not seen:
        return Verdict(False, None, checked, f"expected entry {expect} is missing", prev)
    return Verdict(True, None, checked, "", prev)


def verify_chain() -> tuple[bool, int | None, int]:
    """Recompute the chain: (intact, first bad event id, events checked)."""
    verdict = check_chain()
    return verdict.intact, verdict.bad_id, verdict.checked


def anchor_line() -> str:
    """The head as one line to keep outside the database (a log, a digest).

    Logged at INFO on ``safety.services.audit``; run daily, the log holds the
    anchors ``audit verify --expect`` checks against.
    """
    last = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    entry, digest = (last.id, last.hash) if last else (0, GENESIS)
    line = f"audit head: entry {entry} hash {digest}"
    log.info(line)
    return line
