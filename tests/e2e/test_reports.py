"""The chief safety officer's journey: dashboard charts, last month's report, accountability."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from safety.demo import history


def test_dashboard_renders_svg_charts_with_tables(page: Page, sign_in) -> None:
    sign_in(page, "chief_safety_officer")
    page.goto("/reports/")
    expect(page.locator("h1")).to_contain_text("安全生产综合看板")
    for chart in ("chart-open", "chart-ageing", "chart-trend", "chart-units", "chart-categories"):
        svg = page.locator(f"svg#{chart}")
        expect(svg).to_be_visible()
        assert svg.bounding_box()["height"] > 20
    expect(page.locator("svg#chart-trend polyline")).to_have_count(3)
    expect(page.locator("#table-trend tbody tr")).to_have_count(12)
    # Every figure links to the hazard list behind it.
    page.locator("#kpi-overdue").click()
    expect(page).to_have_url(re.compile(r"/hazards/?\?.*overdue=true"))


def test_monthly_report_and_accountability_across_a_change_of_holder(page: Page, sign_in) -> None:
    sign_in(page, "chief_safety_officer")
    page.goto("/reports/monthly")
    expect(page.locator("#monthly-report")).to_be_visible()
    row = page.locator("#monthly-overdue tr", has_text=history.CARRIED_OVER["title"])
    expect(row).to_contain_text("陈涛")
    expect(row).to_contain_text("吴芳")
    row.locator("a").first.click()
    case = page.locator(".report-case")
    expect(case).to_have_count(1)
    expect(case.locator("tbody tr").nth(0)).to_contain_text("陈涛")
    expect(case.locator("tbody tr").nth(0)).to_contain_text("2025-06-26 – 2025-06-30")
    expect(case.locator("tbody tr").nth(1)).to_contain_text("吴芳")
