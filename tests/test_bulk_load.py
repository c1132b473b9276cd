"""Bulk loads (``demo scale``): the indexes dropped for the load come back as
they were, the search finds the loaded rows and those made after, and a
failed load leaves the table's indexes in place."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from safety.models import Hazard, Unit
from safety.services import bulk
from safety.services.hazards import HazardFilters, list_hazards
from tests import builders


def _indexes(db: Any) -> list[tuple[str, str]]:
    return sorted(bulk.secondary_indexes(db.session.connection(), "hazards"))


def _found(db: Any, text: str) -> set[int]:
    page = list_hazards(HazardFilters(q=text), user=None, today=builders.TODAY, limit=500)
    return {hazard.id for hazard in page.items}


def test_scale_leaves_the_hazard_indexes_as_they_were(db: Any, runner: Any) -> None:
    before = _indexes(db)
    assert len(before) > 10  # the deadline sorts, covers, the search index on PostgreSQL…
    result = runner.invoke(args=["demo", "scale", "--hazards", "300", "--people", "20"])
    assert result.exit_code == 0, result.output
    assert _indexes(db) == before


def test_the_search_finds_loaded_hazards_and_those_made_after(db: Any, runner: Any) -> None:
    earlier = builders.make_hazard(title="液氨管线法兰渗漏（旧）")
    result = runner.invoke(args=["demo", "scale", "--hazards", "300", "--people", "20"])
    assert result.exit_code == 0, result.output
    like = db.session.scalars(sa.select(Hazard.id).where(Hazard.title.like("%法兰渗漏%"))).all()
    assert len(like) > 1 and earlier.id in like
    assert _found(db, "法兰渗漏") == set(like)

    later = builders.make_hazard(title="新的法兰渗漏")
    assert later.id in _found(db, "法兰渗漏")


def test_insert_rows_returns_the_ids_in_the_rows_order(db: Any) -> None:
    builders.make_unit()  # ids do not start at one
    rows = [{"name": f"车间{i}", "code": f"BULK{i}", "created_at": builders.NOW} for i in range(7)]
    ids = bulk.insert_rows(db.session.connection(), Unit, rows)
    codes = dict(db.session.execute(sa.select(Unit.id, Unit.code).where(Unit.id.in_(ids))).all())
    assert [codes[i] for i in ids] == [f"BULK{i}" for i in range(7)]


def test_a_failed_load_leaves_the_indexes(db: Any) -> None:
    before = _indexes(db)
    with pytest.raises(RuntimeError), bulk.hazards_bulk_load(db.session.connection()):
        assert _indexes(db) == []
        raise RuntimeError("load failed")
    db.session.rollback()
    assert _indexes(db) == before
    hazard = builders.make_hazard(title="回滚之后的法兰渗漏")
    assert _found(db, "回滚之后") == {hazard.id}
