"""The reports' cheaper shapes give the same answers as the plain definitions.

The trend reads found and closed from index ranges and the overdue count only
from hazards that can be overdue in the window; accountability folds vacancies
by interval arithmetic. Each is checked here against the definition computed
the slow way (one query per month, one date per day), on a data set with
hazards of every kind before, inside and after the window.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils.indexed_list import IndexedList

from safety import clock
from safety.extensions import db
from safety.models import Hazard
from safety.services import report_exports, reports
from safety.services.overdue import day_end_instant, overdue_on_clause
from safety.services.reports.accountability import _gaps
from tests import report_data

MARCH = reports.month_period(2026, 3)
D = date(2026, 3, 1)


def _days(lo: date, hi: date) -> set[date]:
    return {lo + timedelta(days=i) for i in range((hi - lo).days + 1)}


def _gaps_by_day(start: date, end: date, covered: list[tuple[date, date]]) -> list[Any]:
    """The definition: every day of [start, end] no holder covers, folded into ranges."""
    held: set[date] = set()
    for lo, hi in covered:
        held |= _days(lo, hi)
    free = sorted(_days(start, end) - held)
    ranges: list[tuple[date, date]] = []
    for day in free:
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _d(n: int) -> date:
    return D + timedelta(days=n)


@pytest.mark.parametrize(
    "covered",
    [
        [],
        [(_d(0), _d(30))],
        [(_d(5), _d(9))],
        [(_d(0), _d(4)), (_d(5), _d(30))],  # handed over without a gap
        [(_d(0), _d(10)), (_d(3), _d(6))],  # one span inside another
        [(_d(8), _d(20)), (_d(0), _d(9))],  # overlapping, out of order
        [(_d(2), _d(2)), (_d(4), _d(4)), (_d(30), _d(30))],
        [(_d(0), _d(0))],
    ],
)
def test_vacant_ranges_equal_the_days_no_holder_covers(covered: list[Any]) -> None:
    start, end = _d(0), _d(30)
    assert _gaps(start, end, covered) == _gaps_by_day(start, end, covered)


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    data = report_data.build()
    # History on both sides of the trend's twelve months, in two units.
    report_data.add_filler(data.units["A1"], data.posts["A1"], 60, start=date(2024, 11, 1))
    report_data.add_filler(data.units["B"], data.posts["B"], 60, start=date(2025, 9, 1))
    return data


def _count(*where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(*where))


@pytest.mark.parametrize("unit", [None, "A", "B"])
def test_trend_equals_one_plain_count_per_month(ds: report_data.DataSet, unit: str | None) -> None:
    scope = reports.resolve_scope(ds.units[unit].id if unit else None)
    today = report_data.TODAY
    tz = clock.tz()
    points = reports.trend(scope, MARCH, today=today)
    assert len(points) == reports.TREND_MONTHS
    in_scope = Hazard.unit_id.in_(scope.unit_ids) if scope.unit is not None else sa.true()
    not_void = Hazard.status != "void"
    expected = []
    for p in points:
        as_of = min(p.last, today)
        expected.append(
            (
                _count(in_scope, not_void, Hazard.found_on >= p.first, Hazard.found_on <= p.last),
                _count(
                    in_scope,
                    not_void,
                    Hazard.closed_at >= day_end_instant(p.first - timedelta(days=1), tz),
                    Hazard.closed_at < day_end_instant(p.last, tz),
                ),
                _count(in_scope, overdue_on_clause(as_of, tz)),
            )
        )
    assert [(p.found, p.closed, p.overdue) for p in points] == expected
    assert sum(p.overdue for p in points) > 0 and sum(p.closed for p in points) > 0


def _style_lookups(rows: int, monkeypatch: pytest.MonkeyPatch) -> int:
    calls = 0
    add = IndexedList.add

    def counting(self: IndexedList, value: Any) -> int:
        nonlocal calls
        calls += 1
        return add(self, value)

    monkeypatch.setattr(IndexedList, "add", counting)
    book = Workbook()
    report_exports._table(book.active, ["a", "b"], [(i, "=1+1") for i in range(rows)], wrap=True)
    monkeypatch.setattr(IndexedList, "add", add)
    return calls


def test_a_table_looks_its_styles_up_once_not_per_cell(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _style_lookups(1000, monkeypatch) == _style_lookups(10, monkeypatch)


def test_table_cells_are_boxed_and_keep_the_quote_prefix(app: Any) -> None:
    book = Workbook()
    sheet = book.active
    report_exports._table(sheet, ["a", "b"], [(1, "=HYPERLINK(1)"), (2, "x")], wrap=True)
    head, formula, plain = sheet["A1"], sheet["B2"], sheet["B3"]
    assert head.font.bold and head.fill.fgColor.rgb.endswith("EEF1F4")
    assert formula.value == "=HYPERLINK(1)" and formula.quotePrefix and formula.data_type == "s"
    assert not plain.quotePrefix
    for cell in (head, formula, plain, sheet["A3"]):
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
    assert not sheet["A3"].font.bold
