"""Each person's private iCalendar feed: their deadlines in Outlook or on a phone.

The feed URL carries a random token instead of a session (calendar apps
cannot sign in), so the token is a secret: it can be replaced or revoked,
and a revoked or replaced one answers 404.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from safety.extensions import db
from safety.models import Checklist, Hazard, HazardStatus, InspectionPlan, PostHolder, Unit, User
from safety.services import audit
from safety.services.inspections import due_plans
from safety.services.org import holding_filter


def create_calendar_token(user: User, *, now: datetime) -> str:
    """A new secret feed URL token for ``user``; any previous one stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    audit.record(user, "calendar.token_create", user, {}, now=now)
    db.session.commit()
    return user.calendar_token


def revoke_calendar_token(user: User, *, now: datetime) -> None:
    if user.calendar_token is None:
        return
    user.calendar_token = None
    audit.record(user, "calendar.token_revoke", user, {}, now=now)
    db.session.commit()


def user_for_calendar_token(token: str) -> User | None:
    """The active person whose feed ``token`` is, else None."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    if user is None or not user.active or not secrets.compare_digest(user.calendar_token, token):
        return None
    return user


def build_calendar(user: User, *, today: date, now: datetime) -> bytes:
    """Deadlines of the open hazards of the posts ``user`` holds today (and due inspections).

    All-day events; stable UIDs so calendar apps update rather than duplicate.
    """
    base_url = current_app.config["BASE_URL"].rstrip("/")
    hazards = db.session.execute(
        sa.select(Hazard.id, Hazard.number, Hazard.title, Hazard.deadline, Hazard.level, Unit.name)
        .join(Unit, Unit.id == Hazard.unit_id)
        .join(PostHolder, PostHolder.post_id == Hazard.accountable_post_id)
        .where(
            PostHolder.user_id == user.id,
            holding_filter(today),
            Hazard.status == HazardStatus.RECTIFYING,
            Hazard.deadline.is_not(None),
        )
        .distinct()
        .order_by(Hazard.deadline, Hazard.id)
    ).all()
    cal = Calendar()
    cal.add("prodid", "-//safety//hazard deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-timezone", current_app.config["TIMEZONE"])
    with force_locale(user.locale.value):
        cal.add("x-wr-calname", _("Safety deadlines"))
        for hid, number, title, deadline, level, unit in hazards:
            event = Event()
            event.add("uid", f"hazard-{hid}@safety")
            event.add("dtstamp", now)
            event.add("dtstart", deadline)
            event.add("dtend", deadline + timedelta(days=1))
            event.add("summary", _("Deadline %(number)s: %(title)s", number=number, title=title))
            event.add("description", f"{unit}\n{base_url}/hazards/{hid}")
            event.add("url", f"{base_url}/hazards/{hid}")
            if level.value == "major":
                event.add("priority", 1)
            cal.add_component(event)
        for plan_id, next_due, name, unit in _due_inspections(user, today):
            event = Event()
            event.add("uid", f"inspection-plan-{plan_id}-{next_due.isoformat()}@safety")
            event.add("dtstamp", now)
            event.add("dtstart", next_due)
            event.add("dtend", next_due + timedelta(days=1))
            summary = _("Inspection due: %(checklist)s, %(unit)s", checklist=name, unit=unit)
            event.add("summary", summary)
            event.add("url", f"{base_url}/inspections/")
            cal.add_component(event)
    return cal.to_ical()


def _due_inspections(user: User, today: date) -> list[tuple[int, date, str, str]]:
    """Inspections due for ``user``: plans of the posts they hold, due or overdue."""
    mine = {plan_id: due for user_id, plan_id, due in due_plans(today) if user_id == user.id}
    if not mine:
        return []
    rows = db.session.execute(
        sa.select(InspectionPlan.id, Checklist.name, Unit.name)
        .join(Checklist, Checklist.id == InspectionPlan.checklist_id)
        .join(Unit, Unit.id == InspectionPlan.unit_id)
        .where(InspectionPlan.id.in_(list(mine)))
    ).all()
    return [(pid, mine[pid], name, unit) for pid, name, unit in rows if mine[pid] is not None]
