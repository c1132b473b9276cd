"""Reading scorecards refreshes the period's drafts only when an input changed (or
the day did): a read after no change writes nothing, and the figures stay those a
full refresh gives."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.extensions import db as _db
from safety.models import Assessment
from safety.services import duty, hazards
from safety.services.duty import freshness
from tests import builders
from tests.builders import NOW, TODAY
from tests.test_duty_pages import _world

WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


class Statements:
    """The SQL the engine runs while recording."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        sa.event.listen(_db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: Any) -> None:
        sa.event.remove(_db.engine, "before_cursor_execute", self)

    def writes(self) -> list[str]:
        return [s for s in self.seen if s.lstrip().upper().startswith(WRITES)]

    def touching(self, table: str) -> list[str]:
        return [s for s in self.writes() if table in s]


def _figures(person_id: int) -> list[tuple[Any, ...]]:
    _db.session.expire_all()
    rows = _db.session.scalars(
        sa.select(Assessment).where(Assessment.user_id == person_id).order_by(Assessment.id)
    )
    return [(r.days_held, r.indicators, r.total, r.grade, r.rules_version) for r in rows]


def test_a_page_read_again_without_change_writes_nothing(db: Any, client: Any, auth: Any) -> None:
    w = _world()
    auth.login(w["person"].email)
    assert client.get("/duty/?period=2026-Q1").status_code == 200
    with Statements() as recorded:
        assert client.get("/duty/?period=2026-Q1").status_code == 200
        assert client.get("/duty/board?period=2026-Q1").status_code == 200
    assert recorded.writes() == []


def test_the_api_read_again_without_change_writes_nothing(db: Any, api: Any) -> None:
    w = _world()
    reader = api.login(w["person"].email)
    assert reader.get("/assessments?period=2026-Q1").status_code == 200
    with Statements() as recorded:
        assert reader.get("/assessments?period=2026-Q1").status_code == 200
    assert recorded.touching("assessments") == []


def test_a_change_refreshes_the_drafts_as_a_full_refresh_would(db: Any) -> None:
    w = _world()
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    before = _figures(w["person"].id)
    hazard = builders.make_hazard(
        "rectifying", unit=w["unit"], accountable_post=w["post"], deadline=date(2026, 2, 20)
    )
    with Statements() as recorded:
        duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    assert recorded.touching("assessments")  # the new overdue hazard counts at once
    after = _figures(w["person"].id)
    assert after != before
    freshness.forget()
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    assert _figures(w["person"].id) == after
    hazards.submit_hazard(
        w["person"], hazard, note="已整改", version=hazard.version, now=NOW, today=TODAY
    )
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    refreshed = _figures(w["person"].id)
    freshness.forget()
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    assert _figures(w["person"].id) == refreshed


def test_a_new_day_refreshes_the_days_held(db: Any) -> None:
    w = _world()
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    [(days, *_rest)] = _figures(w["person"].id)
    tomorrow = TODAY + timedelta(days=1)
    duty.list_scorecards("2026-Q1", today=tomorrow, now=NOW + timedelta(days=1))
    [(later, *_rest)] = _figures(w["person"].id)
    assert later == days + 1


def test_an_assessed_card_is_not_rewritten_by_a_read(db: Any) -> None:
    w = _world()
    duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    card = _db.session.scalars(
        sa.select(Assessment).where(Assessment.user_id == w["person"].id)
    ).one()
    duty.assess(w["boss"], card.id, manual=[], version=card.version, today=TODAY, now=NOW)
    builders.make_hazard(
        "rectifying", unit=w["unit"], accountable_post=w["post"], deadline=date(2026, 2, 20)
    )
    with Statements() as recorded:
        duty.list_scorecards("2026-Q1", today=TODAY, now=NOW)
    assert not [s for s in recorded.touching("assessments") if s.upper().startswith("UPDATE")]
