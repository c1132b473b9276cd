"""The dashboard, the monthly report and the statutory statistics gain figures from
the risk register (#15), performance of duty (#17) and major hazards (#16).

The data is built here, through the services where they exist (risk points,
controls, checks, hazards, accountability actions) and with the ORM for
scorecards in each state. Month of interest: March 2026, read on 2 April.

Units G → A, G → B. Risks: A has a major (red) and a high (orange) one, B a
medium (yellow) and a low (blue) one. Checks: A's control is due 12 March,
checked that day and failed (raising a hazard: on time), due again 19 March and
checked on the 25th (late); B's control is due 12 March and never checked.
Majors: one in A listed and written off on 12 March, one in B listed and
awaiting write-off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from safety.extensions import db
from safety.models import Assessment, AssessmentStatus
from safety.services import duty, reports, risk_checks
from safety.services.reports import duty_figures, major_figures, risk_figures
from tests import builders as b
from tests.builders import NOW
from tests.pdftools import pdf_text

MARCH = reports.month_period(2026, 3)
TODAY = date(2026, 4, 2)
#: 10:00 in Shanghai on 2 April 2026.
LATER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _check(control: Any, result: str, day: date, **hazard: Any) -> Any:
    data: dict[str, Any] = {"result": result, "note": "现场检查"}
    if hazard:
        data["hazard"] = hazard
    return risk_checks.record_check(b.actor(), control, data, now=_at(day), today=day)


def _card(post: Any, status: str, grade: str | None, period: str = "2026-Q1") -> Assessment:
    row = Assessment(
        post_id=post.id,
        user_id=b.make_holder(post).id,
        period=period,
        status=AssessmentStatus(status),
        grade=grade,
        total=80.0,
        indicators=[],
        manual=[],
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _register(unit: Any, post: Any, levels: list[dict[str, Any]]) -> list[Any]:
    point = b.make_risk_point(unit=unit, name=f"{unit.name}装置")
    return [
        b.make_risk(point, event=f"{unit.name}风险{i}", **grade) for i, grade in enumerate(levels)
    ]


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    g = b.make_unit(name="集团")
    a = b.make_unit(name="蒸吸车间", parent=g)
    bb = b.make_unit(name="煅烧车间", parent=g)
    top = b.make_post(unit=g, title="总经理")
    post_a = b.make_post(unit=a, title="蒸吸主任", superior=top)
    post_b = b.make_post(unit=bb, title="煅烧主任", superior=top)
    major, high = _register(
        a, post_a, [{"method": "ls", "l": 5, "s": 5}, {"method": "lec", "l": 3, "e": 6, "c": 15}]
    )
    medium, low = _register(
        bb,
        post_b,
        [{"method": "lec", "l": 3, "e": 6, "c": 7}, {"method": "lec", "l": 0.5, "e": 6, "c": 15}],
    )
    control_a = b.make_control(major, top, text="液氨储罐泄漏报警联锁", check_every_days=7)
    b.make_control(medium, post_b, text="窑头负压监测", check_every_days=7)
    failed = _check(control_a, "failed", date(2026, 3, 12), title="液氨报警器失灵", level="general")
    _check(control_a, "effective", date(2026, 3, 25))
    for status, grade in [
        ("draft", "pass"),
        ("assessed", "pass"),
        ("confirmed", "excellent"),
        ("disputed", "fail"),
    ]:
        _card(post_a, status, grade)
    _card(post_b, "confirmed", "pass")
    _card(post_b, "confirmed", "pass", period="2025-Q4")  # another quarter: not counted
    holder = b.make_holder(post_a)
    for day in (date(2026, 3, 20), date(2026, 2, 10)):
        duty.create_action(
            b.actor(),
            user_id=holder.id,
            post_id=post_a.id,
            kind="criticism",
            reason="隐患逾期未整改",
            decided_on=day,
            now=NOW,
        )
    written_off = b.make_hazard("closed", level="major", listed=True, unit=a, title="液氨储罐区")
    waiting = b.make_hazard("pending_writeoff", level="major", listed=True, unit=bb, title="窑尾")
    return {
        "units": {"G": g, "A": a, "B": bb},
        "posts": {"top": top, "A": post_a, "B": post_b},
        "failed": failed,
        "majors": {"written_off": written_off, "waiting": waiting},
    }


def _scope(world: dict[str, Any]) -> reports.Scope:
    return reports.resolve_scope(world["units"]["G"].id)


# --- risk register ---------------------------------------------------------------


def test_risks_by_colour_per_unit(world: dict[str, Any]) -> None:
    risks = reports.dashboard(_scope(world), MARCH, today=TODAY).areas.risks
    by_unit = {row.name: row.counts.colours for row in risks.rows}
    assert by_unit["蒸吸车间"] == {"major": 1, "high": 1, "medium": 0, "low": 0}
    assert by_unit["煅烧车间"] == {"major": 0, "high": 0, "medium": 1, "low": 1}
    assert risks.total.colours == {"major": 1, "high": 1, "medium": 1, "low": 1}
    assert [colour for _lv, _label, colour in risks.levels] == ["red", "orange", "yellow", "blue"]


def test_checks_due_and_done_by_their_due_date(world: dict[str, Any]) -> None:
    risks = reports.dashboard(_scope(world), MARCH, today=TODAY).areas.risks
    rows = {row.name: row.counts for row in risks.rows}
    a, bb = rows["蒸吸车间"], rows["煅烧车间"]
    # A: due 12 March (done that day), due 19 March (done on the 25th: late).
    assert (a.checks_due, a.checks_on_time, a.failed, a.hazards_raised) == (2, 1, 1, 1)
    # B: due 12 March, never done.
    assert (bb.checks_due, bb.checks_on_time, bb.failed) == (1, 0, 0)
    assert (risks.total.checks_due, risks.total.checks_on_time) == (3, 1)
    assert risks.total.on_time_rate == pytest.approx(1 / 3)


def test_checks_of_another_month_do_not_count(world: dict[str, Any]) -> None:
    april = reports.month_period(2026, 4)
    risks = reports.dashboard(_scope(world), april, today=date(2026, 4, 5)).areas.risks
    # A's control is due again on 1 April (25 March + 7), not yet checked.
    assert (risks.total.checks_due, risks.total.checks_on_time, risks.total.failed) == (1, 0, 0)
    assert risks.failed == []


def test_the_risks_whose_controls_failed_this_month(world: dict[str, Any]) -> None:
    risks = reports.dashboard(_scope(world), MARCH, today=TODAY).areas.risks
    [line] = risks.failed
    hazard_id = world["failed"].hazard_id
    assert hazard_id is not None
    number = db.session.scalar(
        sa.text("SELECT number FROM hazards WHERE id = :i"), {"i": hazard_id}
    )
    assert (line.unit_name, line.risk_point, line.colour, line.control) == (
        "蒸吸车间",
        "蒸吸车间装置",
        "red",
        "液氨储罐泄漏报警联锁",
    )
    assert (line.checked_on, line.hazard_id, line.hazard_number) == (
        date(2026, 3, 12),
        hazard_id,
        number,
    )


def test_a_unit_scope_sees_only_its_own_risks(world: dict[str, Any]) -> None:
    scope = reports.resolve_scope(world["units"]["B"].id)
    risks = reports.dashboard(scope, MARCH, today=TODAY).areas.risks
    assert risks.total.colours == {"major": 0, "high": 0, "medium": 1, "low": 1}
    assert risks.failed == []


# --- performance of duty ---------------------------------------------------------


def test_scorecards_by_state_and_grade_per_unit(world: dict[str, Any]) -> None:
    figures = reports.dashboard(_scope(world), MARCH, today=TODAY).areas.duty
    assert figures.period_code == "2026-Q1"
    rows = {row.name: row.counts for row in figures.rows}
    a = rows["蒸吸车间"]
    assert a.statuses == {"draft": 1, "assessed": 1, "confirmed": 1, "disputed": 1}
    assert (a.cards, a.assessed) == (4, 3)
    # A draft's grade is not final: left out of the spread.
    assert a.grades == {"excellent": 1, "pass": 1, "fail": 1}
    assert rows["煅烧车间"].statuses["confirmed"] == 1  # the 2025-Q4 card is not counted
    assert figures.total.grades == {"excellent": 1, "pass": 2, "fail": 1}


def test_accountability_actions_counted_per_unit_in_the_period(world: dict[str, Any]) -> None:
    figures = reports.dashboard(_scope(world), MARCH, today=TODAY).areas.duty
    rows = {row.name: row.counts for row in figures.rows}
    assert (rows["蒸吸车间"].actions, rows["煅烧车间"].actions, figures.total.actions) == (1, 0, 1)
    quarter = reports.quarter_period(2026, 1)
    assert reports.dashboard(_scope(world), quarter, today=TODAY).areas.duty.total.actions == 2


def test_a_yearly_report_reads_the_year_s_scorecards(world: dict[str, Any]) -> None:
    year = reports.year_period(2025)
    figures = reports.dashboard(_scope(world), year, today=TODAY).areas.duty
    assert figures.period_code == "2025"
    assert figures.total.cards == 0


# --- major hazards ---------------------------------------------------------------


def test_monthly_report_counts_listed_and_written_off_majors(world: dict[str, Any]) -> None:
    report = reports.monthly_report(_scope(world), MARCH, today=TODAY)
    majors = report.majors
    assert (majors.listed, majors.written_off, majors.awaiting_write_off) == (2, 1, 1)
    assert majors.due_on is None
    february = reports.monthly_report(_scope(world), reports.month_period(2026, 2), today=TODAY)
    assert (february.majors.listed, february.majors.written_off) == (0, 0)


def test_five_in_place_columns_of_each_major(world: dict[str, Any]) -> None:
    report = reports.monthly_report(_scope(world), MARCH, today=TODAY)
    assert {line.id for line in report.major} == {h.id for h in world["majors"].values()}
    for line in report.major:
        five = report.majors.of(line)
        assert five.measures == "更换破损护栏并设置警示标志"
        assert five.emergency == "设置警戒区，专人监护"
        assert float(five.funds) == 5000
        assert five.deadline == date(2026, 3, 26)
        assert five.listed and five.holders
    written = report.majors.of(
        next(ln for ln in report.major if ln.id == world["majors"]["written_off"].id)
    )
    assert written.written_off_on == date(2026, 3, 12)


@pytest.mark.parametrize(
    ("period", "due"),
    [
        (reports.quarter_period(2026, 1), date(2026, 4, 15)),
        (reports.quarter_period(2025, 4), date(2026, 1, 15)),
        (reports.quarter_period(2025, 2), date(2025, 7, 15)),
        (reports.year_period(2025), date(2026, 1, 31)),
        (reports.month_period(2026, 3), None),
    ],
)
def test_statutory_due_dates(period: reports.Period, due: date | None) -> None:
    assert major_figures.statutory_due_on(period) == due


def test_statutory_statistics_gain_the_major_columns(world: dict[str, Any]) -> None:
    report = reports.statutory_report(_scope(world), reports.quarter_period(2026, 1), today=TODAY)
    assert report.majors.due_on == date(2026, 4, 15)
    assert (report.majors.listed, report.majors.written_off) == (2, 1)
    assert all(report.majors.of(line) is not None for line in report.major)


# --- pages and downloads ------------------------------------------------------------


@pytest.fixture
def signed_in(world: dict[str, Any], auth: Any, client: Any) -> Iterator[Any]:
    """The builders' admin reads the reports on 2 April."""
    with time_machine.travel(LATER, tick=False):
        auth.login(b.actor().email)
        yield client


def _query(world: dict[str, Any], period: str = "2026-03") -> str:
    return f"unit_id={world['units']['G'].id}&period={period}"


def test_dashboard_shows_the_risk_and_duty_figures(signed_in: Any, world: dict) -> None:
    html = signed_in.get(f"/reports/?{_query(world)}").get_data(as_text=True)
    assert 'id="dashboard-risks"' in html and 'id="dashboard-duty"' in html
    assert 'id="risk-total-major">1<' in html
    assert 'id="risk-checks-due">3<' in html and 'id="risk-checks-on-time">1<' in html
    assert 'id="risk-hazards">1<' in html
    assert "液氨储罐泄漏报警联锁" in html  # the failed control, listed
    assert 'id="duty-disputed">1<' in html and 'id="duty-actions">1<' in html
    assert "重大风险（红）" in html  # translated


def test_monthly_page_has_the_three_new_sections(signed_in: Any, world: dict) -> None:
    html = signed_in.get(f"/reports/monthly?{_query(world)}").get_data(as_text=True)
    for section in ("monthly-major-five", "monthly-risks", "monthly-duty"):
        assert f'id="{section}"' in html
    assert 'id="major-listed">2<' in html and 'id="major-written-off">1<' in html
    assert "设置警戒区，专人监护" in html  # emergency measures of a major hazard
    assert "五落实" in html


def test_statutory_page_shows_the_due_date_and_the_major_columns(
    signed_in: Any, world: dict
) -> None:
    html = signed_in.get(f"/reports/statutory?{_query(world, '2026-Q1')}").get_data(as_text=True)
    assert 'id="statutory-due"' in html and "2026" in html
    assert 'id="statutory-major-five"' in html
    assert 'id="major-awaiting">1<' in html
    yearly = signed_in.get(f"/reports/statutory?{_query(world, '2025')}").get_data(as_text=True)
    assert 'id="statutory-due"' in yearly


def test_monthly_workbook_opens_with_the_new_sheets(signed_in: Any, world: dict) -> None:
    response = signed_in.get(f"/reports/monthly.xlsx?{_query(world)}")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.data))
    names = wb.sheetnames
    assert {"重大隐患五落实", "安全风险分级管控", "履职考核"} <= set(names), names
    risk_cells = [c for row in wb["安全风险分级管控"].iter_rows(values_only=True) for c in row]
    assert "液氨储罐泄漏报警联锁" in risk_cells
    major_cells = [c for row in wb["重大隐患五落实"].iter_rows(values_only=True) for c in row]
    assert "更换破损护栏并设置警示标志" in major_cells


def test_statutory_workbook_has_the_major_sheet_with_its_due_date(
    signed_in: Any, world: dict
) -> None:
    response = signed_in.get(f"/reports/statutory.xlsx?{_query(world, '2026-Q1')}")
    wb = load_workbook(BytesIO(response.data))
    cells = [c for row in wb["重大隐患五落实"].iter_rows(values_only=True) for c in row]
    assert "2026-04-15" in cells


_pdf_text = pdf_text  # poppler's reading, shared


def test_monthly_pdf_contains_the_new_sections(signed_in: Any, world: dict) -> None:
    response = signed_in.get(f"/reports/monthly.pdf?{_query(world)}")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    for heading in ("五落实", "风险分级管控", "履职考核"):
        assert heading in text, heading
    assert "液氨储罐泄漏报警联锁" in text
    assert "窑头负压监测" not in text  # never failed: not in the list


# --- statement counts ---------------------------------------------------------------


def _statements(run: Any) -> int:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def _counts(world: dict[str, Any]) -> dict[str, int]:
    """Statements of each report, the scope (one query: the unit tree) read inside."""
    unit_id = world["units"]["G"].id
    quarter = reports.quarter_period(2026, 1)
    runs = {
        "dashboard": lambda s: reports.dashboard(s, MARCH, today=TODAY),
        "monthly": lambda s: reports.monthly_report(s, MARCH, today=TODAY),
        "statutory": lambda s: reports.statutory_report(s, quarter, today=TODAY),
        "risks": lambda s: risk_figures.risk_figures(s, MARCH, today=TODAY),
        "duty": lambda s: duty_figures.duty_figures(s, MARCH, today=TODAY),
    }
    return {
        name: _statements(lambda run=run: run(reports.resolve_scope(unit_id)))
        for name, run in runs.items()
    }


def _more(world: dict[str, Any], n: int) -> None:
    """``n`` more units, each with risks, checks (a failed one), scorecards, an action
    and a listed major hazard."""
    for i in range(n):
        unit = b.make_unit(name=f"车间{i}", parent=world["units"]["G"])
        post = b.make_post(unit=unit, title=f"主任{i}", superior=world["posts"]["top"])
        risks = _register(unit, post, [{"method": "ls", "l": 5, "s": 5}] * 3)
        for risk in risks:
            control = b.make_control(risk, world["posts"]["top"], check_every_days=7)
            _check(control, "failed", date(2026, 3, 12), title=f"失效{i}", level="general")
        for status, grade in [("assessed", "pass"), ("confirmed", "fail")]:
            _card(post, status, grade)
        duty.create_action(
            b.actor(),
            user_id=b.make_holder(post).id,
            post_id=post.id,
            kind="fine",
            reason="逾期",
            decided_on=date(2026, 3, 5),
            now=NOW,
        )
        b.make_hazard("pending_writeoff", level="major", listed=True, unit=unit)


def test_statement_counts_do_not_grow_with_the_data(world: dict[str, Any]) -> None:
    small = _counts(world)
    _more(world, 4)
    large = _counts(world)
    assert large == small
    assert (small["risks"], small["duty"]) == (1 + 4, 1 + 2)
    # The data did grow: the figures see it.
    risks = risk_figures.risk_figures(_scope(world), MARCH, today=TODAY)
    assert risks.total.colours["major"] == 1 + 4 * 3
    assert len(risks.failed) == 1 + 4 * 3


def test_a_listed_major_awaiting_write_off_is_neither_rectifying_nor_overdue(
    world: dict[str, Any],
) -> None:
    """Verified before its deadline (26 March), it waits for the authority's 核销: at
    month end it is done with (counted with those pending verification), not overdue."""
    waiting = world["majors"]["waiting"]
    scope = _scope(world)
    report = reports.monthly_report(scope, MARCH, today=TODAY)
    assert waiting.id not in {line.id for line in report.overdue}
    assert report.dashboard.figures.overdue == 0
    quarter = reports.statutory_report(scope, reports.quarter_period(2026, 1), today=TODAY)
    unit = world["units"]["B"].id
    assert quarter.cell(unit, "major", "rectifying") == 0
    assert quarter.cell(unit, "major", "pending_verification") == 1
