"""Reading and signing lists: diffs, versions, signatures, my lists, the printable list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety import permissions
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Post,
    PostHolder,
    Responsibility,
    ResponsibilityListVersion,
    User,
)
from safety.services import audit
from safety.services.db import insert_or_ignore
from safety.services.errors import Conflict, Forbidden, NotFound, ValidationError
from safety.services.matrix.common import _CONTENT_KEYS
from safety.services.matrix.versions import _latest_versions
from safety.services.org import holders_on, holding_filter
from safety.services.passwords import check_password
from safety.services.validation import MAX_ID, load_or_404

# --- reading lists -------------------------------------------------------------------


@dataclass
class ListDiff:
    """What changed between two versions of a list, ready to show."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    business: tuple[str | None, str | None] | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.business)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [{"before": a, "after": b} for a, b in self.changed],
            "business_duties": list(self.business) if self.business else None,
        }


def split_items(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """(safety items, business duties text) of a frozen list."""
    safety = [i for i in items if i.get("section", "safety") == "safety"]
    business = next((i.get("text") for i in items if i.get("section") == "business"), None)
    return safety, business


def diff_items(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> ListDiff:
    """Added, removed and changed safety items (by responsibility), and business duties."""
    old_safety, old_business = split_items(old)
    new_safety, new_business = split_items(new)
    before = {i["responsibility_id"]: i for i in old_safety}
    after = {i["responsibility_id"]: i for i in new_safety}
    result = ListDiff()
    result.added = [i for rid, i in after.items() if rid not in before]
    result.removed = [i for rid, i in before.items() if rid not in after]
    for rid, item in after.items():
        if rid in before and any(before[rid].get(k) != item.get(k) for k in _CONTENT_KEYS):
            result.changed.append((before[rid], item))
    if (old_business or None) != (new_business or None):
        result.business = (old_business, new_business)
    return result


def list_versions(post_id: int) -> list[ResponsibilityListVersion]:
    """Every version of a post's list, newest first."""
    return list(
        db.session.scalars(
            sa.select(ResponsibilityListVersion)
            .where(ResponsibilityListVersion.post_id == post_id)
            .order_by(ResponsibilityListVersion.version.desc())
        )
    )


def get_version(post_id: int, version: int) -> ResponsibilityListVersion | None:
    if not (1 <= post_id <= MAX_ID and 1 <= version <= MAX_ID):
        return None
    return db.session.scalar(
        sa.select(ResponsibilityListVersion).where(
            ResponsibilityListVersion.post_id == post_id,
            ResponsibilityListVersion.version == version,
        )
    )


def diff_versions(post_id: int, old: int | None, new: int) -> ListDiff:
    """The diff from version ``old`` (None: nothing) to ``new`` of a post's list.

    :raise NotFound: when either version does not exist.
    """
    new_version = get_version(post_id, new)
    old_version = get_version(post_id, old) if old is not None else None
    if new_version is None or (old is not None and old_version is None):
        raise NotFound(_("No such version of this list."))
    return diff_items(old_version.items if old_version else [], new_version.items)


def responsibility_list(post_id: int) -> dict[str, Any]:
    """The current version of a post's list and every signature on any version.

    ``version`` is None (and ``items`` empty) while the post has no list yet.

    :raise NotFound: when the post does not exist.
    """
    post = load_or_404(Post, post_id, _("No such post."))
    current = _latest_versions([post.id]).get(post.id)
    items, business = split_items(current.items if current else [])
    acks = db.session.scalars(
        sa.select(Acknowledgement)
        .where(Acknowledgement.post_id == post.id)
        .order_by(Acknowledgement.at, Acknowledgement.id)
    ).all()
    return {
        "post_id": post.id,
        "post": post,
        "version": current.version if current else None,
        "version_created_at": current.created_at if current else None,
        "items": items,
        "business_duties": business,
        "acknowledgements": acks,
    }


# --- signing ---------------------------------------------------------------------


def acknowledge_list(
    user: User,
    post_id: int,
    *,
    version: int | None = None,
    password: str | None = None,
    now: datetime,
    today: date,
) -> Acknowledgement:
    """Sign the current version of a post's list (责任书签字).

    Idempotent: signing the same version again returns the first signature,
    which is never changed.

    :raise NotFound: no such post.
    :raise Forbidden: ``user`` does not hold the post today.
    :raise Conflict: ``version`` is not the current one, or there is no list yet.
    :raise ValidationError: ``password`` (asked by the HTML form, 签字确认) is not the user's.
    """
    post = load_or_404(Post, post_id, _("No such post."))
    if not permissions.can_acknowledge(user, post.id, today):
        raise Forbidden(_("Only people holding this post today may sign its list."))
    if password is not None and not check_password(user.password_hash, password):
        raise ValidationError(
            {"password": _("The password is not right; the list was not signed.")}
        )
    current = _latest_versions([post.id]).get(post.id)
    if current is None:
        raise Conflict(_("This post has no responsibility list to sign yet."))
    if version is not None and version != current.version:
        raise Conflict(
            _(
                "Version %(given)s is not the current version (%(current)d); "
                "read the current list and sign it.",
                given=version,
                current=current.version,
            )
        )
    values = {"post_id": post.id, "user_id": user.id, "version": current.version}
    inserted = insert_or_ignore(
        Acknowledgement, {**values, "at": now}, ["post_id", "user_id", "version"]
    )
    ack = db.session.scalar(sa.select(Acknowledgement).filter_by(**values))
    if inserted:
        audit.record(user, "responsibility_list.acknowledge", ack, values, now=now)
    db.session.commit()
    return ack


def _unsigned_rows(on: date) -> list[sa.Row]:
    """(user_id, post_id, version) for current holders missing the current signature."""
    latest = (
        sa.select(
            ResponsibilityListVersion.post_id,
            sa.func.max(ResponsibilityListVersion.version).label("version"),
        )
        .group_by(ResponsibilityListVersion.post_id)
        .subquery()
    )
    has_resp = sa.select(Responsibility.id).where(Responsibility.post_id == latest.c.post_id)
    signed = sa.select(Acknowledgement.id).where(
        Acknowledgement.post_id == latest.c.post_id,
        Acknowledgement.user_id == PostHolder.user_id,
        Acknowledgement.version == latest.c.version,
    )
    stmt = (
        sa.select(PostHolder.user_id, latest.c.post_id, latest.c.version)
        .join(latest, latest.c.post_id == PostHolder.post_id)
        .join(User, User.id == PostHolder.user_id)
        .where(holding_filter(on), User.active.is_(True), has_resp.exists(), ~signed.exists())
        .distinct()
        .order_by(latest.c.post_id, PostHolder.user_id)
    )
    return list(db.session.execute(stmt).all())


def unsigned_lists(on: date) -> list[tuple[int, int, int]]:
    """``(user_id, post_id, current version)`` for every list a holder on ``on`` has not signed.

    One query. Only posts that have safety responsibilities count; a person
    holding a post over ``on`` (start and end inclusive) who is active.
    """
    return [(r[0], r[1], r[2]) for r in _unsigned_rows(on)]


# --- my lists ------------------------------------------------------------------------


@dataclass
class MyList:
    """One post a person holds today, with what they need to read and sign."""

    post: Post
    version: int | None
    items: list[dict[str, Any]]
    business_duties: str | None
    signed_version: int | None
    signed_at: datetime | None
    diff: ListDiff | None

    @property
    def signed_current(self) -> bool:
        return self.version is not None and self.signed_version == self.version


def my_lists(user: User, today: date) -> list[MyList]:
    """Each post ``user`` holds today: its current list, last signature and changes since."""
    post_ids = sorted(permissions.held_post_ids(user, today))
    if not post_ids:
        return []
    posts = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.unit))
        )
    }
    latest = _latest_versions(post_ids)
    last_signed: dict[int, Acknowledgement] = {}
    for ack in db.session.scalars(
        sa.select(Acknowledgement)
        .where(Acknowledgement.user_id == user.id, Acknowledgement.post_id.in_(post_ids))
        .order_by(Acknowledgement.version)
    ):
        last_signed[ack.post_id] = ack
    wanted = [(pid, a.version) for pid, a in last_signed.items()]
    signed_versions: dict[tuple[int, int], ResponsibilityListVersion] = {}
    if wanted:
        for v in db.session.scalars(
            sa.select(ResponsibilityListVersion).where(
                sa.tuple_(ResponsibilityListVersion.post_id, ResponsibilityListVersion.version).in_(
                    wanted
                )
            )
        ):
            signed_versions[(v.post_id, v.version)] = v
    result = []
    for pid in post_ids:
        current = latest.get(pid)
        ack = last_signed.get(pid)
        items, business = split_items(current.items if current else [])
        diff = None
        if current is not None and (ack is None or ack.version != current.version):
            before = signed_versions.get((pid, ack.version)) if ack else None
            diff = diff_items(before.items if before else [], current.items)
        result.append(
            MyList(
                post=posts[pid],
                version=current.version if current else None,
                items=items,
                business_duties=business,
                signed_version=ack.version if ack else None,
                signed_at=ack.at if ack else None,
                diff=diff,
            )
        )
    result.sort(key=lambda m: (m.post.unit.code, m.post.title))
    return result


def print_data(post_id: int, today: date) -> dict[str, Any]:
    """What the printable list shows: the list, today's holders and their signatures."""
    data = responsibility_list(post_id)
    holders = holders_on([post_id], today)[post_id]
    by_user: dict[int, list[Acknowledgement]] = {}
    for ack in data["acknowledgements"]:
        by_user.setdefault(ack.user_id, []).append(ack)
    rows = []
    for user in holders:
        acks = by_user.get(user.id, [])
        current = next((a for a in acks if a.version == data["version"]), None)
        rows.append(
            {
                "user": user,
                "signed_current": current,
                "last": acks[-1] if acks else None,
            }
        )
    data["holders"] = rows
    return data
