"""Hazard lists read an index in their own order, with few hits as with many (issue 13, P1).

A status or level filter sorted by deadline, My work's lists and a text
search on SQLite each had a plan that read every matching row (or the whole
deadline index, for a filter with no hits) before the first one shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import current_app

from safety import clock
from safety.demo.scale import scale_demo
from safety.extensions import db
from safety.models import Hazard, HazardLevel, HazardStatus
from safety.services import hazards as svc
from tests import builders
from tests.builders import NOW, TODAY
from tests.sql_counting import explain, hazard_selects

S = HazardStatus


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _page_plan(**filters: Any) -> str:
    with hazard_selects() as seen:
        svc.list_hazards(svc.HazardFilters(**filters), user=None, today=TODAY)
    db.session.commit()
    assert len(seen) == 1, seen
    return explain(*seen[0])


def _ids(**filters: Any) -> list[int]:
    ids, cursor = [], None
    while True:
        page = svc.list_hazards(
            svc.HazardFilters(**filters), user=None, today=TODAY, cursor=cursor, limit=2
        )
        ids += [h.id for h in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_a_level_or_status_filter_sorted_by_deadline_reads_its_index(app: Any) -> None:
    """Major hazards are few, void ones have no deadline (they sort last): both
    walked the whole deadline index (0.2-0.4 s at 100k on SQLite)."""
    unit = builders.make_unit()
    builders.make_hazard("rectifying", unit=unit, deadline=TODAY + timedelta(days=3))
    db.session.commit()
    for filters, index in (
        ({"level": HazardLevel.MAJOR}, "ix_hazards_level_deadline_sort"),
        ({"status": [S.VOID]}, "ix_hazards_status_deadline_sort"),
        ({"status": [S.RECTIFYING]}, "ix_hazards_status_deadline_sort"),
    ):
        plan = _page_plan(sort="deadline", **filters)
        assert index in plan, (filters, plan)
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, (filters, plan)


def test_a_filter_sorted_by_deadline_keeps_its_order_and_pages(app: Any) -> None:
    unit = builders.make_unit()
    rectifying = [
        builders.make_hazard("rectifying", unit=unit, deadline=TODAY + timedelta(days=d))
        for d in (5, -2, 5, 1)
    ]
    major = builders.make_hazard("rectifying", unit=unit, level="major", deadline=TODAY)
    void = [builders.make_hazard("void", unit=unit) for _ in range(3)]
    reported = builders.make_hazard("reported", unit=unit)
    db.session.commit()

    def by_deadline(hazards: list[Any]) -> list[int]:
        far = TODAY + timedelta(days=10_000)
        return [h.id for h in sorted(hazards, key=lambda h: (h.deadline or far, h.id))]

    everyone = [*rectifying, major, *void, reported]
    assert _ids(status=[S.RECTIFYING], sort="deadline") == by_deadline([*rectifying, major])
    assert _ids(status=[S.VOID], sort="deadline") == by_deadline(void)
    assert _ids(level=HazardLevel.MAJOR, sort="deadline") == [major.id]
    general = [h for h in everyone if h is not major]
    assert _ids(level=HazardLevel.GENERAL, sort="deadline") == by_deadline(general)
    assert _ids(status=[S.PENDING_WRITEOFF], sort="deadline") == []


def test_a_text_search_by_id_reads_the_fts_table_in_order(app: Any) -> None:
    """SQLite: ``id IN (FTS hits)`` read every hit before the first row (7 ms
    for 12,500 at 100k); joined, the FTS table hands them out in rowid order."""
    if not _sqlite():
        pytest.skip("the FTS5 table is SQLite's; PostgreSQL's trigram index is tested elsewhere")
    made = [builders.make_hazard(title=f"压力表超期未检 {i}") for i in range(5)]
    builders.make_hazard(title="防护栏松动")
    db.session.commit()
    plan = _page_plan(q="压力表超期")
    assert "LIST SUBQUERY" not in plan and "TEMP B-TREE" not in plan, plan
    assert plan.splitlines()[0].startswith("SCAN"), plan  # the FTS table leads
    assert "hazards_fts" in plan.splitlines()[0], plan
    assert _ids(q="压力表超期") == [h.id for h in made]
    assert _ids(q="压力表超期", sort="found") == sorted(
        (h.id for h in made), key=lambda i: (db.session.get(Hazard, i).found_on, i), reverse=True
    )


def test_my_work_lists_read_indexes_in_their_order(app: Any) -> None:
    """A post's hazards to rectify and its overdue ones were sorted after
    reading all of them: the deadline key was a bound date, which no index
    matches (10 ms at 100k on SQLite)."""
    scale_demo(hazards=300, people=60, seed=1, now=NOW)
    db.session.remove()
    with db.engine.begin() as conn:  # statistics, as the benchmark (and PRAGMA optimize)
        conn.exec_driver_sql("ANALYZE")
    today = clock.local_date(NOW)
    with current_app.test_request_context():
        officer = builders.workshop_officer()
        with hazard_selects() as seen:
            svc.my_work(officer, today=today)
        db.session.commit()
        plans = [
            (statement.split("ORDER BY")[1].strip(), explain(statement, params))
            for statement, params in seen
            if "ORDER BY" in statement
        ]
    # Hazards to verify and extension requests have their indexes too
    # (ix_hazards_status_submitted, ix_hazards_extension_requested), which the
    # planners take from about 10k hazards on: at this size sorting is cheaper.
    by_deadline = [plan for order, plan in plans if order.startswith("coalesce(hazards.deadline")]
    assert len(by_deadline) == 2, plans  # to rectify, overdue
    for plan in by_deadline:
        assert "ix_hazards_post_status_deadline_sort" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    # Extension requests (few) come from their own partial index: with the unit
    # and status beside them SQLite read every open hazard of the units, having
    # no statistics for an index without rows.
    requests = [plan for order, plan in plans if order.startswith("hazards.extension_requested")]
    assert len(requests) == 1, plans
    assert "ix_hazards_extension_requested" in requests[0], requests[0]
