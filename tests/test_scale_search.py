"""Hazard text search and deadline sort: same results as ILIKE, served by indexes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.demo.scale import scale_demo
from safety.extensions import db
from safety.models import Hazard, HazardEvent, HazardLevel
from safety.services import hazards as svc
from tests import builders
from tests.builders import NOW, TODAY
from tests.sql_counting import explain, hazard_selects


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _search(q: str) -> list[int]:
    page = svc.list_hazards(svc.HazardFilters(q=q), user=None, today=TODAY, limit=500)
    return sorted(h.id for h in page.items)


def _expected(q: str) -> list[int]:
    """What a substring, ASCII-case-insensitive search must find, in Python."""
    needle = q.strip()

    def fold(text: str | None) -> str:
        return "".join(c.lower() if c.isascii() else c for c in (text or ""))

    return sorted(
        h.id
        for h in db.session.scalars(sa.select(Hazard))
        if any(fold(needle) in fold(v) for v in (h.number, h.title, h.description, h.location))
    )


def test_search_finds_substrings_as_ilike_did(app: Any) -> None:
    unit = builders.make_unit()
    builders.make_hazard(title="消防通道堆放杂物", location="Warehouse B", unit=unit)
    builders.make_hazard(title="Pressure gauge overdue", description="100% 超期_未检", unit=unit)
    builders.make_hazard(title='阀门 "铅封" 损坏', location="2号区域", unit=unit)
    builders.make_hazard(title="ÄÖÜ valve", unit=unit)
    number = db.session.scalars(sa.select(Hazard.number).order_by(Hazard.id)).first()
    queries = [
        "通道堆",  # Chinese, 3 characters
        "warehouse b",  # case-insensitive ASCII
        "PRESSURE",
        "100%",  # LIKE wildcards are literal
        "期_未",
        '"铅封"',  # FTS quotes are literal
        "äöü",  # non-ASCII case is not folded (as ILIKE on SQLite)
        "ÄÖÜ",
        "号区",  # two characters: plain ILIKE
        "B",
        number,  # an exact number
        number.lower(),
        number[:-1],  # a prefix of numbers
        "不存在的词",
    ]
    for q in queries:
        if db.engine.dialect.name == "postgresql" and q == "äöü":
            continue  # PostgreSQL's ILIKE folds non-ASCII too (as it always did)
        assert _search(q) == _expected(q), q


def test_search_follows_edits_and_deletes(app: Any) -> None:
    hazard = builders.make_hazard(title="旧的标题文字")
    assert _search("旧的标题") == [hazard.id]
    hazard.title = "新的标题文字"
    db.session.commit()
    assert _search("旧的标题") == []
    assert _search("新的标题") == [hazard.id]
    db.session.execute(sa.delete(HazardEvent).where(HazardEvent.hazard_id == hazard.id))
    db.session.execute(sa.delete(Hazard).where(Hazard.id == hazard.id))
    db.session.commit()
    assert _search("新的标题") == []


def test_deadline_sort_and_its_cursor_are_unchanged(app: Any) -> None:
    unit = builders.make_unit()
    made = [
        builders.make_hazard("rectifying", unit=unit, deadline=TODAY + timedelta(days=(i * 7) % 5))
        for i in range(6)
    ] + [builders.make_hazard("reported", unit=unit) for _ in range(2)]
    expected = [h.id for h in sorted(made, key=lambda h: (h.deadline or svc.FAR_FUTURE, h.id))]
    seen: list[int] = []
    cursor = None
    while True:
        page = svc.list_hazards(
            svc.HazardFilters(sort="deadline"), user=None, today=TODAY, cursor=cursor, limit=3
        )
        seen += [h.id for h in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


def _plan(stmt: Any) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # tables this small
        return "\n".join(str(row) for row in conn.exec_driver_sql(prefix + str(compiled)))


def test_plans_use_the_search_and_sort_indexes(app: Any) -> None:
    builders.make_hazard(title="消防通道堆放杂物")
    search = svc.filtered_query(svc.HazardFilters(q="通道堆"), user=None, today=TODAY)
    index = "hazards_fts" if db.engine.dialect.name == "sqlite" else "ix_hazards_search_trgm"
    assert index in _plan(search)
    keys, _desc = svc.lists._sort_keys("deadline")
    ordered = sa.select(Hazard).order_by(*keys).limit(51)
    assert "ix_hazards_deadline_sort" in _plan(ordered)


def test_overdue_by_deadline_pages_in_deadline_order(app: Any) -> None:
    unit = builders.make_unit()
    made = [
        builders.make_hazard("rectifying", unit=unit, deadline=TODAY - timedelta(days=1 + i % 3))
        for i in range(5)
    ]
    builders.make_hazard("rectifying", unit=unit)  # not overdue
    expected = [h.id for h in sorted(made, key=lambda h: (h.deadline, h.id))]
    seen: list[int] = []
    cursor = None
    while True:
        page = svc.list_hazards(
            svc.HazardFilters(overdue=True, sort="deadline"),
            user=None,
            today=TODAY,
            cursor=cursor,
            limit=2,
        )
        seen += [h.id for h in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


def test_a_whole_number_is_looked_up_by_its_unique_index_alone(app: Any) -> None:
    """Every number shares the trigrams "YH-" and "202": a trigram search for one
    is a table scan at 100k on PostgreSQL. A whole number goes by equality."""
    builders.make_hazard(title="消防通道堆放杂物")
    number = db.session.scalars(sa.select(Hazard.number)).one()
    for q in (number, number.lower()):
        stmt = svc.filtered_query(svc.HazardFilters(q=q), user=None, today=TODAY)
        assert [h.number for h in db.session.scalars(stmt)] == [number]
        db.session.commit()
        plan = _plan(stmt)
        assert "trgm" not in plan and "hazards_fts" not in plan, plan
        assert "number" in plan or "autoindex" in plan, plan


def test_the_level_filter_and_unit_counts_read_their_indexes(app: Any) -> None:
    """A level filter with few hits walked every row in found-date order; the
    register's per-status counts of a subtree read every hazard of its units."""
    unit = builders.make_unit()
    builders.make_hazard(title="消防通道堆放杂物", unit=unit)
    unit_id = unit.id
    # A register where major hazards are few, with its statistics: on a table of
    # one row PostgreSQL's choice turned on what earlier tests left behind.
    scale_demo(hazards=2000, people=20, seed=3, now=NOW)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    level = svc.filtered_query(svc.HazardFilters(level=HazardLevel.MAJOR), user=None, today=TODAY)
    keys, _desc = svc.lists._sort_keys("found")
    assert "ix_hazards_level_found" in _plan(level.order_by(*(k.desc() for k in keys)).limit(51))
    # Several units, as My work asks for a workshop officer's: the kept counts,
    # not the hazards (counting those read every hazard of the units).
    others = [builders.make_unit().id for _ in range(5)]
    db.session.commit()
    with hazard_selects() as seen:
        assert svc.status_counts([unit_id, *others], today=TODAY)["reported"] == 1
    assert seen == []


def _found_order(filters: svc.HazardFilters, user: Any = None) -> list[int]:
    """Every page of ``filters`` sorted by date found, followed through its cursors."""
    ids: list[int] = []
    cursor = None
    while True:
        page = svc.list_hazards(filters, user=user, today=TODAY, cursor=cursor, limit=2)
        ids += [h.id for h in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_a_frequent_text_sorted_by_date_walks_the_date_order(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted by date, a text with many hits read and sorted them all (the search
    table's order is the id's); past DENSE_HITS the page walks the date order with
    the substring test, and finds the same hazards in the same order."""
    unit = builders.make_unit()
    for day in (9, 3, 7, 1, 5, 8):
        found = NOW - timedelta(days=day)
        builders.make_hazard(title=f"液氨法兰渗漏{day}", unit=unit, found_at=found)
    builders.make_hazard(title="消防通道堆放杂物", unit=unit)
    filters = svc.HazardFilters(q="法兰渗漏", sort="found")
    expected = [
        h.id
        for h in db.session.scalars(
            sa.select(Hazard)
            .where(Hazard.title.like("%法兰渗漏%"))
            .order_by(Hazard.found_on.desc(), Hazard.id.desc())
        )
    ]
    assert len(expected) == 6
    plans = {}
    for dense_from in (100, 3):
        monkeypatch.setattr(svc.lists, "DENSE_HITS", dense_from)
        assert _found_order(filters) == expected, dense_from
        with hazard_selects() as seen:
            svc.list_hazards(filters, user=None, today=TODAY, limit=2)
        plans[dense_from] = seen[-1][0]
    if db.engine.dialect.name == "sqlite":
        assert "hazards_fts" in plans[100]  # few hits: the search table's
        assert "hazards_fts" not in plans[3]  # many: the date order, tested row by row


def test_mine_reads_the_persons_hazards_not_the_register(app: Any) -> None:
    """ "Mine" (reported by me, or accountable to a post I hold) read the register in
    page order testing each row (an officer's page: 10 ms at 10k, 82 ms at 100k)."""
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    me = builders.make_holder(post)
    other = builders.make_user()
    reported = builders.make_hazard(unit=unit, reporter=me)
    accountable = builders.make_hazard("rectifying", unit=unit, accountable_post=post)
    builders.make_hazard("rectifying", unit=unit, reporter=other)  # neither
    scale_demo(hazards=2000, people=20, seed=2, now=NOW)  # others' hazards, many
    with db.engine.begin() as conn:  # statistics, as the daily job leaves them
        conn.exec_driver_sql("ANALYZE")
    filters = svc.HazardFilters(mine=True, sort="found")
    assert sorted(_found_order(filters, me)) == sorted([reported.id, accountable.id])
    with hazard_selects() as seen:
        svc.list_hazards(filters, user=me, today=TODAY)
    plan = explain(*seen[0])
    assert "ix_hazards_reporter_id" in plan and "ix_hazards_found_on" not in plan, plan
