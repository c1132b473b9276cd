"""A workshop head sees their scorecard, disputes it, the plant head answers,
and the head confirms (issue 17's journey), all through the pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from safety.demo import org as demo_org

HEAD = demo_org.email_of("huangzhiqiang")  # 黄志强, 煅烧车间主任, under the plant head


def _open_card(page: Page, name: str) -> None:
    page.goto("/duty/")
    page.locator("section", has_text="由我考核").get_by_role("link", name="车间主任").first.click()
    expect(page.locator("h1")).to_contain_text(name)


def test_dispute_and_answer_a_scorecard(page: Page, sign_in) -> None:
    sign_in(page, "plant_head")
    _open_card(page, "黄志强")
    page.locator("#assess-manual-0-item").fill("组织班组安全活动")
    page.locator("#assess-manual-0-score").fill("2")
    page.get_by_role("button", name="考核").click()
    expect(page.locator(".flash-success")).to_contain_text("考核已完成")
    page.locator("#sign-out").click()

    sign_in(page, HEAD)
    page.goto("/duty/")
    page.locator("section", has_text="我的考核").get_by_role("link", name="车间主任").click()
    expect(page.locator(".status-assessed")).to_be_visible()
    page.locator("#dispute-note").fill("逾期隐患系备件未到，请核实")
    page.get_by_role("button", name="提出异议").click()
    expect(page.locator(".status-disputed")).to_be_visible()
    page.locator("#sign-out").click()

    sign_in(page, "plant_head")
    _open_card(page, "黄志强")
    expect(page.locator("dd", has_text="备件未到")).to_be_visible()
    page.locator("#assess-manual-1-item").fill("备件延误属实")
    page.locator("#assess-manual-1-score").fill("3")
    page.get_by_role("button", name="考核").click()
    expect(page.locator(".status-assessed")).to_be_visible()
    page.locator("#sign-out").click()

    sign_in(page, HEAD)
    page.goto("/duty/")
    page.locator("section", has_text="我的考核").get_by_role("link", name="车间主任").click()
    page.get_by_role("button", name="确认").click()
    expect(page.locator(".status-confirmed")).to_have_text(re.compile("已确认"))
