"""Organisation pages in the browser: an admin maintains, everyone reads, phones work."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect


def _choose(page: Page, select: str, text: str) -> None:
    """Select the option whose label contains ``text`` (labels are indented)."""
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    page.locator(select).select_option(value)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport + 1, f"page is {width}px wide on a {viewport}px screen"


def test_admin_creates_a_unit_and_a_post_and_assigns_a_holder(page: Page, sign_in) -> None:
    code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    sign_in(page, "admin")
    page.goto("/org/")
    page.get_by_role("link", name="新建单位").click()
    page.locator("#name").fill("端到端车间")
    page.locator("#code").fill(code)
    _choose(page, "#parent_id", "纯碱厂 (SODA)")
    page.locator("main #submit").click()
    expect(page.locator("h1")).to_contain_text("端到端车间")

    page.get_by_role("link", name="在此新建岗位").click()
    page.locator("#title").fill("班长")
    page.locator("#level").select_option("operation")
    page.locator("#superior_post_id").select_option(label="厂长 · 纯碱厂")
    page.locator("main #submit").click()
    expect(page.locator("h1")).to_contain_text("班长")
    expect(page.locator(".chain")).to_contain_text("厂长")
    expect(page.locator(".badge-warn").first).to_have_text("空缺")

    _choose(page, "#user_id", "李明")
    page.locator("#start_date").fill("2026-01-01")
    page.get_by_role("button", name="任命").click()
    expect(page.locator(".flash-success")).to_contain_text("李明")

    page.goto("/org/")
    expect(page.locator(".tree")).to_contain_text(code)


def test_unit_cycle_is_refused_on_the_form(page: Page, sign_in) -> None:
    sign_in(page, "admin")
    page.goto("/org/")
    page.locator(".tree-row", has_text="纯碱厂").first.get_by_role("link", name="编辑").click()
    _choose(page, "#parent_id", "煅烧车间")
    page.locator("main #submit").click()
    expect(page.locator(".field .error")).to_contain_text("单位不能挂在自身或其下级之下")


def test_member_reads_but_cannot_edit(page: Page, sign_in) -> None:
    sign_in(page, "workshop_safety_officer")
    page.goto("/org/")
    expect(page.locator(".tree")).to_contain_text("碳化车间")
    expect(page.get_by_role("link", name="新建单位")).to_have_count(0)
    response = page.goto("/org/units/new")
    assert response is not None and response.status == 403


def test_org_pages_fit_a_phone(phone_page: Page, sign_in) -> None:
    sign_in(phone_page, "admin")
    for path in ["/org/", "/org/posts", "/org/people", "/org/import", "/admin/audit"]:
        phone_page.goto(path)
        _no_sideways_scroll(phone_page)


def test_admin_sees_an_intact_audit_log(page: Page, sign_in) -> None:
    sign_in(page, "admin")
    page.goto("/admin/")
    expect(page.locator(".integrity")).to_contain_text("审计日志完整")
    page.get_by_role("link", name="打开审计日志").click()
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
