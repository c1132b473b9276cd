"""Versioned lists: live items, frozen versions, and the session hook that makes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import event
from sqlalchemy.orm import Session

from safety.extensions import db
from safety.models import (
    Duty,
    Post,
    Responsibility,
    ResponsibilityListVersion,
    Unit,
    User,
)
from safety.services import audit
from safety.services.matrix.common import _CONTENT_KEYS, KIND_ORDER

# --- list items and versions ---------------------------------------------------------


def live_items(post_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """What each post's list says now (two queries, whatever the number of posts).

    Safety items come first, ordered by unit code, kind and duty; the post's
    business duties, when it has any, are the last item (``section: business``).
    """
    ids = sorted(set(post_ids))
    result: dict[int, list[dict[str, Any]]] = {pid: [] for pid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(Responsibility, Unit.code, Unit.name, Duty)
        .join(Unit, Unit.id == Responsibility.unit_id)
        .outerjoin(Duty, Duty.id == Responsibility.duty_id)
        .where(Responsibility.post_id.in_(ids))
    ).all()
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    rows.sort(key=lambda r: (r[1], kind_rank[r[0].kind], r[3].title if r[3] else "", r[0].id))
    for resp, unit_code, unit_name, duty in rows:
        result[resp.post_id].append(
            {
                "section": "safety",
                "responsibility_id": resp.id,
                "unit_id": resp.unit_id,
                "unit_code": unit_code,
                "unit_name": unit_name,
                "kind": resp.kind.value,
                "duty_id": duty.id if duty else None,
                "duty_title": duty.title if duty else None,
                "duty_category": duty.category.value if duty else None,
                "duty_description": duty.description if duty else None,
                "description": resp.description,
            }
        )
    for pid, business in db.session.execute(
        sa.select(Post.id, Post.business_duties).where(Post.id.in_(ids))
    ):
        if business:
            result[pid].append({"section": "business", "text": business})
    return result


def _content(items: list[dict[str, Any]]) -> list[Any]:
    return [
        (item.get("responsibility_id"), tuple(item.get(k) for k in _CONTENT_KEYS))
        if item.get("section") == "safety"
        else ("business", item.get("text"))
        for item in items
    ]


def _latest_versions(post_ids: Iterable[int]) -> dict[int, ResponsibilityListVersion]:
    ids = list(set(post_ids))
    if not ids:
        return {}
    latest = (
        sa.select(
            ResponsibilityListVersion.post_id,
            sa.func.max(ResponsibilityListVersion.version).label("version"),
        )
        .where(ResponsibilityListVersion.post_id.in_(ids))
        .group_by(ResponsibilityListVersion.post_id)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(ResponsibilityListVersion).join(
            latest,
            sa.and_(
                latest.c.post_id == ResponsibilityListVersion.post_id,
                latest.c.version == ResponsibilityListVersion.version,
            ),
        )
    )
    return {v.post_id: v for v in rows}


def record_list_versions(
    post_ids: Iterable[int | None], *, actor: User | None, now: datetime | None = None
) -> list[ResponsibilityListVersion]:
    """Freeze a new version of each post's list that differs from its latest (no commit).

    A post gets its first version once it has a safety responsibility. Posts
    are locked first (PostgreSQL) so two editors cannot both take the next number.
    """
    ids = sorted({pid for pid in post_ids if pid is not None})
    if not ids:
        return []
    db.session.execute(sa.select(Post.id).where(Post.id.in_(ids)).with_for_update()).all()
    latest = _latest_versions(ids)
    items = live_items(ids)
    made = []
    for pid in ids:
        current = latest.get(pid)
        new_items = items[pid]
        if current is None and not any(i["section"] == "safety" for i in new_items):
            continue
        if current is not None and _content(current.items) == _content(new_items):
            continue
        version = ResponsibilityListVersion(
            post_id=pid,
            version=(current.version + 1) if current else 1,
            items=new_items,
            created_by_id=actor.id if actor is not None else None,
        )
        if now is not None:
            version.created_at = now
        db.session.add(version)
        made.append(version)
    if made:
        db.session.flush()
        for version in made:
            audit.record(
                actor,
                "responsibility_list.version",
                version,
                {"post_id": version.post_id, "version": version.version},
                now=now or version.created_at,
            )
    return made


# Every write path (org's post edits, imports, the demo) gets its versions: a
# flush notes the posts it touched, the commit freezes their lists.
_PENDING = "matrix_pending_posts"


def _note_touched_posts(session: Session, _context: Any) -> None:
    touched: set[int] = session.info.setdefault(_PENDING, set())
    duty_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Responsibility):
            touched.add(obj.post_id)
            history = sa.inspect(obj).attrs.post_id.history
            touched.update(p for p in history.deleted or () if p is not None)
        elif isinstance(obj, Post) and obj not in session.deleted:
            history = sa.inspect(obj).attrs.business_duties.history
            if history.has_changes() and obj.id is not None:
                touched.add(obj.id)
        elif isinstance(obj, Duty) and obj in session.dirty:
            duty_ids.add(obj.id)
    if duty_ids:
        session.info.setdefault("matrix_pending_duties", set()).update(duty_ids)


def _freeze_before_commit(session: Session) -> None:
    posts: set[int] = session.info.pop(_PENDING, set())
    duties: set[int] = session.info.pop("matrix_pending_duties", set())
    if not posts and not duties:
        return
    if duties:
        posts.update(
            session.scalars(
                sa.select(Responsibility.post_id).where(Responsibility.duty_id.in_(duties))
            )
        )
    record_list_versions(posts, actor=None)
    session.info.pop(_PENDING, None)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop("matrix_pending_duties", None)


if not event.contains(FsaSession, "after_flush", _note_touched_posts):
    event.listen(FsaSession, "after_flush", _note_touched_posts)
    event.listen(FsaSession, "before_commit", _freeze_before_commit)
    event.listen(FsaSession, "after_rollback", _forget)
