"""A listed major hazard from report to write-off (issue 16's journey), all through
the pages: report with its criterion, the 治理方案 with stop-work, the principal's
approval, the report to the authority (listed), the fix, verification with an
evaluation, 待核销 (never 已销号 before), the write-off, closed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Locator, Page, expect

from safety.demo import org as demo_org

HEAD = demo_org.email_of("huangzhiqiang")  # 黄志强, 煅烧车间主任: main for the workshop
PLAN = {
    "objective": "恢复氨气泄漏报警功能",
    "methods": "更换探头并标定",
    "resources": "资金两万元，探头四只",
    "organisation": "车间主任负责，仪表班实施",
    "schedule": "十日内完成",
    "safety_measures": "整改期间停止卸氨作业，专人巡检",
}


def _open(details: Locator) -> Locator:
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def _sign_out(page: Page) -> None:
    page.locator("#sign-out").click()
    page.wait_for_load_state("load")


def _status(page: Page, status: str) -> None:
    expect(page.locator("#hazard-status")).to_have_attribute("data-status", status)


def test_listed_major_hazard_from_report_to_write_off(page: Page, sign_in) -> None:
    title = f"液氨卸车区氨气报警仪失效 {uuid.uuid4().hex[:6]}"
    today = date.today()  # noqa: DTZ011 (the server's own today)

    # 1. 李明 reports a major hazard, naming the item of the 2017 criteria it meets.
    sign_in(page, "workshop_safety_officer")
    page.goto("/hazards/new")
    page.locator("#title").fill(title)
    unit = page.locator("#unit_id option", has_text="煅烧车间").get_attribute("value")
    page.locator("#unit_id").select_option(unit)
    page.locator("input[name=level][value=major]").check()
    page.locator("#criterion").select_option("HG2017-05")
    page.locator("#description").fill("卸氨区两只报警探头无响应，已超过标定周期。")
    page.locator("#report-form input[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("已上报")
    _status(page, "reported")
    detail_url = page.url
    _sign_out(page)

    # 2. 黄志强 sets the 治理方案, with work stopped, for the workshop's safety officer.
    sign_in(page, HEAD)
    page.goto(detail_url)
    assign = _open(page.locator("#action-assign"))
    officer_post = assign.locator(
        "select[name=assign-accountable_post_id] option", has_text="煅烧车间 · 安全员"
    ).first.get_attribute("value")
    assign.locator("select[name=assign-accountable_post_id]").select_option(officer_post)
    assign.locator("input[name=assign-deadline]").fill((today + timedelta(days=20)).isoformat())
    assign.locator("textarea[name=assign-measures]").fill("更换报警探头，重新标定并联锁测试。")
    assign.locator("input[name=assign-funds]").fill("20000")
    assign.locator("input[name=assign-stop_work]").check()
    for part, text in PLAN.items():
        assign.locator(f"textarea[name=assign-plan_{part}]").fill(text)
    assign.locator("input[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    _status(page, "rectifying")
    expect(page.locator(".hz-stop-work").first).to_be_visible()

    # 3. As the workshop's principal (main) he approves the plan; the step is done.
    approve = _open(page.locator("#action-approve_plan"))
    approve.locator("textarea[name=approve_plan-note]").fill("同意按此方案治理。")
    approve.locator("input[type=submit]").click()
    expect(page.locator("li[data-step=approve_plan]")).to_have_class("hz-step hz-step-done")

    # 4. He records the report to the authority: listed, with a supervision deadline.
    report = _open(page.locator("#action-report_authority"))
    report.locator("input[name=report_authority-authority]").fill("市应急管理局")
    report.locator("input[name=report_authority-reported_on]").fill(today.isoformat())
    report.locator("input[name=report_authority-listed]").check()
    deadline = (today + timedelta(days=30)).isoformat()
    report.locator("input[name=report_authority-supervision_deadline]").fill(deadline)
    report.locator("input[type=submit]").click()
    expect(page.locator("li[data-step=report_authority]")).to_have_class("hz-step hz-step-done")
    expect(page.locator("li[data-step=write_off]")).to_have_count(1)  # listed: write-off ahead
    # The report to the authority prints its three parts and downloads as PDF.
    page.locator("#authority-report-link").click()
    for part in ("#part-status", "#part-harm", "#part-plan"):
        expect(page.locator(part)).to_be_visible()
    expect(page.locator("#authority-report")).to_contain_text("市应急管理局")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename.startswith("major-hazard-report-")
    _sign_out(page)

    # 5. 李明 holds the accountable post: he submits the work.
    sign_in(page, "workshop_safety_officer")
    page.goto(detail_url)
    submit = _open(page.locator("#action-submit"))
    submit.locator("textarea[name=submit-note]").fill("探头已更换并标定，联锁测试正常。")
    submit.locator("input[type=submit]").click()
    _status(page, "pending_verification")
    _sign_out(page)

    # 6. 周静 verifies with the evaluation (评估) a major hazard needs.
    sign_in(page, "safety_supervisor")
    page.goto(detail_url)
    verify = _open(page.locator("#action-verify"))
    verify.locator("textarea[name=verify-note]").fill("现场复查合格。")
    verify.locator("textarea[name=verify-evaluation]").fill("报警功能恢复，隐患已消除。")
    verify.locator("input[type=submit]").click()
    # Listed: it waits for the authority's write-off, shown as 待核销 and never 已销号.
    _status(page, "pending_writeoff")
    expect(page.locator("#hazard-status")).to_contain_text("待核销")
    expect(page.locator("#hazard-status")).not_to_contain_text("已销号")
    _sign_out(page)

    # 7. 黄志强 records the write-off: authority, date, document number; closed.
    sign_in(page, HEAD)
    page.goto(detail_url)
    write_off = _open(page.locator("#action-write_off"))
    write_off.locator("input[name=write_off-authority]").fill("市应急管理局")
    write_off.locator("input[name=write_off-decided_on]").fill(today.isoformat())
    write_off.locator("input[name=write_off-document_no]").fill("应急核〔2026〕7号")
    write_off.locator("input[type=submit]").click()
    _status(page, "closed")
    expect(page.locator("#hazard-status")).to_contain_text("已销号")
    expect(page.locator("li[data-step=write_off]")).to_have_class("hz-step hz-step-done")
    history = page.locator("#history > li")
    expect(history).to_have_count(7)
    expect(history.last).to_contain_text("已核销")
    expect(page.locator("dd", has_text="应急核〔2026〕7号")).to_be_visible()
