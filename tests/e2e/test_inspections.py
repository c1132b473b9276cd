"""On a phone: open a unit's QR link, complete a checklist with a failed item and a photo,
submit, and find the hazard in the register; the plan's next due date moves on."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 120, 120)).save(out, "JPEG")
    return out.getvalue()


def test_phone_inspection_from_qr_link_raises_a_hazard(phone_page: Page, sign_in) -> None:
    page = phone_page
    sign_in(page, "workshop_safety_officer")  # 李明, 煅烧车间安全员

    # The unit's QR code opens this link; the weekly electrical plan is due today.
    page.goto("/inspections/new?unit=SODA-CALC")
    plans = page.locator("section", has=page.get_by_role("heading", name="本单位的检查计划"))
    row = plans.locator("tr", has_text="电气安全检查")
    row.get_by_role("link", name="去检查").click()
    expect(page.locator("h1")).to_have_text("电气安全检查")
    due_before = page.locator("header .muted").inner_text()

    items = page.locator("fieldset.check-item")
    count = items.count()
    assert count >= 3
    failed = items.filter(has_text="电缆无破损")  # "photo required on fail"
    failed_id = failed.get_attribute("id")
    for index in range(count):
        item = items.nth(index)
        if item.get_attribute("id") == failed_id:
            continue
        item.locator("label.result-pass").click()

    # Failing the item shows the hazard offer, pre-filled from the item.
    offer = failed.locator(".hazard-offer")
    expect(offer).to_be_hidden()
    failed.locator("label.result-fail").click()
    expect(offer).to_be_visible()
    expect(offer.locator("input[name^=hazard_title]")).to_have_value(re.compile("电缆无破损"))

    # Submitting without the required photo saves nothing and says why.
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator(".flash-error")).to_contain_text("未保存")
    expect(page.locator(f"#{failed_id} .error")).to_contain_text("必须拍照")

    failed = page.locator(f"#{failed_id}")
    failed.locator("label.result-fail").click()
    failed.locator("textarea[name^=note]").fill("3号桥架盖板缺失，电缆外皮破损")
    failed.locator("input[name^=hazard_title]").fill("煅烧车间3号桥架电缆破损")
    failed.locator("select[name^=hazard_level]").select_option("general")
    failed.locator("input[type=file]").set_input_files(
        {"name": "cable.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    page.get_by_role("button", name="提交检查").click()

    expect(page.locator(".flash-success")).to_contain_text("1 条隐患")
    findings = page.locator("#findings")
    link = findings.get_by_role("link", name=re.compile("煅烧车间3号桥架电缆破损"))
    expect(link).to_be_visible()
    expect(findings).to_contain_text("待确认")
    expect(page.locator("img[src*='/inspections/photos/']")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the inspection page scrolls sideways on a phone"

    link.click()
    expect(page.locator("body")).to_contain_text("煅烧车间3号桥架电缆破损")
    expect(page.locator("body")).to_contain_text("3号桥架盖板缺失")

    # The plan moved on: it is no longer due for 李明 today.
    page.goto("/inspections/")
    expect(page.locator("#due-plans")).not_to_contain_text("电气安全检查")
    assert due_before  # the form showed the due date it was opened for
