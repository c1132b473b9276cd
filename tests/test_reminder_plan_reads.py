"""A reminder pass asks who already has today's digest from one day's slice.

The digests grow by one per person per day; the unique key (user, date) could
not answer "whose digest for today exists", so every pass read them all
(index ``ix_reminder_digests_day``, migration ``digest_day_1``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import ReminderDigest
from safety.services.reminders import plan_reminders
from tests import builders
from tests.sql_counting import explain, hazard_selects


def test_who_has_todays_digest_reads_only_today(app: Any) -> None:
    people = [builders.make_user().id for _ in range(30)]
    db.session.execute(
        sa.insert(ReminderDigest.__table__),
        [
            {"user_id": user_id, "local_date": builders.TODAY - timedelta(days=day),
             "created_at": builders.NOW}
            for day in range(100)
            for user_id in people
        ],
    )  # fmt: skip
    db.session.commit()
    with hazard_selects("reminder_digests") as seen:
        plan = plan_reminders(builders.NOW)
    assert plan.already == set(people)  # today's, from the 3,000 digests
    assert len(seen) == 1
    plan_text = explain(*seen[0])
    assert "ix_reminder_digests_day" in plan_text, plan_text
