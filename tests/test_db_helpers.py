from __future__ import annotations

from datetime import UTC, datetime

from safety.extensions import db
from safety.models import JobRun
from safety.services.db import insert_or_ignore

AT = datetime(2026, 3, 12, tzinfo=UTC)


def test_insert_or_ignore_tells_the_first_inserter_from_the_rest(app):
    values = {"job_id": "j", "slot": "2026-03-12", "claimed_by": "a", "claimed_at": AT}
    assert insert_or_ignore(JobRun, values, ["job_id", "slot"]) is True
    assert insert_or_ignore(JobRun, {**values, "claimed_by": "b"}, ["job_id", "slot"]) is False
    db.session.commit()
    assert [r.claimed_by for r in db.session.scalars(db.select(JobRun))] == ["a"]
