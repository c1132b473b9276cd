"""The hazards found in a period are counted from one index, not the table.

On SQLite from the covering index alone; on PostgreSQL through a found_on range.

The dashboard's categories and repeats read every hazard found in the month:
at 100k hazards on SQLite 25 ms and 22 ms through the table, 4 ms and 0.7 ms
from ``ix_hazards_found_cover`` alone (migration 0018).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safety.extensions import db
from safety.services import reports
from safety.services.hazards.report import count_repeats
from tests import report_data
from tests.sql_counting import explain, hazard_selects


def _plan(run: Callable[[], Any]) -> str:
    with hazard_selects() as seen:
        run()
    assert len(seen) == 1
    return explain(*seen[0])


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
    sqlite = db.engine.dialect.name == "sqlite"
    if unit is not None:
        # With a unit the planners may start from the unit's index, by their
        # statistics (at 100k after ANALYZE SQLite takes the cover: 56 -> 8 ms);
        # never the whole table.
        assert ("SCAN hazards" not in plan) if sqlite else ("Seq Scan" not in plan), plan
    elif sqlite:
        assert "USING COVERING INDEX ix_hazards_found_cover" in plan, plan
    else:
        # PostgreSQL reads a table this small through either found_on index (an
        # index-only scan needs a vacuumed table); never the whole table.
        assert "Seq Scan" not in plan and "ix_hazards_found_" in plan, plan
