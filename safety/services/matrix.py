"""The responsibility matrix (一岗双责): duties, responsibilities, lists, sign-off, gaps.

Versioned lists. A post's *responsibility list* (安全生产责任清单) is its
responsibilities (with the duties they name) beside its business duties. Every
change to any of these, by whatever service, makes a new frozen
:class:`ResponsibilityListVersion` in the same transaction: a session hook
notes the posts a flush touched and :func:`record_list_versions` runs for
them just before the commit. A version is only made when the list really
differs from the latest one, so calling it twice is harmless.

Gap analysis and inheritance down the unit tree (what a safety manager
expects, and what :func:`find_gaps` checks):

* **main** (主体责任) is per unit: every unit names its own first responsible
  post (主要负责人); the group's main responsibility does not stand in for a
  workshop's head.
* **supervision** (监管责任) covers the unit and every unit below it: the
  safety department supervising the group supervises its plants.
* **leadership** and **direct** are never gaps on their own.
* A responsibility counts whether or not its post is held today; an empty
  post is reported separately as ``post_vacant``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload

from safety import permissions
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Duty,
    DutyCategory,
    Post,
    PostHolder,
    PostLevel,
    Responsibility,
    ResponsibilityKind,
    ResponsibilityListVersion,
    SafetyTarget,
    Unit,
    User,
)
from safety.services import audit
from safety.services.db import insert_or_ignore
from safety.services.errors import Conflict, Forbidden, NotFound
from safety.services.org import holders_on, holding_filter
from safety.services.validation import MAX_ID, load, load_or_404  # noqa: F401  (re-exported)
from safety.services.validation import choice as _enum
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

#: Display order of kinds, and the one-letter mark shown in cells (主/领/监/直).
KIND_ORDER = (
    ResponsibilityKind.MAIN,
    ResponsibilityKind.LEADERSHIP,
    ResponsibilityKind.SUPERVISION,
    ResponsibilityKind.DIRECT,
)
KIND_LETTERS = {
    ResponsibilityKind.MAIN: "主",
    ResponsibilityKind.LEADERSHIP: "领",
    ResponsibilityKind.SUPERVISION: "监",
    ResponsibilityKind.DIRECT: "直",
}
KIND_LABELS = {
    ResponsibilityKind.MAIN: _l("Main responsibility"),
    ResponsibilityKind.LEADERSHIP: _l("Leadership responsibility"),
    ResponsibilityKind.SUPERVISION: _l("Supervision responsibility"),
    ResponsibilityKind.DIRECT: _l("Direct responsibility"),
}
CATEGORY_LABELS = {
    DutyCategory.INDUSTRY: _l("Industry safety"),
    DutyCategory.BUSINESS: _l("Business safety"),
    DutyCategory.PRODUCTION_OPERATION: _l("Production and operation safety"),
}
LEVEL_ORDER = (PostLevel.DECISION, PostLevel.MANAGEMENT, PostLevel.OPERATION)
LEVEL_LABELS = {
    PostLevel.DECISION: _l("Decision level"),
    PostLevel.MANAGEMENT: _l("Management level"),
    PostLevel.OPERATION: _l("Operation level"),
}
GAP_TYPES = ("unit_without_main", "unit_without_supervision", "post_vacant", "unacknowledged")

#: Item fields that make a change worth a new version (names are shown, not compared).
_CONTENT_KEYS = (
    "unit_id",
    "kind",
    "duty_id",
    "duty_title",
    "duty_category",
    "duty_description",
    "description",
)


# --- small validation helpers --------------------------------------------------


def _clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _text(errors: dict[str, str], name: str, value: Any, max_len: int, required: bool) -> str:
    text = _clean(value)
    if required and not text:
        errors[name] = _("This field is required.")
    elif len(text) > max_len:
        errors[name] = _("At most %(n)d characters.", n=max_len)
    return text


def require_matrix_admin(actor: User | None) -> None:
    """:raise Forbidden: unless ``actor`` may edit the matrix (see permissions)."""
    if not permissions.can_edit_matrix(actor):
        raise Forbidden(_("Only administrators may change the responsibility matrix."))


# --- duties --------------------------------------------------------------------


def validate_duty(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``{title, category, description}``; returns (values, field errors)."""
    errors: dict[str, str] = {}
    values = {
        "title": _text(errors, "title", data.get("title"), 300, True),
        "category": _enum(errors, "category", DutyCategory, data.get("category")),
        "description": _text(errors, "description", data.get("description"), 5000, False) or None,
    }
    return values, errors


def create_duty(
    actor: User | None,
    *,
    title: str,
    category: str | DutyCategory,
    description: str | None = None,
    now: datetime,
) -> Duty:
    """:raise Forbidden: unless admin. :raise ValidationError: naming the field."""
    require_matrix_admin(actor)
    values, errors = validate_duty(
        {"title": title, "category": category, "description": description}
    )
    _raise(errors)
    duty = Duty(**values, created_at=now)
    db.session.add(duty)
    audit.record(actor, "duty.create", duty, values, now=now)
    db.session.commit()
    return duty


def update_duty(
    actor: User | None,
    duty: Duty,
    *,
    title: str,
    category: str | DutyCategory,
    description: str | None = None,
    now: datetime,
) -> Duty:
    """Edit a duty; every post whose list names it gets a new list version."""
    require_matrix_admin(actor)
    values, errors = validate_duty(
        {"title": title, "category": category, "description": description}
    )
    _raise(errors)
    changes = audit.diff(duty, values)
    if changes:
        audit.record(actor, "duty.update", duty, changes, now=now)
        record_list_versions(_posts_naming_duty(duty.id), actor=actor, now=now)
    db.session.commit()
    return duty


def delete_duty(actor: User | None, duty: Duty, *, now: datetime) -> None:
    """:raise Conflict: while a responsibility still names the duty."""
    require_matrix_admin(actor)
    used = db.session.scalar(
        sa.select(sa.func.count(Responsibility.id)).where(Responsibility.duty_id == duty.id)
    )
    if used:
        raise Conflict(
            _("The duty is used by %(n)d responsibilities; change or delete them first.", n=used)
        )
    audit.record(actor, "duty.delete", duty, {"title": duty.title}, now=now)
    db.session.delete(duty)
    db.session.commit()


def _posts_naming_duty(duty_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Responsibility.post_id).where(Responsibility.duty_id == duty_id).distinct()
        )
    )


# --- responsibilities ------------------------------------------------------------


def validate_responsibility(
    data: dict[str, Any], *, exclude_id: int | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``{post_id, unit_id, kind, duty_id?, description?}`` and refuse duplicates."""
    errors: dict[str, str] = {}
    post = _ref(errors, "post_id", Post, data.get("post_id"), True)
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), True)
    kind = _enum(errors, "kind", ResponsibilityKind, data.get("kind"))
    duty = _ref(errors, "duty_id", Duty, data.get("duty_id"), False)
    description = _text(errors, "description", data.get("description"), 5000, False) or None
    values = {
        "post_id": post.id if post else None,
        "unit_id": unit.id if unit else None,
        "kind": kind,
        "duty_id": duty.id if duty else None,
        "description": description,
    }
    if post is not None and unit is not None and kind is not None and "duty_id" not in errors:
        stmt = sa.select(Responsibility.id).where(
            Responsibility.post_id == post.id,
            Responsibility.unit_id == unit.id,
            Responsibility.kind == kind,
            Responsibility.duty_id.is_(None) if duty is None else Responsibility.duty_id == duty.id,
        )
        if exclude_id is not None:
            stmt = stmt.where(Responsibility.id != exclude_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            errors["kind"] = duplicate_message(post, unit, kind, duty)
    return values, errors


def duplicate_message(post: Post, unit: Unit, kind: ResponsibilityKind, duty: Duty | None) -> str:
    if duty is None:
        return _(
            "%(post)s already has %(kind)s for %(unit)s.",
            post=post.title,
            kind=KIND_LABELS[kind],
            unit=unit.name,
        )
    return _(
        "%(post)s already has %(kind)s for %(unit)s under the duty %(duty)s.",
        post=post.title,
        kind=KIND_LABELS[kind],
        unit=unit.name,
        duty=duty.title,
    )


def create_responsibility(
    actor: User | None,
    *,
    post_id: Any,
    unit_id: Any,
    kind: str | ResponsibilityKind,
    duty_id: Any = None,
    description: str | None = None,
    now: datetime,
) -> Responsibility:
    """:raise ValidationError: unknown ids, bad kind, or the same responsibility twice."""
    require_matrix_admin(actor)
    values, errors = validate_responsibility(
        {
            "post_id": post_id,
            "unit_id": unit_id,
            "kind": kind,
            "duty_id": duty_id,
            "description": description,
        }
    )
    _raise(errors)
    responsibility = Responsibility(**values, created_at=now)
    db.session.add(responsibility)
    audit.record(actor, "responsibility.create", responsibility, values, now=now)
    record_list_versions([responsibility.post_id], actor=actor, now=now)
    db.session.commit()
    return responsibility


def update_responsibility(
    actor: User | None,
    responsibility: Responsibility,
    *,
    post_id: Any,
    unit_id: Any,
    kind: str | ResponsibilityKind,
    duty_id: Any = None,
    description: str | None = None,
    now: datetime,
) -> Responsibility:
    """Edit; the old and the new post both get a new list version when they change."""
    require_matrix_admin(actor)
    values, errors = validate_responsibility(
        {
            "post_id": post_id,
            "unit_id": unit_id,
            "kind": kind,
            "duty_id": duty_id,
            "description": description,
        },
        exclude_id=responsibility.id,
    )
    _raise(errors)
    old_post = responsibility.post_id
    changes = audit.diff(responsibility, values)
    if changes:
        audit.record(actor, "responsibility.update", responsibility, changes, now=now)
        record_list_versions({old_post, responsibility.post_id}, actor=actor, now=now)
    db.session.commit()
    return responsibility


def delete_responsibility(
    actor: User | None, responsibility: Responsibility, *, now: datetime
) -> None:
    require_matrix_admin(actor)
    post_id = responsibility.post_id
    audit.record(
        actor,
        "responsibility.delete",
        responsibility,
        {"post_id": post_id, "unit_id": responsibility.unit_id, "kind": responsibility.kind},
        now=now,
    )
    db.session.delete(responsibility)
    db.session.flush()
    record_list_versions([post_id], actor=actor, now=now)
    db.session.commit()


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
    now: datetime,
    today: date,
) -> Acknowledgement:
    """Sign the current version of a post's list (责任书签字).

    Idempotent: signing the same version again returns the first signature,
    which is never changed.

    :raise NotFound: no such post.
    :raise Forbidden: ``user`` does not hold the post today.
    :raise Conflict: ``version`` is not the current one, or there is no list yet.
    """
    post = load_or_404(Post, post_id, _("No such post."))
    if not permissions.can_acknowledge(user, post.id, today):
        raise Forbidden(_("Only people holding this post today may sign its list."))
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


# --- the matrix and its gaps ---------------------------------------------------------------


def units_in_tree_order() -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before children, siblings by code."""
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            if unit.id in seen:
                continue
            seen.add(unit.id)
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    ordered.extend((u, 0) for u in units if u.id not in seen)  # cycles, never expected
    return ordered


def _subtree(parents: dict[int, int | None], root: int) -> set[int]:
    below: dict[int | None, list[int]] = {}
    for uid, parent in parents.items():
        below.setdefault(parent, []).append(uid)
    result, stack = set(), [root]
    while stack:
        uid = stack.pop()
        if uid not in result:
            result.add(uid)
            stack.extend(below.get(uid, []))
    return result


def matrix_data(
    *, unit_id: int | None = None, level: str | PostLevel | None = None, today: date
) -> dict[str, Any]:
    """Posts × units with the kinds in each cell, and the gaps (a handful of queries).

    ``unit_id`` keeps that unit's subtree (posts in it, or answering for a unit
    in it); ``level`` keeps posts of that level.

    :raise ValidationError: an unknown ``unit_id`` or ``level``.
    """
    errors: dict[str, str] = {}
    if unit_id is not None:
        _ref(errors, "unit_id", Unit, unit_id, False)
    level_value = _enum(errors, "level", PostLevel, level) if level not in (None, "") else None
    _raise(errors)
    tree = units_in_tree_order()
    parents = {u.id: u.parent_id for u, _d in tree}
    keep_units = _subtree(parents, int(unit_id)) if unit_id is not None else set(parents)
    units = [(u, d) for u, d in tree if u.id in keep_units]
    resp_rows = db.session.execute(
        sa.select(Responsibility.post_id, Responsibility.unit_id, Responsibility.kind).distinct()
    ).all()
    cells: dict[tuple[int, int], set[ResponsibilityKind]] = {}
    for post_id, uid, kind in resp_rows:
        if uid in keep_units:
            cells.setdefault((post_id, uid), set()).add(kind)
    answering = {pid for pid, _u in cells}
    stmt = sa.select(Post)
    if level_value is not None:
        stmt = stmt.where(Post.level == level_value)
    unit_rank = {u.id: i for i, (u, _d) in enumerate(tree)}
    level_rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    posts = [
        p
        for p in db.session.scalars(stmt)
        if unit_id is None or p.unit_id in keep_units or p.id in answering
    ]
    posts.sort(key=lambda p: (level_rank[p.level], unit_rank.get(p.unit_id, 0), p.id))
    post_ids = {p.id for p in posts}
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    cell_list = [
        {
            "post_id": pid,
            "unit_id": uid,
            "kinds": [k.value for k in sorted(kinds, key=kind_rank.__getitem__)],
        }
        for (pid, uid), kinds in sorted(
            cells.items(), key=lambda c: (c[0][0], unit_rank.get(c[0][1], 0))
        )
        if pid in post_ids
    ]
    gaps = [
        g
        for g in find_gaps(today)
        if ("unit_id" not in g or g["unit_id"] in keep_units)
        and ("post_id" not in g or g["post_id"] in post_ids)
    ]
    return {
        "posts": posts,
        "units": units,
        "cells": cell_list,
        "gaps": gaps,
        "unit_names": {u.id: u.name for u, _d in tree},
    }


def find_gaps(today: date) -> list[dict[str, Any]]:
    """Everything the matrix misses on ``today``, in a fixed order (about five queries).

    Each gap is ``{type, unit_id?, post_id?, user_id?, message}``; ``type`` is
    one of :data:`GAP_TYPES`. See the module docstring for how responsibilities
    on a unit count for the units below it.
    """
    tree = units_in_tree_order()
    parents = {u.id: u.parent_id for u, _d in tree}
    resp_rows = db.session.execute(
        sa.select(Responsibility.post_id, Responsibility.unit_id, Responsibility.kind).distinct()
    ).all()
    with_main = {uid for _p, uid, kind in resp_rows if kind == ResponsibilityKind.MAIN}
    supervised_roots = {uid for _p, uid, k in resp_rows if k == ResponsibilityKind.SUPERVISION}
    supervised: set[int] = set()
    for root in supervised_roots:
        if root in parents:
            supervised |= _subtree(parents, root)
    gaps: list[dict[str, Any]] = []
    for unit, _depth in tree:
        if unit.id not in with_main:
            gaps.append(
                {
                    "type": "unit_without_main",
                    "unit_id": unit.id,
                    "message": _("No post has main responsibility for %(unit)s.", unit=unit.name),
                }
            )
    for unit, _depth in tree:
        if unit.id not in supervised:
            gaps.append(
                {
                    "type": "unit_without_supervision",
                    "unit_id": unit.id,
                    "message": _(
                        "No post supervises %(unit)s (no supervision responsibility "
                        "for it or a unit above it).",
                        unit=unit.name,
                    ),
                }
            )
    responsible_posts = sorted({pid for pid, _u, _k in resp_rows})
    unsigned = _unsigned_rows(today)
    post_ids = set(responsible_posts) | {r[1] for r in unsigned}
    posts = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.unit))
        )
    }
    held = set(
        db.session.scalars(
            sa.select(PostHolder.post_id)
            .join(User, User.id == PostHolder.user_id)
            .where(
                PostHolder.post_id.in_(responsible_posts),
                holding_filter(today),
                User.active.is_(True),
            )
            .distinct()
        )
    )
    unit_rank = {u.id: i for i, (u, _d) in enumerate(tree)}

    def post_key(pid: int) -> tuple[int, int]:
        return (unit_rank.get(posts[pid].unit_id, 0), pid)

    for pid in sorted(responsible_posts, key=post_key):
        if pid not in held:
            post = posts[pid]
            gaps.append(
                {
                    "type": "post_vacant",
                    "unit_id": post.unit_id,
                    "post_id": pid,
                    "message": _(
                        "%(post)s (%(unit)s) has responsibilities but nobody holds it today.",
                        post=post.title,
                        unit=post.unit.name,
                    ),
                }
            )
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_({r[0] for r in unsigned}))
        ).all()
    )
    for user_id, pid, version in sorted(unsigned, key=lambda r: (post_key(r[1]), r[0])):
        post = posts[pid]
        gaps.append(
            {
                "type": "unacknowledged",
                "unit_id": post.unit_id,
                "post_id": pid,
                "user_id": user_id,
                "version": version,
                "message": _(
                    "%(user)s has not signed version %(version)d of the list of "
                    "%(post)s (%(unit)s).",
                    user=names.get(user_id, user_id),
                    version=version,
                    post=post.title,
                    unit=post.unit.name,
                ),
            }
        )
    from safety.services.risks import find_risk_gaps  # 分级管控 gaps (contract §6)

    return gaps + find_risk_gaps(today, parents)


# --- safety targets decomposed layer by layer --------------------------------------------


def create_target(
    actor: User | None,
    *,
    unit_id: Any,
    year: Any,
    title: str,
    metric: str | None = None,
    target_value: str | None = None,
    parent_id: Any = None,
    now: datetime,
) -> SafetyTarget:
    """Set a yearly target for a unit, or break a parent unit's target down to it.

    A decomposed target (``parent_id``) belongs to a unit directly below the
    parent target's unit and to the same year, so targets go down layer by layer.

    :raise ValidationError: naming the field.
    """
    require_matrix_admin(actor)
    errors: dict[str, str] = {}
    unit = _ref(errors, "unit_id", Unit, unit_id, True)
    parent = _ref(errors, "parent_id", SafetyTarget, parent_id, False)
    try:
        year_value = int(year)
        if not 2000 <= year_value <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = _("Enter a year between 2000 and 2100.")
        year_value = None
    title = _text(errors, "title", title, 300, True)
    metric_value = _text(errors, "metric", metric, 64, False) or None
    value = _text(errors, "target_value", target_value, 64, False) or None
    if parent is not None and unit is not None:
        if unit.parent_id != parent.unit_id:
            errors["parent_id"] = _(
                "A target is broken down to the units directly below its own unit."
            )
        elif year_value is not None and parent.year != year_value:
            errors["year"] = _("A broken-down target has the year of the target it comes from.")
    _raise(errors)
    target = SafetyTarget(
        unit_id=unit.id,
        year=year_value,
        title=title,
        metric=metric_value or (parent.metric if parent else None),
        target_value=value,
        parent_id=parent.id if parent else None,
        created_at=now,
    )
    db.session.add(target)
    audit.record(
        actor,
        "target.create",
        target,
        {"unit_id": unit.id, "year": year_value, "title": title, "parent_id": target.parent_id},
        now=now,
    )
    db.session.commit()
    return target


def delete_target(actor: User | None, target: SafetyTarget, *, now: datetime) -> None:
    """:raise Conflict: while targets broken down from it exist."""
    require_matrix_admin(actor)
    if db.session.scalar(sa.select(SafetyTarget.id).where(SafetyTarget.parent_id == target.id)):
        raise Conflict(_("Delete the targets broken down from this one first."))
    audit.record(actor, "target.delete", target, {"title": target.title}, now=now)
    db.session.delete(target)
    db.session.commit()


def targets_for_unit(unit_id: int, year: int | None = None) -> list[dict[str, Any]]:
    """A unit's targets, each with the chain it came from (nearest first): two queries."""
    stmt = sa.select(SafetyTarget).where(SafetyTarget.unit_id == unit_id)
    if year is not None:
        stmt = stmt.where(SafetyTarget.year == year)
    own = list(db.session.scalars(stmt.order_by(SafetyTarget.year.desc(), SafetyTarget.id)))
    everything = {
        t.id: t
        for t in db.session.scalars(
            sa.select(SafetyTarget).options(selectinload(SafetyTarget.unit))
        )
    }
    result = []
    for target in own:
        origin = []
        current = everything.get(target.parent_id) if target.parent_id else None
        while current is not None and current not in origin:
            origin.append(current)
            current = everything.get(current.parent_id) if current.parent_id else None
        children = [t for t in everything.values() if t.parent_id == target.id]
        result.append({"target": target, "origin": origin, "children": children})
    return result
