"""What a reminder pass reads.

- Who already has today's digest, from one day's slice: the digests grow by
  one per person per day; the unique key (user, date) could not answer
  "whose digest for today exists", so every pass read them all (index
  ``ix_reminder_digests_day``, migration ``digest_day_1``).
- The due hazards, from ``ix_hazards_status_deadline`` alone; their number,
  title and unit only when a line is written (migration ``reminder_due_cover_1``).
"""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import Hazard, HazardStatus, ReminderDigest, ReminderItem
from safety.services.reminders import load_facts, plan_reminders, run_reminders
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


def _due_hazards_with_holders(count: int) -> list[Any]:
    hazards = []
    for _ in range(count):
        post = builders.make_post()
        builders.make_holder(post)
        hazards.append(
            builders.make_hazard(
                "rectifying", accountable_post=post, deadline=builders.TODAY + timedelta(days=1)
            )
        )
    return hazards


def test_repeat_pass_reads_the_due_hazards_from_their_index_alone(app: Any) -> None:
    hazards = _due_hazards_with_holders(3)
    first = run_reminders(now=builders.NOW, deliver=False)
    assert first.queued == 3
    with hazard_selects() as seen:
        repeat = run_reminders(now=builders.NOW, deliver=False)
    assert (repeat.queued, repeat.recipients, repeat.hazards) == (0, 3, 3)
    # the due hazards, once, without number, title or unit name (no line is
    # written); the other read is the major hazards' steps
    due = [s for s in seen if "plan_approved_at" not in s[0]]
    assert len(due) == 1, seen
    statement = due[0][0]
    assert "title" not in statement and "units" not in statement, statement
    if db.engine.dialect.name == "sqlite":
        plan_text = explain(*due[0])
        assert "COVERING INDEX ix_hazards_status_deadline" in plan_text, plan_text
    assert {h.id for h in hazards} <= {i.hazard_id for i in db.session.scalars(
        sa.select(ReminderItem))}  # fmt: skip


def test_a_hazard_closed_since_the_pass_read_it_still_has_its_line(app: Any) -> None:
    """Between the pass's two reads (each statement its own snapshot on PostgreSQL)
    a hazard may leave rectification: its line is read by its id."""
    due, closed = _due_hazards_with_holders(2)
    facts = load_facts(builders.NOW)
    assert {h.id for h in facts.hazards} == {due.id, closed.id}
    db.session.execute(
        sa.update(Hazard).where(Hazard.id == closed.id).values(status=HazardStatus.CLOSED)
    )
    assert facts.details(due.id) == (due.number, due.title, due.unit.name)
    assert facts.details(closed.id) == (closed.number, closed.title, closed.unit.name)


def test_the_cycle_collector_is_off_while_digests_are_built_and_on_after(
    app: Any, monkeypatch: Any
) -> None:
    """A full collection walked every item and email the pass holds (a quarter of
    a pass at 100k hazards); it is paused for the pass, and back after, failed or not."""
    from safety.services import reminders

    _due_hazards_with_holders(1)
    seen: list[bool] = []
    render = reminders.render_digests

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return render(*args, **kwargs)

    monkeypatch.setattr(reminders, "render_digests", watched)
    assert run_reminders(now=builders.NOW, deliver=False).queued == 1
    assert seen == [False]
    assert gc.isenabled()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("planning failed")

    monkeypatch.setattr(reminders, "plan_reminders", broken)
    with pytest.raises(RuntimeError):
        run_reminders(now=builders.NOW, deliver=False)
    assert gc.isenabled()
