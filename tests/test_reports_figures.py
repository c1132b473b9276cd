"""Report figures against the hand-built data set of ``tests.report_data``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from safety.extensions import db as _db
from safety.services import reports
from tests import report_data
from tests.report_data import TODAY

MARCH = reports.month_period(2026, 3)


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    return report_data.build()


def scope_of(ds: report_data.DataSet, key: str | None = "G") -> reports.Scope:
    return reports.resolve_scope(ds.units[key].id if key else None)


def test_headline_figures_for_march(ds: report_data.DataSet) -> None:
    f = reports.figures(scope_of(ds), MARCH, today=TODAY)
    assert f.found == 8  # H1-H4, H6-H8, H11; H9 is void, H5/H10/H13 earlier, H12 later
    assert f.void == 1
    assert f.closed_of_found == 2  # H1, H2 (closed 23:30 local on 03-31); not H3
    assert f.rectification_rate == pytest.approx(0.25)
    assert f.on_time_of_found == 1  # H1; H2 was late
    assert f.on_time_rate == pytest.approx(0.5)
    assert f.closed_in_period == 3  # H1, H2, H10
    assert f.funds == Decimal("22150.00")
    assert f.open_total == 7  # H3 (pending at month end), H4-H8, H11
    assert f.open_major == 2  # H3, H5
    assert f.overdue == 4  # H4, H5, H6, H7; H11 is pending, H3 is due on 03-31
    assert f.overdue_major == 1
    assert f.ageing == {"1-3": 1, "4-7": 1, "8-30": 1, ">30": 1}


def test_states_by_grade_rebuilt_as_of_the_period_end(ds: report_data.DataSet) -> None:
    states = reports.figures(scope_of(ds), MARCH, today=TODAY).states
    assert states == {
        "reported": {"general": 1, "major": 0},
        "rectifying": {"general": 3, "major": 1},
        "pending_verification": {"general": 1, "major": 1},  # H3 was closed after March
    }


def test_figures_today_follow_the_current_statuses(ds: report_data.DataSet) -> None:
    """As of a later day H3 is closed and H12 is overdue (as the hazard list says)."""
    april = reports.month_period(2026, 4)
    f = reports.figures(scope_of(ds), april, today=date(2026, 4, 10))
    assert f.states["pending_verification"] == {"general": 1, "major": 0}
    assert f.open_major == 1  # H5; H3 is closed now
    assert f.overdue == 5  # H4, H5, H6, H7, H12
    assert f.closed_in_period == 1  # H3, closed 00:30 local on 04-01 (03-31 16:30 UTC)


@pytest.mark.parametrize(
    ("key", "found", "closed", "open_total", "overdue"),
    [("A", 5, 2, 4, 3), ("B", 3, 0, 3, 1), ("A1", 3, 1, 2, 1)],
)
def test_subtree_scopes(
    ds: report_data.DataSet, key: str, found: int, closed: int, open_total: int, overdue: int
) -> None:
    f = reports.figures(scope_of(ds, key), MARCH, today=TODAY)
    assert (f.found, f.closed_of_found, f.open_total, f.overdue) == (
        found,
        closed,
        open_total,
        overdue,
    )


def test_dashboard_rows_by_unit_roll_up_subtrees(ds: report_data.DataSet) -> None:
    board = reports.dashboard(scope_of(ds), MARCH, today=TODAY)
    rows = {row.name: row for row in board.units}
    assert list(rows) == ["甲厂", "乙公司"]
    assert (rows["甲厂"].figures.found, rows["甲厂"].figures.overdue) == (5, 3)
    assert (rows["乙公司"].figures.found, rows["乙公司"].figures.overdue) == (3, 1)
    assert (rows["甲厂"].inspections_done, rows["甲厂"].inspections_planned) == (2, 6)
    assert (rows["乙公司"].inspections_done, rows["乙公司"].inspections_planned) == (0, 1)
    assert board.figures.found == 8


def test_dashboard_of_a_unit_lists_the_unit_itself_and_its_children(
    ds: report_data.DataSet,
) -> None:
    board = reports.dashboard(scope_of(ds, "A"), MARCH, today=TODAY)
    assert [row.unit_id for row in board.units] == [ds.units["A"].id, ds.units["A1"].id]
    assert [row.figures.found for row in board.units] == [2, 3]


def test_trend_per_month_with_month_end_overdue(ds: report_data.DataSet) -> None:
    points = reports.trend(scope_of(ds), MARCH, today=TODAY)
    assert len(points) == 12
    assert points[-1].first == date(2026, 3, 1)
    assert [(p.found, p.closed, p.overdue) for p in points[-3:]] == [
        (1, 0, 0),  # January: H5 found, due 02-01
        (2, 1, 1),  # February: H10, H13 found; H13 closed; H5 overdue at 02-28
        (8, 3, 4),
    ]
    assert all((p.found, p.closed, p.overdue) == (0, 0, 0) for p in points[:-3])


def test_closing_time_counts_in_the_local_month() -> None:
    """23:30 on 03-31 in Shanghai is 15:30 UTC: March. 00:30 on 04-01 is 03-31 16:30 UTC: April."""
    assert reports.day_end(date(2026, 3, 31), report_data.TZ) == report_data.local(
        date(2026, 4, 1), 0
    )
    assert report_data.local(date(2026, 3, 31), 23, 30).hour == 15


def test_april_trend_counts_the_hazard_closed_after_local_midnight(
    ds: report_data.DataSet,
) -> None:
    points = reports.trend(scope_of(ds), reports.month_period(2026, 4), today=date(2026, 4, 10))
    assert (points[-2].closed, points[-1].closed) == (3, 1)


def test_by_category(ds: report_data.DataSet) -> None:
    rows = reports.by_category(scope_of(ds), MARCH, today=TODAY)
    assert rows == [
        {"category": "", "found": 5, "closed": 0, "overdue": 2},
        {"category": "electrical", "found": 2, "closed": 2, "overdue": 0},
        {"category": "fire", "found": 1, "closed": 0, "overdue": 1},
    ]


def test_inspections_done_and_planned(ds: report_data.DataSet) -> None:
    figures = reports.inspections(scope_of(ds), MARCH, today=TODAY)
    assert (figures.done, figures.planned) == (2, 7)


@pytest.mark.parametrize(
    ("kind", "start", "first", "last", "expected"),
    [
        ("daily", date(2026, 3, 10), date(2026, 3, 1), date(2026, 3, 31), 22),
        ("weekly", date(2026, 2, 25), date(2026, 3, 1), date(2026, 3, 31), 4),
        ("monthly", date(2026, 1, 31), date(2026, 2, 1), date(2026, 4, 30), 3),
        ("quarterly", date(2025, 11, 15), date(2026, 1, 1), date(2026, 12, 31), 4),
        ("one_off", date(2026, 4, 1), date(2026, 3, 1), date(2026, 3, 31), 0),
        ("one_off", date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31), 1),
        ("seasonal", date(2026, 1, 10), date(2026, 1, 1), date(2026, 12, 31), 5),
        ("holiday", date(2024, 10, 1), date(2026, 1, 1), date(2026, 12, 31), 1),
        ("daily", date(2026, 5, 1), date(2026, 3, 1), date(2026, 3, 31), 0),
    ],
)
def test_plan_occurrences(kind: str, start: date, first: date, last: date, expected: int) -> None:
    from safety.models import InspectionPlan

    plan = InspectionPlan(kind=kind, start_date=start, active=True)
    assert reports.plan_occurrences(plan, first, last) == expected


def test_sign_off_coverage_counts_current_holders_of_posts_with_lists(
    ds: report_data.DataSet,
) -> None:
    rows = reports.sign_offs(scope_of(ds), on=date(2026, 3, 31))
    assert {(r.user_name, r.version, r.signed_at is not None) for r in rows} == {
        ("李二", 2, True),
        ("王三", 1, False),
    }
    # On 02-25 u2 held the post but had not yet signed version 2.
    rows = reports.sign_offs(scope_of(ds, "A"), on=date(2026, 2, 25))
    assert [(r.user_name, r.version, r.signed_at) for r in rows] == [("李二", 2, None)]


def test_targets_against_year_to_date_actuals(ds: report_data.DataSet) -> None:
    rows = {t.metric: t for t in reports.targets(scope_of(ds), MARCH, today=TODAY)}
    assert rows["rectification_rate"].actual == pytest.approx(0.5)  # 4 of 8 found in A's subtree
    assert rows["rectification_rate"].achieved is False
    assert (rows["overdue_hazards"].actual, rows["overdue_hazards"].achieved) == (1, False)
    assert (rows["major_accidents"].actual, rows["major_accidents"].achieved) == (None, None)


def test_monthly_report_lists_major_and_overdue_hazards_with_holders(
    ds: report_data.DataSet,
) -> None:
    report = reports.monthly_report(scope_of(ds), MARCH, today=TODAY)
    h = ds.hazards
    assert [line.id for line in report.major] == [h["H5"].id, h["H3"].id]
    assert [line.plan_status for line in report.major] == ["incomplete", "complete"]
    assert report.major[1].state == "pending_verification"
    assert [line.id for line in report.overdue] == [h["H5"].id, h["H7"].id, h["H6"].id, h["H4"].id]
    h5 = report.overdue[0]
    assert h5.days_overdue == 58
    assert [(s.name, s.start, s.end) for s in h5.holders] == [
        ("张一", date(2025, 1, 1), date(2026, 2, 10)),
        ("李二", date(2026, 2, 11), None),
    ]
    assert [s.name for s in report.overdue[3].holders] == ["李二"]
    assert [s.user_name for s in report.dashboard.unsigned] == ["王三"]


def test_statutory_statistics_reconcile_with_the_register(ds: report_data.DataSet) -> None:
    report = reports.statutory_report(scope_of(ds), reports.quarter_period(2026, 1), today=TODAY)
    a, a1, b = ds.units["A"].id, ds.units["A1"].id, ds.units["B"].id
    assert report.unit_ids == [a, a1, b]
    assert report.cell(a, "general", "closed") == 3
    assert report.cell(a, "major", "rectifying") == 1
    assert report.cell(a1, "general", "reported") == 1
    assert report.cell(b, "major", "pending_verification") == 1
    assert [report.unit_total(u) for u in (a, a1, b)] == [5, 3, 3]
    register = _db.session.scalar(
        sa.text(
            "SELECT count(*) FROM hazards WHERE status != 'void' "
            "AND found_on >= '2026-01-01' AND found_on <= '2026-03-31'"
        )
    )
    assert report.figures.found == register == 11
    assert report.level_total("general") + report.level_total("major") == 11
    assert report.figures.closed_of_found == 4
    assert report.figures.funds == Decimal("102160.00")
    assert [line.number for line in report.major] == [
        ds.hazards["H5"].number,
        ds.hazards["H3"].number,
    ]


def test_empty_scope_says_so(ds: report_data.DataSet) -> None:
    board = reports.dashboard(scope_of(ds), reports.month_period(2024, 5), today=TODAY)
    assert board.is_empty
    assert board.figures.rectification_rate is None


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31), "month"),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "quarter"),
        ("2025q4", date(2025, 10, 1), date(2025, 12, 31), "quarter"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "year"),
        ("2026-01-05..2026-02-03", date(2026, 1, 5), date(2026, 2, 3), "range"),
    ],
)
def test_parse_period(app: Any, text: str, start: date, end: date, kind: str) -> None:
    period = reports.parse_period(text, today=TODAY)
    assert (period.start, period.end, period.kind) == (start, end, kind)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "March",
        "2026-Q5",
        "2026-02-30..2026-03-01",
        "1850",
        "2026-03-05..2026-01-01",
        "2000-01-01..2030-12-31",
        "2026-05",
        "2027",
    ],
)
def test_parse_period_rejects_bad_input(app: Any, text: str) -> None:
    from safety.services.errors import ValidationError

    with pytest.raises(ValidationError) as error:
        reports.parse_period(text, today=TODAY)
    assert "period" in error.value.fields


def test_unknown_unit_is_a_validation_error(app: Any) -> None:
    from safety.services.errors import ValidationError

    for bad in ("999999", "abc"):
        with pytest.raises(ValidationError) as error:
            reports.resolve_scope(bad)
        assert "unit_id" in error.value.fields
