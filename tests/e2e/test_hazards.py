"""On a phone: a safety officer reports a hazard with a photo, the workshop head
assigns it with the 五定, the accountable post's holder submits, a supervisor
verifies, and the history tells the whole story."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, timedelta

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from safety.demo import org as demo_org


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def _open(details: Locator) -> Locator:
    """Open an action's <details> (a lone action is shown open already)."""
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def _sign_out(page: Page) -> None:
    page.locator("#sign-out").click()
    page.wait_for_load_state("load")


def test_phone_hazard_closed_loop(phone_page: Page, sign_in) -> None:
    page = phone_page
    title = f"煅烧车间楼梯扶手松动 {uuid.uuid4().hex[:6]}"

    # 1. 李明 (煅烧车间安全员) reports it with a photo (LEC is graded on risks, not here).
    sign_in(page, "workshop_safety_officer")
    page.goto("/hazards/new")
    page.locator("#title").fill(title)
    unit = page.locator("#unit_id option", has_text="煅烧车间").get_attribute("value")
    page.locator("#unit_id").select_option(unit)
    page.locator("#location").fill("煅烧炉二层楼梯")
    page.locator("#description").fill("扶手固定螺栓脱落，扶手晃动。")
    expect(page.locator("#risk_l")).to_have_count(0)  # LEC lives in the risk register now
    page.locator("#photos").set_input_files(
        {"name": "stairs.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    page.locator("#report-form input[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("已上报")
    expect(page.locator("#hazard-status")).to_have_attribute("data-status", "reported")
    number = page.locator(".hz-number").inner_text()
    assert re.fullmatch(r"YH-\d{4}-\d{4}", number)
    detail_url = page.url
    thumb = page.locator("#history .hz-photos img").first
    expect(thumb).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) > 0
    _sign_out(page)

    # 2. 黄志强 (煅烧车间主任) assigns it with the 五定 to the workshop's safety officer.
    sign_in(page, demo_org.email_of("huangzhiqiang"))
    page.goto(detail_url)
    assign = _open(page.locator("#action-assign"))
    # the picker names each post's holders after it: "煅烧车间 · 安全员（李明）"
    officer_post = assign.locator(
        "select[name=assign-accountable_post_id] option", has_text="煅烧车间 · 安全员"
    ).first.get_attribute("value")
    assign.locator("select[name=assign-accountable_post_id]").select_option(officer_post)
    deadline = (date.today() + timedelta(days=10)).isoformat()  # noqa: DTZ011
    assign.locator("input[name=assign-deadline]").fill(deadline)
    assign.locator("textarea[name=assign-measures]").fill("重新紧固扶手螺栓，全面检查楼梯扶手。")
    assign.locator("input[name=assign-funds]").fill("300")
    assign.locator("textarea[name=assign-contingency_plan]").fill("整改前设置警示牌，禁止倚靠。")
    assign.locator("input[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#hazard-status")).to_have_attribute("data-status", "rectifying")
    _sign_out(page)

    # 3. 李明 holds the accountable post: he submits the rectification with a photo.
    sign_in(page, "workshop_safety_officer")
    page.goto("/")
    expect(page.locator("#to-rectify")).to_contain_text(number)
    page.locator("#to-rectify").get_by_text(number).click()
    submit = _open(page.locator("#action-submit"))
    submit.locator("textarea[name=submit-note]").fill("螺栓已紧固，扶手牢固。")
    submit.locator("input[type=file]").set_input_files(
        {"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    submit.locator("input[type=submit]").click()
    expect(page.locator("#hazard-status")).to_have_attribute("data-status", "pending_verification")
    # The submitter is never offered verification.
    expect(page.locator("#action-verify")).to_have_count(0)
    _sign_out(page)

    # 4. 周静 (安全环保部安全主管) verifies it.
    sign_in(page, "safety_supervisor")
    page.goto(detail_url)
    verify = _open(page.locator("#action-verify"))
    verify.locator("textarea[name=verify-note]").fill("现场复查合格。")
    verify.locator("input[type=submit]").click()
    expect(page.locator("#hazard-status")).to_have_attribute("data-status", "closed")

    # The history tells the whole story, with both photos.
    history = page.locator("#history > li")
    expect(history).to_have_count(4)
    expect(history.nth(0)).to_contain_text("李明")
    expect(history.nth(1)).to_contain_text("黄志强")
    expect(history.nth(2)).to_contain_text("螺栓已紧固")
    expect(history.nth(3)).to_contain_text("周静")
    expect(page.locator("#history .hz-photos img")).to_have_count(2)

    # And the register finds it.
    page.goto(f"/hazards/?q={number}")
    expect(page.locator(".hz-table")).to_contain_text(title)
