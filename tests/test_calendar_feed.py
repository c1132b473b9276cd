"""The private iCalendar feed: create, read, replace, revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from icalendar import Calendar

from safety.extensions import db
from safety.models import User
from tests import builders
from tests.test_reminders_rules import NOW, TODAY, rectifying


def _create_feed(client: Any, auth: Any, email: str, *, login: bool = True) -> str:
    if login:
        auth.login(email)
    token = auth.csrf("/notifications/")
    response = client.post("/notifications/calendar", data={"csrf_token": token})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == email))
    db.session.refresh(user)
    assert user.calendar_token
    return f"/notifications/calendar/{user.calendar_token}.ics"


def test_feed_lists_my_accountable_deadlines(app: Any, client: Any, auth: Any) -> None:
    post = builders.make_post()
    me = builders.make_holder(post, locale="en")
    mine = rectifying(post, deadline=TODAY + timedelta(days=10), title="Fix the rail")
    rectifying(builders.make_post(), deadline=TODAY)  # someone else's
    url = _create_feed(client, auth, me.email)
    auth.logout()
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = cal.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"hazard-{mine.id}@safety"]
    assert events[0].decoded("dtstart") == mine.deadline
    assert mine.number in str(events[0]["summary"])
    assert str(events[0]["url"]) == f"http://safety.test/hazards/{mine.id}"


def test_replaced_or_revoked_address_answers_404(app: Any, client: Any, auth: Any) -> None:
    me = builders.make_holder()
    old = _create_feed(client, auth, me.email)
    new = _create_feed(client, auth, me.email, login=False)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    token = auth.csrf("/notifications/")
    client.post("/notifications/calendar/revoke", data={"csrf_token": token})
    assert client.get(new).status_code == 404
    assert client.get("/notifications/calendar/guess.ics").status_code == 404
