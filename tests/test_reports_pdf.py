"""The monthly meeting report as a PDF (reportlab), read back as text."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from tests import report_data
from tests.pdftools import pdf_text as poppler_text

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


def pdf_text(data: bytes, tmp_path: Any) -> str:
    """The PDF's text as poppler's pdftotext reads it."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


shown_text = poppler_text  # poppler's reading, shared


def test_monthly_pdf_downloads_as_an_attachment(signed_in: Any, ds: report_data.DataSet) -> None:
    response = signed_in.get(f"/reports/monthly.pdf?unit_id={ds.units['G'].id}&period=2026-03")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.data.rstrip().endswith(b"%%EOF")
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="monthly-report-2026-03.pdf"'


def test_monthly_page_links_to_the_pdf(signed_in: Any, ds: report_data.DataSet) -> None:
    g = ds.units["G"].id
    html = signed_in.get(f"/reports/monthly?unit_id={g}&period=2026-03").get_data(as_text=True)
    assert f'href="/reports/monthly.pdf?unit_id={g}&amp;period=2026-03"' in html
    assert "下载 PDF" in html


def test_monthly_pdf_holds_the_report(
    signed_in: Any, ds: report_data.DataSet, tmp_path: Any
) -> None:
    response = signed_in.get(f"/reports/monthly.pdf?unit_id={ds.units['G'].id}&period=2026-03")
    h = ds.hazards
    overdue = [h[k].number for k in ("H5", "H7", "H6", "H4")]
    expected = [
        "月度安全生产分析报告",
        *overdue,
        h["H3"].number,  # a major hazard found in March
        "液氨储罐安全阀失效",
        "甲厂厂长",  # the accountable post of H5
        "张一",  # held it until 2026-02-10
        "李二",  # holds it since
        "王三",  # an unsigned list
        "25.0%",
        "22,150.00",
        "主要负责人",  # the signature line
    ]
    shown = shown_text(response.data)
    assert "集团·2026年3月·截至2026-03-31" in shown.replace(" ", "")  # unit and month
    for text in expected:
        assert text in shown, text
    text = pdf_text(response.data, tmp_path)
    for item in expected:
        assert item in text, item
    section = text.split("四、月末逾期隐患")[1].split("五、检查计划完成情况")[0]
    assert [n for n in re.findall(r"T-\d{4}-\d{5}", section) if n in overdue] == overdue
    assert "张一 (2025-01-01 – 2026-02-10)" in text


def test_long_tables_split_across_pages_with_their_header(
    signed_in: Any, ds: report_data.DataSet, tmp_path: Any
) -> None:
    from safety.services import report_exports, reports

    scope = reports.resolve_scope(str(ds.units["G"].id))
    report = reports.monthly_report(scope, reports.month_period(2026, 3), today=date(2026, 4, 5))
    line = report.overdue[0]
    report.overdue = [line] * 120
    data = report_exports.monthly_pdf(report)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 4
    text = pdf_text(data, tmp_path)
    page_texts = text.split("\f")
    headed = [p for p in page_texts if "逾期天数" in p and line.number in p]
    assert len(headed) >= 3  # the header row repeats on every page the table spans
    # A major hazard is listed twice more: in section 3 and in its 五落实 (section 7).
    also_major = 2 * sum(1 for m in report.major if m.number == line.number)
    assert text.count(line.number) == 120 + also_major


@pytest.mark.parametrize(
    "query",
    ["period=nonsense", "period=2026-Q1", "unit_id=99999&period=2026-03", "period=2026-13"],
)
def test_bad_input_is_the_same_clear_400_as_the_page(signed_in: Any, query: str) -> None:
    pdf = signed_in.get(f"/reports/monthly.pdf?{query}")
    page = signed_in.get(f"/reports/monthly?{query}")
    assert pdf.status_code == page.status_code == 400
    assert pdf.mimetype == "text/html"
    assert "Content-Disposition" not in pdf.headers
    alert = re.compile(r'<div class="flash flash-error" role="alert">.*?</div>', re.S)
    found = alert.search(pdf.get_data(as_text=True))
    assert found is not None
    assert found.group(0) == alert.search(page.get_data(as_text=True)).group(0)


def test_monthly_pdf_is_refused_without_a_management_post(
    ds: report_data.DataSet, auth: Any, client: Any
) -> None:
    """u1's plant-head post ended in February: on 5 April they hold nothing."""
    with time_machine.travel(NOW, tick=False):
        auth.login("u1@example.com")
        assert client.get("/reports/monthly.pdf?period=2026-03").status_code == 403


def test_monthly_pdf_needs_sign_in(client: Any) -> None:
    response = client.get("/reports/monthly.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_empty_month_still_gives_a_pdf_that_says_so(signed_in: Any, tmp_path: Any) -> None:
    response = signed_in.get("/reports/monthly.pdf?period=2019-05")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert "无可报告内容" in shown_text(response.data)


def _pdffonts(data: bytes, tmp_path: Any) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_the_pdf_embeds_its_font(signed_in: Any, ds: report_data.DataSet, tmp_path: Any) -> None:
    """A machine without Chinese fonts shows the text: every font is embedded."""
    response = signed_in.get(f"/reports/monthly.pdf?unit_id={ds.units['G'].id}&period=2026-03")
    fonts = _pdffonts(response.data, tmp_path)
    assert fonts
    for row in fonts:
        # name type [encoding...] emb sub uni object ID: emb is 5th from the end.
        assert row[-5] == "yes", row
    assert "液氨储罐安全阀失效" in pdf_text(response.data, tmp_path)


def test_no_heading_sits_alone_at_the_end_of_a_page(
    signed_in: Any, ds: report_data.DataSet
) -> None:
    """Whatever the length of the overdue table, a section heading is followed on
    its page by the section's first lines."""
    from safety.services import report_exports, reports

    scope = reports.resolve_scope(str(ds.units["G"].id))
    report = reports.monthly_report(scope, reports.month_period(2026, 3), today=date(2026, 4, 5))
    line = report.overdue[0]
    heading = re.compile(r"^[一二三四五六七八九十]、")
    for count in range(1, 30):
        report.overdue = [line] * count
        pages = _page_lines(report_exports.monthly_pdf(report))
        for page in pages[:-1]:
            body = [text for text in page if not text.startswith("月度安全生产分析报告")]
            assert body and not heading.match(body[-1]), (count, body[-3:])


def _page_lines(data: bytes) -> list[list[str]]:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = result.stdout.decode("utf-8").split("\f")
    return [[t.strip() for t in p.splitlines() if t.strip() and "第" not in t[:1]] for p in pages]


def test_no_signed_claim_over_nothing_to_sign(
    signed_in: Any, ds: report_data.DataSet, tmp_path: Any
) -> None:
    """A unit with no responsibility list to sign never reads "everyone signed" (0 / 0)."""
    from tests import builders

    empty = builders.make_unit(name="空车间", code="G-E", parent=ds.units["G"])
    query = f"unit_id={empty.id}&period=2026-03"
    html = signed_in.get(f"/reports/monthly?{query}").get_data(as_text=True)
    pdf = pdf_text(signed_in.get(f"/reports/monthly.pdf?{query}").data, tmp_path)
    for text in (html, pdf):
        assert "所有在岗人员均已" not in text
        assert "没有需要签字确认的责任清单" in text
