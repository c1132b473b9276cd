"""On a phone: open a post's 岗位风险告知卡, follow its QR link, record a failed control
check with a photo, and land on the hazard it raised, linked to the control."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_phone_failed_check_from_the_post_card_raises_a_hazard(phone_page: Page, sign_in) -> None:
    page = phone_page
    sign_in(page, "hanxiaodong@demo.safety")  # 韩晓东, 液氨罐区班长

    page.goto("/risks/")
    expect(page.locator("#my-due")).to_contain_text("氨气泄漏检测报警仪")
    page.locator("#my-posts").get_by_role("link", name="岗位风险告知卡").click()
    expect(page.locator("h1")).to_have_text("岗位风险告知卡")
    expect(page.locator("#card")).to_contain_text("液氨储罐泄漏中毒")
    expect(page.locator("#card svg")).to_be_visible()  # the QR code

    # The QR code holds the post page's absolute link; a phone opens it.
    link = page.locator("#card figcaption a").get_attribute("href")
    assert link and re.search(r"/risks/posts/\d+$", link)
    page.goto(link)
    row = page.locator("#post-controls li", has_text="氨气泄漏检测报警仪")
    row.get_by_role("link", name="记录排查").click()
    expect(page.locator("h1")).to_have_text("记录排查")

    page.get_by_label("管控失效").check()
    page.get_by_label("排查情况").fill("1号罐区报警仪标气测试无响应")
    page.locator("input[type=file]").set_input_files(
        {"name": "detector.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    page.get_by_label("发现的隐患（名称）").fill("1号液氨罐区氨气报警仪失效（e2e）")
    page.get_by_role("button", name="记录排查").click()

    # Straight to the hazard, raised in the same step.
    expect(page.locator("h1")).to_contain_text("1号液氨罐区氨气报警仪失效（e2e）")
    expect(page.locator(".flash-success")).to_contain_text("已上报隐患")
    # The hazard shows the colour of the risk whose control failed, with its word.
    expect(page.locator("#risk-link")).to_contain_text("重大风险（红）")
    expect(page.locator("#risk-link")).to_contain_text("液氨储罐泄漏中毒")
