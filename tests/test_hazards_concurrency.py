"""Two people at once: unique numbers, and no silent overwrite of a concurrent change."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import Hazard, HazardEvent, User
from safety.services import hazards
from safety.services.errors import Conflict
from tests import builders
from tests.builders import NOW, TODAY


def test_concurrent_reports_get_unique_numbers(app: Any) -> None:
    unit_id = builders.make_unit().id
    user_ids = [builders.make_user().id for _ in range(4)]
    errors: list[BaseException] = []
    db.session.commit()  # end our read: on SQLite every transaction takes the write lock

    def work(user_id: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                for n in range(5):
                    hazards.report_hazard(
                        user, {"title": f"并发{user_id}-{n}", "unit_id": unit_id}, now=NOW
                    )
            except BaseException as error:  # noqa: BLE001 (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = db.session.scalars(sa.select(Hazard.number)).all()
    assert len(numbers) == 20 == len(set(numbers))
    assert sorted(numbers) == [f"YH-2026-{i:04d}" for i in range(1, 21)]


def test_change_committed_after_our_checks_is_a_conflict(app: Any) -> None:
    """Another process bumps the version between our read and our write."""
    hazard = builders.make_hazard("rectifying")
    db.session.refresh(hazard)
    seen = hazard.version
    # Keep our (soon stale) copy, and end our read: on SQLite it holds the write lock.
    db.session.expunge(hazard)
    db.session.commit()
    with db.engine.begin() as other:
        other.execute(
            sa.update(Hazard).where(Hazard.id == hazard.id).values(version=Hazard.version + 1)
        )
    db.session.add(hazard)
    assert hazard.version == seen  # the copy we checked against is stale
    with pytest.raises(Conflict):
        hazards.extend_hazard(
            builders.actor(),
            hazard,
            deadline=hazard.deadline + timedelta(days=7),
            reason="x",
            version=seen,
            now=NOW,
            today=TODAY,
        )
    db.session.rollback()
    events = db.session.scalars(
        sa.select(HazardEvent.action).where(HazardEvent.hazard_id == hazard.id)
    ).all()
    assert events == ["report", "assign"]
