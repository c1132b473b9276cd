"""The accountability report (失职追责): people per overdue day, as date ranges."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from safety.services import reports
from safety.services.errors import ValidationError
from tests import report_data


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    return report_data.build()


def test_post_changing_hands_mid_overdue_names_both_holders(ds: report_data.DataSet) -> None:
    (case,) = reports.accountability(
        None, None, hazard_id=ds.hazards["H5"].id, today=date(2026, 3, 12)
    )
    assert (case.overdue_from, case.overdue_to, case.days) == (
        date(2026, 2, 2),
        date(2026, 3, 12),
        39,
    )
    first, second = case.spans
    assert (first.name, first.start, first.end, first.days) == (
        "张一",
        date(2026, 2, 2),
        date(2026, 2, 10),
        9,
    )
    assert (second.name, second.start, second.end, second.days) == (
        "李二",
        date(2026, 2, 11),
        date(2026, 3, 12),
        30,
    )
    assert case.vacant == []


def test_signatures_follow_the_list_version_current_each_day(ds: report_data.DataSet) -> None:
    (case,) = reports.accountability(
        None, None, hazard_id=ds.hazards["H5"].id, today=date(2026, 3, 12)
    )
    first, second = case.spans
    assert [(s.start, s.end, s.version, s.signed_on) for s in first.signatures] == [
        (date(2026, 2, 2), date(2026, 2, 10), 1, date(2026, 1, 5))
    ]
    assert [(s.start, s.end, s.version, s.signed_on) for s in second.signatures] == [
        (date(2026, 2, 11), date(2026, 2, 19), 1, None),
        (date(2026, 2, 20), date(2026, 2, 28), 2, None),
        (date(2026, 3, 1), date(2026, 3, 12), 2, date(2026, 3, 1)),
    ]


def test_reminders_are_folded_into_date_ranges_per_person(ds: report_data.DataSet) -> None:
    (case,) = reports.accountability(
        None, None, hazard_id=ds.hazards["H5"].id, today=date(2026, 3, 12)
    )
    first, second = case.spans
    assert [(r.start, r.end, r.count) for r in first.reminders] == [
        (date(2026, 2, 2), date(2026, 2, 10), 9)
    ]
    assert [(r.start, r.end, r.count) for r in second.reminders] == [
        (date(2026, 2, 11), date(2026, 2, 15), 5),
        (date(2026, 2, 20), date(2026, 2, 21), 2),
    ]
    assert second.reminder_count == 7
    assert [(name, reasons, r.count) for name, reasons, r in case.others] == [
        ("钱五", ["superior"], 2)
    ]


def test_vacant_days_are_shown(ds: report_data.DataSet) -> None:
    (case,) = reports.accountability(
        None, None, hazard_id=ds.hazards["H7"].id, today=date(2026, 4, 5)
    )
    assert case.vacant == [(date(2026, 3, 22), date(2026, 3, 24))]
    assert [(s.name, s.start, s.end) for s in case.spans] == [
        ("赵四", date(2026, 3, 25), date(2026, 4, 5))
    ]
    assert [s.version for s in case.spans[0].signatures] == [None]  # the post has no list


def test_unit_and_period_lists_each_hazard_overdue_in_the_period(ds: report_data.DataSet) -> None:
    scope = reports.resolve_scope(ds.units["G"].id)
    cases = reports.accountability(scope, reports.month_period(2026, 3), today=report_data.TODAY)
    h = ds.hazards
    assert [c.hazard.id for c in cases] == [h[k].id for k in ("H5", "H10", "H2", "H7", "H6", "H4")]
    windows = {c.hazard.id: (c.overdue_from, c.overdue_to) for c in cases}
    assert windows[h["H5"].id] == (date(2026, 3, 1), date(2026, 3, 31))  # clipped to March
    assert windows[h["H10"].id] == (date(2026, 3, 1), date(2026, 3, 2))  # submitted 03-02
    assert windows[h["H2"].id] == (date(2026, 3, 21), date(2026, 3, 31))
    assert windows[h["H4"].id] == (date(2026, 3, 31), date(2026, 3, 31))
    h5 = cases[0]
    assert [s.name for s in h5.spans] == ["李二"]


def test_a_hazard_never_overdue_gives_no_case(ds: report_data.DataSet) -> None:
    assert (
        reports.accountability(None, None, hazard_id=ds.hazards["H1"].id, today=report_data.TODAY)
        == []
    )
    assert (
        reports.accountability(None, None, hazard_id=ds.hazards["H8"].id, today=report_data.TODAY)
        == []
    )


def test_unknown_hazard_is_a_validation_error(app: Any) -> None:
    with pytest.raises(ValidationError) as error:
        reports.accountability(None, None, hazard_id=424242, today=report_data.TODAY)
    assert "hazard_id" in error.value.fields
