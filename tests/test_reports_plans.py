"""The hazards found in a period are counted from one index, not the table.

On SQLite from the covering index alone; on PostgreSQL through a found_on range.

The dashboard's categories and repeats read every hazard found in the month:
at 100k hazards on SQLite 25 ms and 22 ms through the table, 4 ms and 0.7 ms
from ``ix_hazards_found_cover`` alone (migration 0018).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.services import reports
from safety.services.hazards.report import count_repeats
from tests import report_data


@contextmanager
def _recorded() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_a: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM hazards" in statement:
            seen.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def _plan(run: Callable[[], Any]) -> str:
    with _recorded() as seen:
        run()
    assert len(seen) == 1
    statement, params = seen[0]
    db.session.rollback()  # SQLite: let the EXPLAIN's connection begin
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")  # tables this small
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        rows = conn.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params
        )
        return "\n".join(str(row[-1] if sqlite else row[0]) for row in rows)


@pytest.mark.parametrize("unit", [None, "A"])
@pytest.mark.parametrize("what", ["categories", "repeats"])
def test_found_in_a_period_reads_the_cover_index_alone(
    app: Any, unit: str | None, what: str
) -> None:
    data = report_data.build()
    scope = reports.resolve_scope(data.units[unit].id if unit else None)
    march = reports.month_period(2026, 3)
    if what == "categories":
        run = lambda: reports.by_category(scope, march, today=report_data.TODAY)  # noqa: E731
    else:
        ids = scope.unit_ids if scope.unit is not None else None
        run = lambda: count_repeats(ids, start=march.start, end=march.end)  # noqa: E731
    plan = _plan(run)
    if db.engine.dialect.name == "sqlite" and unit is None:
        assert "USING COVERING INDEX ix_hazards_found_cover" in plan, plan
    elif db.engine.dialect.name == "sqlite":
        # with a unit, the planner may start from the unit's index (no statistics
        # in a test); at 100k after ANALYZE it takes the cover (56 -> 8 ms)
        assert "SCAN hazards" not in plan, plan
    else:
        # PostgreSQL reads a table this small through either found_on index (an
        # index-only scan needs a vacuumed table); never the whole table.
        assert "Seq Scan" not in plan and "ix_hazards_found_" in plan, plan
