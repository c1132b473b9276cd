"""A unit head reads what changed in their responsibility list, signs it, and the gap goes."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD


def test_plant_head_signs_the_changed_list_and_the_gaps_page_updates(page: Page, sign_in) -> None:
    sign_in(page, "plant_head")

    page.goto("/matrix/gaps")
    unsigned = page.locator('li[data-gap="unacknowledged"]', has_text="孙建华")
    expect(unsigned).to_have_count(1)
    expect(page.locator('li[data-gap="post_vacant"]', has_text="碳化车间")).to_have_count(1)

    page.goto("/matrix/mine")
    expect(page.locator("h1")).to_have_text("我的责任")
    section = page.locator("section.my-list", has_text="纯碱厂")
    expect(section.locator(".changes")).to_contain_text("碳化车间")  # what changed since he signed
    expect(section).to_contain_text("安全职责")
    expect(section).to_contain_text("业务职责")
    section.get_by_label("请再次输入密码以签字确认").fill(DEMO_PASSWORD)  # deliberate signing
    section.get_by_role("button", name="我已阅读本清单并签字确认").click()

    expect(page.locator(".flash-success")).to_contain_text(re.compile(r"您已签字确认第 \d+ 版"))
    section = page.locator("section.my-list", has_text="纯碱厂")
    expect(section.locator(".badge-ok")).to_contain_text("已于")
    expect(section.get_by_role("button", name="我已阅读本清单并签字确认")).to_have_count(0)

    page.goto("/matrix/gaps")
    expect(page.locator('li[data-gap="unacknowledged"]', has_text="孙建华")).to_have_count(0)
    expect(page.locator('li[data-gap="unacknowledged"]').first).to_be_visible()  # others remain


def test_matrix_page_shows_letters_and_filters_by_level(page: Page, sign_in) -> None:
    sign_in(page, "general_manager")
    page.goto("/matrix/")
    expect(page.locator("table.matrix")).to_be_visible()
    main_cell = page.locator("table.matrix .kind-main").first
    expect(main_cell).to_contain_text("主")
    page.locator("#level").select_option("decision")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"level=decision"))
    expect(page.locator("table.matrix tbody th[scope=rowgroup]")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
