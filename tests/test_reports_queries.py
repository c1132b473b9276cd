"""The reports' query counts do not grow with the number of hazards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.services import reports
from tests import report_data

MARCH = reports.month_period(2026, 3)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def _runs(ds: report_data.DataSet) -> dict[str, Callable[[], Any]]:
    today = report_data.TODAY
    return {
        "dashboard": lambda: reports.dashboard(
            reports.resolve_scope(ds.units["G"].id), MARCH, today=today
        ),
        "monthly": lambda: reports.monthly_report(
            reports.resolve_scope(ds.units["G"].id), MARCH, today=today
        ),
        "statutory": lambda: reports.statutory_report(
            reports.resolve_scope(None), reports.year_period(2025), today=today
        ),
        "accountability": lambda: reports.accountability(
            reports.resolve_scope(ds.units["A"].id), reports.year_period(2025), today=today
        ),
    }


def _measure(ds: report_data.DataSet) -> dict[str, int]:
    counts = {}
    for name, run in _runs(ds).items():
        db.session.expire_all()
        with count_queries() as statements:
            run()
        counts[name] = len(statements)
    return counts


def test_query_count_is_the_same_with_ten_times_the_hazards(app: Any) -> None:
    ds = report_data.build()
    report_data.add_filler(ds.units["A"], ds.posts["A"], 10)
    small = _measure(ds)
    report_data.add_filler(ds.units["A1"], ds.posts["A1"], 150)
    report_data.add_filler(ds.units["B"], ds.posts["B"], 100)
    large = _measure(ds)
    assert small == large
    # + 6 for the risk-register (4) and performance-of-duty (2) figures (reports/areas.py).
    assert large["dashboard"] <= 14 + 6


def test_filler_hazards_change_the_figures(app: Any) -> None:
    """Guard against measuring a report that ignores the filler."""
    ds = report_data.build()
    before = reports.figures(
        reports.resolve_scope(None), reports.year_period(2025), today=report_data.TODAY
    )
    report_data.add_filler(ds.units["A"], ds.posts["A"], 10)
    after = reports.figures(
        reports.resolve_scope(None), reports.year_period(2025), today=report_data.TODAY
    )
    assert after.found == before.found + 8  # 10 found in 2025, 2 of them void


def _plans(run: Callable[[], Any]) -> str:
    """The query plans of every hazard statement ``run`` makes, with table scans
    made expensive on PostgreSQL (its planner scans tiny tables otherwise)."""
    captured: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM hazards" in statement and not statement.lstrip().upper().startswith("EXPLAIN"):
            captured.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = raw.cursor()
    plans = []
    if postgres:
        cursor.execute("SET enable_seqscan = off")
    for statement, parameters in captured:
        cursor.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
        plans.append("\n".join(str(row) for row in cursor.fetchall()))
    if postgres:
        cursor.execute("SET enable_seqscan = on")
    return "\n".join(plans)


def test_the_figures_read_the_tallies_and_at_most_a_found_on_range(app: Any) -> None:
    """A month's figures come from the tallies and read no hazard; a period of
    ragged months reads only the hazards found in it, through an index range
    (it used to read every open and recently closed hazard)."""
    report_data.build()
    scope = reports.resolve_scope(None)
    assert _plans(lambda: reports.figures(scope, MARCH, today=report_data.TODAY)) == ""
    ragged = reports.parse_period("2026-02-10..2026-03-20", today=report_data.TODAY)
    plans = _plans(lambda: reports.figures(scope, ragged, today=report_data.TODAY))
    assert plans
    if db.session.get_bind().dialect.name == "postgresql":
        assert "Seq Scan on hazards" not in plans
    else:
        assert "SCAN hazards" not in plans and "found" in plans
