"""The notice board (安全生产法 §41 通报): a unit's open and recently closed hazards
and the month's figures, printable for the 公告栏, and published read-only at an
unguessable, revocable link for a screen on the shop floor."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import clock
from safety.extensions import db
from safety.models import Hazard, HazardStatus, NoticeBoardLink, Post, Unit, User
from safety.permissions import is_admin
from safety.services import audit, reports
from safety.services.errors import Forbidden, NotFound
from safety.services.overdue import overdue_clause

#: Closed hazards stay on the board this many days.
RECENT_DAYS = 30
#: Lines per list on the board (the most urgent first); the count says if more.
BOARD_LINES = 100
_OPEN = [HazardStatus.REPORTED, HazardStatus.RECTIFYING, HazardStatus.PENDING_VERIFICATION]


@dataclass
class NoticeLine:
    number: str
    title: str
    deadline: date | None
    status: str
    post_title: str | None
    overdue: bool
    closed_at: datetime | None


@dataclass
class NoticeBoard:
    unit: Unit
    today: date
    period: reports.Period
    figures: reports.Figures
    open: list[NoticeLine]
    open_total: int
    closed: list[NoticeLine]
    closed_total: int


def _lines(where: sa.ColumnElement[bool], order: list[sa.ColumnElement], today: date) -> list:
    rows = db.session.execute(
        sa.select(
            Hazard.number,
            Hazard.title,
            Hazard.deadline,
            Hazard.status,
            Post.title,
            overdue_clause(today),
            Hazard.closed_at,
        )
        .outerjoin(Post, Post.id == Hazard.accountable_post_id)
        .where(where)
        .order_by(*order, Hazard.id)
        .limit(BOARD_LINES)
    ).all()
    return [
        NoticeLine(n, t, d, getattr(s, "value", s), p, bool(o), c) for n, t, d, s, p, o, c in rows
    ]


def notice_board(unit_id: int, *, today: date) -> NoticeBoard:
    """The board of ``unit_id`` and the units below it (five queries).

    :raise NotFound: no such unit.
    """
    try:
        scope = reports.resolve_scope(unit_id)
    except Exception as error:  # noqa: BLE001  (a bad id is "not found" here)
        raise NotFound(_("No such unit.")) from error
    assert scope.unit is not None
    in_scope = Hazard.unit_id.in_(scope.unit_ids)
    open_where = sa.and_(in_scope, Hazard.status.in_(_OPEN))
    since = reports.day_start(today - timedelta(days=RECENT_DAYS), clock.tz())
    closed_where = sa.and_(
        in_scope, Hazard.status == HazardStatus.CLOSED, Hazard.closed_at >= since
    )
    count = sa.select(sa.func.count()).select_from(Hazard)
    period = reports.month_period(today.year, today.month)
    return NoticeBoard(
        unit=scope.unit,
        today=today,
        period=period,
        figures=reports.figures(scope, period, today=today),
        open=_lines(open_where, [Hazard.deadline.is_(None), Hazard.deadline], today),
        open_total=db.session.scalar(count.where(open_where)) or 0,
        closed=_lines(closed_where, [Hazard.closed_at.desc()], today),
        closed_total=db.session.scalar(count.where(closed_where)) or 0,
    )


def publish_notice_board(actor: User, unit_id: int, *, now: datetime) -> NoticeBoardLink:
    """A new secret link to ``unit_id``'s board (administrators only).

    :raise Forbidden: not an administrator. :raise NotFound: no such unit.
    """
    if not is_admin(actor):
        raise Forbidden(_("Only administrators publish a notice board."))
    if db.session.get(Unit, unit_id) is None:
        raise NotFound(_("No such unit."))
    link = NoticeBoardLink(
        unit_id=unit_id, token=secrets.token_urlsafe(32), created_by_id=actor.id, created_at=now
    )
    db.session.add(link)
    audit.record(actor, "notice_board.publish", link, {"unit_id": unit_id}, now=now)
    db.session.commit()
    return link


def revoke_notice_board(actor: User, link_id: int, *, now: datetime) -> NoticeBoardLink:
    """End a published link at once (administrators only).

    :raise Forbidden: not an administrator. :raise NotFound: no such link.
    """
    if not is_admin(actor):
        raise Forbidden(_("Only administrators publish a notice board."))
    link = db.session.get(NoticeBoardLink, link_id)
    if link is None:
        raise NotFound(_("No such link."))
    if link.revoked_at is None:
        link.revoked_at = now
        audit.record(actor, "notice_board.revoke", link, {"unit_id": link.unit_id}, now=now)
        db.session.commit()
    return link


def notice_board_links(unit_id: int) -> list[NoticeBoardLink]:
    """The links to ``unit_id``'s board still in force, newest first."""
    return list(
        db.session.scalars(
            sa.select(NoticeBoardLink)
            .where(NoticeBoardLink.unit_id == unit_id, NoticeBoardLink.revoked_at.is_(None))
            .order_by(NoticeBoardLink.id.desc())
        )
    )


def unit_for_token(token: str) -> int | None:
    """The unit a link in force shows, or None (unknown or revoked)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(NoticeBoardLink.unit_id).where(
            NoticeBoardLink.token == token, NoticeBoardLink.revoked_at.is_(None)
        )
    )
