"""The report pages and their Excel exports, read back with openpyxl."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from safety.services import reports as reports_service
from tests import report_data

#: 10:00 in Shanghai on 2026-04-05: March is over.
NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    return report_data.build()


@pytest.fixture
def signed_in(ds: report_data.DataSet, auth: Any, client: Any) -> Iterator[Any]:
    """The general manager (a decision post) reads the reports."""
    with time_machine.travel(NOW, tick=False):
        auth.login("u5@example.com")
        yield client


def test_reports_need_sign_in(client: Any) -> None:
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_reports_are_refused_to_someone_without_a_management_post(
    ds: report_data.DataSet, auth: Any, client: Any
) -> None:
    """u1's plant-head post ended in February: on 5 April they hold nothing."""
    with time_machine.travel(NOW, tick=False):
        auth.login("u1@example.com")
        for path in (
            "/reports/",
            "/reports/monthly",
            "/reports/statutory",
            "/reports/monthly.xlsx",
        ):
            assert client.get(path).status_code == 403, path
        assert 'href="/reports/"' not in client.get("/").get_data(as_text=True)


def test_reports_link_shows_for_a_reader(signed_in: Any) -> None:
    assert 'href="/reports/"' in signed_in.get("/").get_data(as_text=True)


def test_dashboard_renders_charts_tables_and_links(signed_in: Any, ds: report_data.DataSet) -> None:
    g = ds.units["G"].id
    response = signed_in.get(f"/reports/?unit_id={g}&period=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 5
    assert 'id="chart-trend"' in html
    assert 'id="kpi-overdue">4<' in html
    assert 'id="kpi-rectification">25.0%<' in html
    assert 'id="kpi-inspections">2/7<' in html
    assert f"unit_id={g}&amp;status=rectifying&amp;overdue=true" in html or (
        f"status=rectifying&amp;unit_id={g}&amp;overdue=true" in html
    )
    assert 'id="table-trend"' in html and 'id="table-units"' in html
    assert "style=" not in html  # CSP: no inline styles


def test_dashboard_defaults_to_this_month_for_the_whole_group(signed_in: Any) -> None:
    response = signed_in.get("/reports/")
    assert response.status_code == 200
    assert "2026-04" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/?period=2026-13",
        "/reports/?period=garbage",
        "/reports/?unit_id=99999",
        "/reports/?unit_id=abc&period=2026-03",
        "/reports/monthly?period=2026-Q1",
        "/reports/monthly.xlsx?period=nonsense",
        "/reports/statutory?period=2026-03",
        "/reports/statutory.xlsx?unit_id=99999&period=2026",
        "/reports/accountability?hazard_id=99999",
        "/reports/accountability?hazard_id=x1",
        "/reports/accountability.xlsx?hazard_id=424242",
        "/reports/accountability.xlsx?unit_id=nope",
        "/reports/accountability?period=2027-02-30..2027-03-01",
    ],
)
def test_bad_input_is_a_clear_400(signed_in: Any, path: str) -> None:
    response = signed_in.get(path)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_a_period_without_data_says_so(signed_in: Any) -> None:
    for path in ("/reports/?period=2019-05", "/reports/monthly?period=2019-05"):
        response = signed_in.get(path)
        assert response.status_code == 200
        assert "report-empty" in response.get_data(as_text=True)
    response = signed_in.get("/reports/statutory?period=2019")
    assert "report-empty" in response.get_data(as_text=True)
    response = signed_in.get("/reports/accountability?period=2019")
    assert "report-empty" in response.get_data(as_text=True)


def test_monthly_report_page_defaults_to_last_month(
    signed_in: Any, ds: report_data.DataSet
) -> None:
    response = signed_in.get(f"/reports/monthly?unit_id={ds.units['G'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="monthly-report"' in html
    assert ds.hazards["H5"].number in html
    assert "张一 (2025-01-01 – 2026-02-10)" in html
    assert "王三" in html  # unsigned list


def test_monthly_workbook_reads_back(signed_in: Any, ds: report_data.DataSet) -> None:
    response = signed_in.get(f"/reports/monthly.xlsx?unit_id={ds.units['G'].id}&period=2026-03")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(BytesIO(response.data))
    summary = wb.worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True) if row[0]}
    assert values["排查发现隐患数"] == 8
    rows = list(summary.iter_rows(values_only=True))
    flat = [cell for row in rows for cell in row if cell is not None]
    assert "25.0%" in flat and 22150.0 in flat
    overdue = wb.worksheets[3]
    numbers = [row[0] for row in overdue.iter_rows(min_row=5, values_only=True) if row[0]]
    h = ds.hazards
    assert numbers == [h[k].number for k in ("H5", "H7", "H6", "H4")]
    holders = [row[7] for row in overdue.iter_rows(min_row=5, values_only=True) if row[0]]
    assert holders[0] == "张一 (2025-01-01 – 2026-02-10); 李二 (2026-02-11 – 至今)"


def test_statutory_workbook_has_totals_and_a_signature_line(
    signed_in: Any, ds: report_data.DataSet
) -> None:
    response = signed_in.get("/reports/statutory.xlsx?period=2026-Q1")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.data)).worksheets[0]
    rows = [row for row in ws.iter_rows(values_only=True)]
    total_row = next(row for row in rows if row[0] == "合计")
    assert total_row[-1] == 11
    assert any(row[0] and "主要负责人" in str(row[0]) for row in rows)


def test_statutory_page(signed_in: Any) -> None:
    response = signed_in.get("/reports/statutory?period=2026-Q1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="statutory-total">11<' in html


def test_accountability_page_for_a_hazard(signed_in: Any, ds: report_data.DataSet) -> None:
    response = signed_in.get(f"/reports/accountability?hazard_id={ds.hazards['H5'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "张一" in html and "李二" in html and "钱五" in html
    assert "2026-02-02 – 2026-02-10" in html


def test_accountability_page_for_a_unit_and_period(signed_in: Any, ds: report_data.DataSet) -> None:
    response = signed_in.get(f"/reports/accountability?unit_id={ds.units['A1'].id}&period=2026-03")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ds.hazards["H7"].number in html and ds.hazards["H2"].number in html
    assert "report-vacant" in html


def test_accountability_workbook_reads_back(signed_in: Any, ds: report_data.DataSet) -> None:
    response = signed_in.get(f"/reports/accountability.xlsx?hazard_id={ds.hazards['H5'].id}")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.data)).worksheets[0]
    rows = [row for row in ws.iter_rows(min_row=5, values_only=True) if row[0]]
    assert [(row[6], row[7], row[8]) for row in rows] == [
        ("张一", "2026-02-02 – 2026-02-10", 9),
        ("李二", "2026-02-11 – 2026-04-05", 54),
    ]
    assert "未签字确认第 1 版" in rows[1][9]
    assert rows[0][10] == "2026-02-02 – 2026-02-10: 9"


def test_the_monthly_page_caps_the_overdue_list_the_exports_keep_it_all(
    signed_in: Any, ds: report_data.DataSet, monkeypatch: Any
) -> None:
    """At 100k hazards the page listed ~2,000 overdue lines (511 KB): it shows the
    most overdue ones and says where the rest are; the workbook has them all."""
    from safety.reports import views

    monkeypatch.setattr(views, "MONTHLY_PAGE_LINES", 2)
    query = f"unit_id={ds.units['G'].id}&period=2026-03"
    html = signed_in.get(f"/reports/monthly?{query}").get_data(as_text=True)
    table = html.split('id="monthly-overdue"')[1].split("</table>")[0]
    h = ds.hazards
    assert table.count("<tr>") == 1 + 2  # header and the two most overdue
    assert h["H5"].number in table and h["H7"].number in table
    assert h["H4"].number not in table
    assert "显示逾期最久的 2 条，共 4 条" in html
    book = load_workbook(BytesIO(signed_in.get(f"/reports/monthly.xlsx?{query}").data))
    numbers = {c.value for row in book.worksheets[3].iter_rows() for c in row}
    assert {h[k].number for k in ("H4", "H5", "H6", "H7")} <= numbers


def test_the_monthly_and_statutory_pages_cap_the_major_list_the_exports_keep_it_all(
    signed_in: Any, ds: report_data.DataSet, monkeypatch: Any
) -> None:
    """The generated 100k register has thousands of open major hazards: the pages
    show the ones found first and the total; the workbooks list them all."""
    from safety.reports import views

    report_data.add_filler(ds.units["A1"], ds.posts["A1"], 36, start=date(2025, 1, 5))
    query = f"unit_id={ds.units['G'].id}&period=2026-03"
    pages = {
        "monthly": ("/reports/monthly", "monthly-major"),
        "statutory": ("/reports/statutory", "statutory-major"),
    }
    for name, (path, table_id) in pages.items():
        period = "2026-03" if name == "monthly" else "2025"
        url = f"{path}?unit_id={ds.units['G'].id}&period={period}"
        whole = signed_in.get(url).get_data(as_text=True)
        assert f'id="{table_id}-cap"' not in whole
        total = whole.split(f'id="{table_id}"')[1].split("</table>")[0].count("<tr>") - 1
        assert total >= 3, name
        monkeypatch.setattr(views, "MONTHLY_PAGE_LINES", 2)
        html = signed_in.get(url).get_data(as_text=True)
        table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
        assert table.count("<tr>") == 1 + 2
        assert f"显示最早发现的 2 项，共 {total} 项重大隐患" in html, name
        monkeypatch.undo()
    book = load_workbook(BytesIO(signed_in.get(f"/reports/monthly.xlsx?{query}").data))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    majors = reports_service.major_hazards(
        reports_service.resolve_scope(ds.units["G"].id),
        reports_service.month_period(2026, 3),
        today=report_data.TODAY,
    )
    assert len(majors) >= 3 and {line.number for line in majors} <= set(cells)


def test_the_accountability_page_caps_its_cases_the_workbook_keeps_them_all(
    signed_in: Any, ds: report_data.DataSet, monkeypatch: Any
) -> None:
    """At 100k hazards a quarter's page rendered 37k cases: it shows the first by
    deadline, each with its full evidence, and says the workbook has them all."""
    from safety.reports import views
    from safety.services import reports

    query = f"unit_id={ds.units['G'].id}&period=2026-03"
    everything = signed_in.get(f"/reports/accountability?{query}").get_data(as_text=True)
    assert 'id="accountability-cap"' not in everything
    total = everything.count('class="card report-case"')
    assert total >= 3
    monkeypatch.setattr(views, "ACCOUNTABILITY_PAGE_CASES", 2)
    html = signed_in.get(f"/reports/accountability?{query}").get_data(as_text=True)
    assert html.count('class="card report-case"') == 2
    assert "按整改期限显示前 2 项隐患" in html
    scope, period = reports.resolve_scope(ds.units["G"].id), reports.month_period(2026, 3)
    cases = reports.accountability(scope, period, today=report_data.TODAY)
    first_two = reports.accountability(scope, period, today=report_data.TODAY, limit=2)
    assert [c.hazard.id for c in first_two] == [c.hazard.id for c in cases[:2]]
    assert [c.spans for c in first_two] == [c.spans for c in cases[:2]]  # the same evidence
    book = load_workbook(BytesIO(signed_in.get(f"/reports/accountability.xlsx?{query}").data))
    numbers = {c.value for row in book.worksheets[0].iter_rows() for c in row}
    assert {c.hazard.number for c in cases} <= numbers
