"""Event notifications: who hears at once when something happens to a hazard.

Separate from the daily digest (contract §5): the accountable post's holders
when a hazard is assigned to it or its fix is rejected, and when an extension
request is decided; the requester's managers when an extension is requested;
the holders of ``main`` responsibility for the unit when a ``major`` hazard is
reported. Callers are the hazard services, inside their transaction: this
module queues, it never commits, so the notice exists exactly when the action
does. Each recipient gets an email (queued in the outbox, delivered by the next
flush) in their own language and an in-app notice (:class:`Notice`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from safety import clock, permissions
from safety.extensions import db
from safety.models import HazardLevel, Notice, Post, ResponsibilityKind, Unit, User
from safety.services.org import holders_on
from safety.services.outbox import queue_email, render_email
from safety.services.reminders import ladder, usable_email

if TYPE_CHECKING:
    from safety.models import Hazard

#: True while events notify nobody (loading demo history, bulk imports).
_muted: ContextVar[bool] = ContextVar("events_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Notify nobody inside: data loaded in bulk is not news to anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


#: Outbox kind of event emails (the daily digest is ``digest``).
KIND_EVENT = "event"

#: Who hears about each kind of event: ``accountable`` (the accountable post's
#: holders, up the superior chain when vacant, else the admins), ``managers``
#: (of the accountable post: its superior's holders and the unit's main,
#: leadership and supervision holders) or ``main`` (the unit's main
#: responsibility holders). The flag: for ``major`` hazards only.
RULES: dict[str, tuple[str, bool]] = {
    "assigned": ("accountable", False),
    "rejected": ("accountable", False),
    "extension_decided": ("accountable", False),
    "extension_requested": ("managers", False),
    "reported": ("main", True),
    "plan_approval_needed": ("main", True),
}

MANAGER_KINDS = (
    ResponsibilityKind.MAIN,
    ResponsibilityKind.LEADERSHIP,
    ResponsibilityKind.SUPERVISION,
)


def event_headline(kind: str, number: str, title: str) -> str:
    """What happened, in the current language (the email's subject, the notice's line)."""
    headlines = {
        "assigned": _("Hazard %(number)s assigned to your post: %(title)s"),
        "rejected": _("Rectification of %(number)s rejected: %(title)s"),
        "extension_requested": _("Extension requested for %(number)s: %(title)s"),
        "extension_decided": _("Extension request for %(number)s decided: %(title)s"),
        "reported": _("Major hazard reported: %(number)s %(title)s"),
        "plan_approval_needed": _("Plan for major hazard %(number)s awaits approval: %(title)s"),
    }
    template = headlines.get(kind, "%(number)s %(title)s")
    return template % {"number": number, "title": title}


def why_label(reason: str) -> str:
    labels = {
        "accountable": _("you hold the accountable post"),
        "vacant": _("the accountable post is vacant and you hold a post above it"),
        "admin": _("nobody holds the accountable post or a post above it"),
        "superior": _("you hold the accountable post's superior post"),
        "manager": _("your post answers for this unit"),
        "main": _("your post has main responsibility for this unit"),
    }
    return labels.get(reason, reason)


def _admins() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.is_admin.is_(True), User.active.is_(True)).order_by(User.id)
        )
    )


def _accountable(hazard: Hazard, today: Any) -> list[tuple[User, str]]:
    """The accountable post's holders; vacant: up the chain (:func:`ladder`); else admins."""
    found: dict[int, list[User]] = {}

    def holders(post_id: int) -> list[User]:
        if post_id not in found:
            found[post_id] = holders_on([post_id], today)[post_id]
        return found[post_id]

    def superior_of(post_id: int) -> int | None:
        post = db.session.get(Post, post_id)
        return post.superior_post_id if post is not None else None

    post_id, reason = ladder(hazard.accountable_post_id, superior_of, lambda p: bool(holders(p)))
    if post_id is None:
        return [(user, "admin") for user in _admins()]
    return [(user, reason) for user in holders(post_id)]


def _holders_of(post_ids: set[int], today: Any, reason: str) -> list[tuple[User, str]]:
    found = holders_on(sorted(post_ids), today)
    return [(user, reason) for post_id in sorted(post_ids) for user in found[post_id]]


def _managers(hazard: Hazard, today: Any) -> list[tuple[User, str]]:
    """Above the requester: the superior post's holders, the unit's managing posts."""
    result: list[tuple[User, str]] = []
    post = db.session.get(Post, hazard.accountable_post_id) if hazard.accountable_post_id else None
    if post is not None and post.superior_post_id is not None:
        result += _holders_of({post.superior_post_id}, today, "superior")
    covering = permissions.posts_covering_units([hazard.unit_id], MANAGER_KINDS)[hazard.unit_id]
    result += _holders_of(covering, today, "manager")
    return result or [(user, "admin") for user in _admins()]


def _main(hazard: Hazard, today: Any) -> list[tuple[User, str]]:
    covering = permissions.posts_covering_units([hazard.unit_id], [ResponsibilityKind.MAIN])
    return _holders_of(covering[hazard.unit_id], today, "main") or [
        (user, "admin") for user in _admins()
    ]


WHO = {"accountable": _accountable, "managers": _managers, "main": _main}


def recipients(kind: str, hazard: Hazard, actor: User | None, today: Any) -> list[tuple[User, str]]:
    """(person, why) for an event, each person once (first reason wins), never the actor."""
    rule = RULES.get(kind)
    if rule is None:
        return []
    who, major_only = rule
    if major_only and hazard.level != HazardLevel.MAJOR:
        return []
    result: dict[int, tuple[User, str]] = {}
    for user, reason in WHO[who](hazard, today):
        if actor is not None and user.id == actor.id:
            continue
        result.setdefault(user.id, (user, reason))
    return list(result.values())


@dataclass
class _Mail:
    subject: str
    text: str
    html: str


def _render(kind: str, hazard: Hazard, user: User, reason: str, context: dict[str, Any]) -> _Mail:
    with force_locale(user.locale.value):
        headline = event_headline(kind, hazard.number, hazard.title)
        local = {
            **context,
            "recipient": user,
            "headline": headline,
            "why": why_label(reason),
            "level": _("Major") if hazard.level == HazardLevel.MAJOR else _("General"),
        }
        return _Mail(
            _("Safety: %(headline)s", headline=headline),
            render_email("email/event.txt", local),
            render_email("email/event.html", local),
        )


def hazard_event(
    kind: str,
    hazard: Hazard,
    actor: User | None,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Queue the emails and in-app notices for ``kind`` on ``hazard``.

    ``kind`` is the action's name: ``reported``, ``assigned``, ``rejected``,
    ``extension_requested``, ``extension_decided`` and, for major hazards,
    the steps of their procedure (``plan_approval_needed``). Unknown kinds
    notify nobody. ``now`` defaults to the action's time (the hazard's
    ``updated_at``, which every action sets). No commit: the caller's.
    """
    if _muted.get():
        return
    when = now or hazard.updated_at or clock.now()
    people = recipients(kind, hazard, actor, clock.local_date(when))
    if not people:
        return
    base_url = current_app.config["BASE_URL"].rstrip("/")
    context = {
        "hazard": hazard,
        "unit": db.session.get(Unit, hazard.unit_id),
        "post": db.session.get(Post, hazard.accountable_post_id)
        if hazard.accountable_post_id
        else None,
        "actor": actor,
        "note": note,
        "link": f"{base_url}/hazards/{hazard.id}",
        "notifications_url": f"{base_url}/notifications/",
    }
    for user, reason in people:
        db.session.add(
            Notice(
                user_id=user.id,
                hazard_id=hazard.id,
                kind=kind,
                actor_id=actor.id if actor is not None else None,
                note=note,
                created_at=when,
            )
        )
        if not usable_email(user.email):
            continue
        mail = _render(kind, hazard, user, reason, context)
        queue_email(
            kind=KIND_EVENT,
            to_addr=user.email.strip(),
            subject=mail.subject,
            text_body=mail.text,
            html_body=mail.html,
            now=when,
            to_user_id=user.id,
        )


# --- what people see in the application ------------------------------------------


@dataclass
class NoticeView:
    id: int
    hazard_id: int
    number: str
    headline: str
    actor: str | None
    note: str | None
    at: datetime
    unread: bool


def my_notices(user: User, *, limit: int = 50) -> list[NoticeView]:
    """The person's latest notices, worded in the current language (one query)."""
    from safety.models import Hazard

    actor = sa.orm.aliased(User)
    rows = db.session.execute(
        sa.select(Notice, Hazard.number, Hazard.title, actor.name)
        .join(Hazard, Hazard.id == Notice.hazard_id)
        .outerjoin(actor, actor.id == Notice.actor_id)
        .where(Notice.user_id == user.id)
        .order_by(Notice.id.desc())
        .limit(limit)
    ).all()
    return [
        NoticeView(
            notice.id,
            notice.hazard_id,
            number,
            event_headline(notice.kind, number, title),
            actor_name,
            notice.note,
            notice.created_at,
            notice.read_at is None,
        )
        for notice, number, title, actor_name in rows
    ]


def unread_notice_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notice.id)).where(
            Notice.user_id == user.id, Notice.read_at.is_(None)
        )
    )


def mark_notices_read(user: User, *, now: datetime) -> int:
    """Mark every unread notice of ``user`` read; how many were."""
    result = db.session.execute(
        sa.update(Notice)
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
