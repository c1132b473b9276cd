"""The audit chain is keyed outside the database and anchored outside it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, AuditHead
from safety.services import audit
from tests import builders


def _plain(prev: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev,
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


def _rewrite_and_recompute(change: dict[str, Any]) -> None:
    """What someone with write access to the database, but not the key, can do."""
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    events[1].changes = change
    prev = audit.GENESIS
    for event in events:
        event.prev_hash = prev
        event.hash = _plain(prev, event)
        prev = event.hash
    db.session.get(AuditHead, 1).last_hash = prev
    db.session.commit()


def test_rewriting_rows_and_recomputing_fails_verify(app: Any, runner: Any) -> None:
    builders.make_holding(builders.make_post())
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _rewrite_and_recompute({"name": "改过了"})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    first = db.session.scalar(sa.select(sa.func.min(AuditEvent.id)))
    assert str(first) in result.output


def test_a_cut_tail_fails_against_the_anchored_head(app: Any, runner: Any) -> None:
    builders.make_unit()
    builders.make_unit()
    anchored = runner.invoke(args=["audit", "head"])
    assert anchored.exit_code == 0
    head = anchored.output.split("hash ")[1].strip()
    assert runner.invoke(args=["audit", "verify", "--expect", head]).exit_code == 0
    builders.make_unit()  # later entries are fine
    assert runner.invoke(args=["audit", "verify", "--expect", head]).exit_code == 0
    # Cut the tail back past the anchor and move the head: the chain itself is intact...
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())))
    for event in events[:2]:
        db.session.delete(event)
    db.session.get(AuditHead, 1).last_hash = events[2].hash
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # ...but not the entry anchored outside it.
    result = runner.invoke(args=["audit", "verify", "--expect", head])
    assert result.exit_code != 0
    assert "missing" in result.output


def test_the_key_is_made_once_into_the_instance_folder(tmp_path: Any) -> None:
    path = tmp_path / "instance" / "audit_key"
    first = audit._instance_key(path)
    assert len(first) == 64
    assert audit._instance_key(path) == first
    assert path.stat().st_mode & 0o077 == 0


def test_entries_from_before_keying_verify_only_up_to_the_declared_point(
    app: Any, runner: Any
) -> None:
    builders.make_unit()
    _rewrite_and_recompute({"legacy": True})  # as an old, unkeyed chain looks
    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    app.config["AUDIT_LEGACY_UNTIL"] = last
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    builders.make_unit()  # keyed from here on
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    app.config["AUDIT_LEGACY_UNTIL"] = 0
    assert runner.invoke(args=["audit", "verify"]).exit_code != 0
