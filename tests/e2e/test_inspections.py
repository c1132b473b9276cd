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

    # The unit's QR code opens this link; its one plan due today (weekly
    # electrical check) opens at once.
    page.goto("/inspections/new?unit=SODA-CALC")
    expect(page.locator("h1")).to_have_text("电气安全检查")
    due_before = page.locator("header .muted").inner_text()

    items = page.locator("fieldset.check-item")
    count = items.count()
    assert count >= 3
    failed = items.filter(has_text="电缆无破损")  # "photo required on fail"
    failed_id = failed.get_attribute("id")

    # Submitting an empty form marks every item red; answering one clears its mark.
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator("fieldset.check-item.has-error")).to_have_count(count)
    first = page.locator("fieldset.check-item").first
    first.locator("label.result-na").click()
    expect(first).not_to_have_class(re.compile("has-error"))
    expect(first.locator(".error")).to_have_count(0)

    # Failing the item shows the hazard offer, pre-filled from the item.
    failed = page.locator(f"#{failed_id}")
    offer = failed.locator(".hazard-offer")
    expect(offer).to_be_hidden()
    failed.locator("label.result-fail").click()
    expect(offer).to_be_visible()
    expect(offer.locator("input[name^=hazard_title]")).to_have_value(re.compile("电缆无破损"))

    # "All pass" answers the rest and leaves the answered items alone.
    page.get_by_role("button", name="未填写的项目全部设为合格").click()
    expect(page.locator("input[type=radio][value=pass]:checked")).to_have_count(count - 2)
    expect(first.locator("input[value=na]")).to_be_checked()
    expect(failed.locator("input[value=fail]")).to_be_checked()
    expect(page.locator("[data-all-pass-status]")).to_have_text("未填写的项目已设为合格。")

    # Submitting without the required photo saves nothing and says why.
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator(".flash-error")).to_contain_text("未保存")
    expect(page.locator(f"#{failed_id} .error")).to_contain_text("必须拍照")

    # A photo chosen on a form that is refused (no hazard title) is kept.
    failed = page.locator(f"#{failed_id}")
    failed.locator("textarea[name^=note]").fill("3号桥架盖板缺失，电缆外皮破损")
    failed.locator("input[name^=hazard_title]").fill("")
    failed.locator("input[type=file]").set_input_files(
        {"name": "cable.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator(".flash-info")).to_contain_text("草稿")
    failed = page.locator(f"#{failed_id}")
    expect(failed.locator("img[src*='/inspections/photos/']")).to_have_count(1)

    failed.locator("input[name^=hazard_title]").fill("煅烧车间3号桥架电缆破损")
    failed.locator("select[name^=hazard_level]").select_option("general")
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


def test_inspection_pages_fit_a_phone_screen(phone_page: Page, sign_in) -> None:
    page = phone_page
    sign_in(page, "workshop_safety_officer")
    for path in (
        "/",
        "/inspections/",
        "/inspections/new",
        "/inspections/new?unit=SODA-CARB",
        "/inspections/checklists",
        "/inspections/plans",
        "/inspections/history",
        "/inspections/units/SODA-CALC",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{path} is {width}px wide on a 390px phone"
