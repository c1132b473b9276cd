"""Major hazards by the rules (contract §7): criteria, 即查即改, approval, the
authority, evaluation, write-off, extension requests and their cap, regrade;
and the repeats and duplicates of issue 11."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from safety.extensions import db
from safety.models import Hazard, HazardStatus
from safety.services import hazards
from tests import builders
from tests.builders import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """A unit with its principal (main), a deputy (leadership), a supervisor, a holder."""
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    return {
        "unit": unit,
        "post": post,
        "holder": builders.make_holder(post, email="holder@example.com"),
        "principal": builders.grant_hazard_role(
            "main", unit, builders.make_user(email="principal@example.com")
        ),
        "deputy": builders.grant_hazard_role(
            "leadership", unit, builders.make_user(email="deputy@example.com")
        ),
        "supervisor": builders.grant_hazard_role(
            "supervision", unit, builders.make_user(email="supervisor@example.com")
        ),
        "reporter": builders.make_user(email="reporter@example.com"),
        "admin": builders.make_user(email="admin@example.com", is_admin=True),
    }


def as_user(client: Any, email: str) -> Any:
    from tests.conftest import ApiClient

    return ApiClient(client).login(email)


def report_major(client: Any, world: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "title": "氨气泄漏报警仪失效",
        "unit_id": world["unit"].id,
        "level": "major",
        "criterion": "HG2017-12",
        **extra,
    }
    response = as_user(client, "reporter@example.com").post("/hazards", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assign_major(client: Any, world: dict[str, Any], hazard: dict[str, Any]) -> dict[str, Any]:
    response = as_user(client, "deputy@example.com").post(
        f"/hazards/{hazard['id']}/assign",
        json={
            "version": hazard["version"],
            "accountable_post_id": world["post"].id,
            "deadline": (TODAY + timedelta(days=20)).isoformat(),
            "measures": "更换探头并标定",
            "funds": 48000,
            "plan": {part: "内容" for part in hazards.PLAN_PARTS},
            "stop_work": True,
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    # The emergency measures were asked once: the plan's safety measures stand in.
    assert body["contingency_plan"] == "内容" and body["stop_work"] is True
    return body


def act(client: Any, email: str, hazard: dict[str, Any], action: str, **data: Any) -> Any:
    return as_user(client, email).post(
        f"/hazards/{hazard['id']}/{action}", json={"version": hazard["version"], **data}
    )


def test_criteria_are_shipped_with_their_twenty_items(client: Any, world: dict) -> None:
    sets = as_user(client, "reporter@example.com").get("/major-criteria").get_json()
    chemical = next(s for s in sets if s["code"] == "HG2017")
    assert chemical["version"] == "2017" and "121号" in chemical["title"]
    assert len(chemical["items"]) == 20
    assert chemical["items"][0]["text"].startswith("危险化学品生产、经营单位主要负责人")
    assert chemical["items"][19]["text"].endswith("相互禁配物质混放混存。")


@pytest.mark.parametrize("criterion", [None, "", "NOPE-1"])
def test_a_major_hazard_needs_a_known_criterion(
    client: Any, world: dict, criterion: str | None
) -> None:
    response = as_user(client, "reporter@example.com").post(
        "/hazards",
        json={"title": "x", "unit_id": world["unit"].id, "level": "major", "criterion": criterion},
    )
    assert response.status_code == 422
    assert "criterion" in response.get_json()["error"]["fields"]
    assert db.session.query(Hazard).count() == 0


def test_check_criterion_is_the_rule_for_other_forms(app: Any) -> None:
    errors: dict[str, str] = {}
    assert hazards.check_criterion("major", "HG2017-01", errors) == "HG2017-01"
    assert hazards.check_criterion("general", "anything", errors) is None
    assert hazards.check_criterion("major", "XX", errors) is None and "criterion" in errors


def test_general_hazard_may_carry_its_basis(client: Any, world: dict) -> None:
    response = as_user(client, "reporter@example.com").post(
        "/hazards",
        json={"title": "护栏缺失", "unit_id": world["unit"].id, "basis": "GB 4053.3-2009"},
    )
    assert response.get_json()["basis"] == "GB 4053.3-2009"


def test_fixed_on_the_spot_closes_a_general_hazard_only(client: Any, world: dict) -> None:
    reporter = as_user(client, "reporter@example.com")
    response = reporter.post(
        "/hazards",
        json={
            "title": "消防通道堆放杂物",
            "unit_id": world["unit"].id,
            "fixed_on_spot": True,
            "measures": "当场清理",
        },
    )
    body = response.get_json()
    assert response.status_code == 201 and body["status"] == "closed"
    assert [h["action"] for h in body["history"]] == ["report", "fixed_on_spot"]
    missing = reporter.post(
        "/hazards", json={"title": "y", "unit_id": world["unit"].id, "fixed_on_spot": True}
    )
    assert missing.status_code == 422 and "measures" in missing.get_json()["error"]["fields"]
    major = reporter.post(
        "/hazards",
        json={
            "title": "z",
            "unit_id": world["unit"].id,
            "level": "major",
            "criterion": "HG2017-02",
            "fixed_on_spot": True,
            "measures": "m",
        },
    )
    assert major.status_code == 422 and "fixed_on_spot" in major.get_json()["error"]["fields"]


def test_listed_major_hazard_from_report_to_write_off(client: Any, world: dict) -> None:
    hazard = assign_major(client, world, report_major(client, world))
    # Submitting before the plan is approved is a state conflict.
    assert act(client, "holder@example.com", hazard, "submit", note="done").status_code == 409
    # Only the principal (main) approves; the deputy and an admin may not.
    for email in ("deputy@example.com", "admin@example.com"):
        assert act(client, email, hazard, "approve-plan", note="ok").status_code == 403
    approved = act(client, "principal@example.com", hazard, "approve-plan", note="同意")
    assert approved.status_code == 200 and approved.get_json()["plan_approved_at"]
    hazard = approved.get_json()
    reported = act(
        client,
        "deputy@example.com",
        hazard,
        "report-authority",
        authority="市应急管理局",
        reported_on=TODAY.isoformat(),
        listed=True,
        supervision_deadline=(TODAY + timedelta(days=30)).isoformat(),
    )
    assert reported.status_code == 200, reported.get_json()
    hazard = reported.get_json()
    hazard = act(client, "holder@example.com", hazard, "submit", note="已更换").get_json()
    no_evaluation = act(client, "supervisor@example.com", hazard, "verify", note="ok")
    assert no_evaluation.status_code == 422
    assert "evaluation" in no_evaluation.get_json()["error"]["fields"]
    verified = act(client, "supervisor@example.com", hazard, "verify", evaluation="已消除")
    hazard = verified.get_json()
    assert hazard["status"] == "pending_writeoff" and hazard["closed_at"] is None
    written = act(
        client,
        "deputy@example.com",
        hazard,
        "write-off",
        authority="市应急管理局",
        decided_on=TODAY.isoformat(),
        document_no="应急核〔2026〕1号",
    )
    hazard = written.get_json()
    assert written.status_code == 200 and hazard["status"] == "closed"
    assert [h["action"] for h in hazard["history"]] == [
        "report",
        "assign",
        "approve_plan",
        "report_authority",
        "submit",
        "verify",
        "write_off",
    ]


def test_unlisted_major_hazard_closes_on_verify(client: Any, world: dict) -> None:
    hazard = assign_major(client, world, report_major(client, world))
    hazard = act(client, "principal@example.com", hazard, "approve-plan").get_json()
    hazard = act(
        client,
        "deputy@example.com",
        hazard,
        "report-authority",
        authority="区应急管理局",
        reported_on=TODAY.isoformat(),
        listed=False,
    ).get_json()
    hazard = act(client, "holder@example.com", hazard, "submit", note="done").get_json()
    hazard = act(client, "supervisor@example.com", hazard, "verify", evaluation="ok").get_json()
    assert hazard["status"] == "closed"
    written = act(
        client,
        "deputy@example.com",
        hazard,
        "write-off",
        authority="a",
        decided_on=TODAY.isoformat(),
    )
    assert written.status_code == 409


def test_extensions_are_requested_and_capped(client: Any, world: dict) -> None:
    reporter = as_user(client, "reporter@example.com")
    hazard = reporter.post("/hazards", json={"title": "t", "unit_id": world["unit"].id}).get_json()
    hazard = act(
        client,
        "deputy@example.com",
        hazard,
        "assign",
        accountable_post_id=world["post"].id,
        deadline=(TODAY + timedelta(days=5)).isoformat(),
        measures="m",
        funds=0,
        contingency_plan="c",
    ).get_json()
    later = (TODAY + timedelta(days=9)).isoformat()
    assert act(client, "deputy@example.com", hazard, "request-extension", deadline=later,
               reason="r").status_code == 403  # fmt: skip
    asked = act(client, "holder@example.com", hazard, "request-extension", deadline=later,
                reason="备件未到")  # fmt: skip
    hazard = asked.get_json()
    assert (
        asked.status_code == 200 and hazard["deadline"] == (TODAY + timedelta(days=5)).isoformat()
    )
    assert hazard["extension_requested"] == later
    refused = act(client, "deputy@example.com", hazard, "refuse-extension", reason="可以完成")
    hazard = refused.get_json()
    assert refused.status_code == 200 and hazard["extension_requested"] is None
    assert (
        act(client, "deputy@example.com", hazard, "refuse-extension", reason="x").status_code == 409
    )
    for days in (10, 15):
        response = act(
            client,
            "deputy@example.com",
            hazard,
            "extend",
            deadline=(TODAY + timedelta(days=days)).isoformat(),
            reason="同意",
        )
        assert response.status_code == 200
        hazard = response.get_json()
    assert hazard["extension_count"] == 2
    third = act(
        client,
        "deputy@example.com",
        hazard,
        "extend",
        deadline=(TODAY + timedelta(days=20)).isoformat(),
        reason="再延",
    )
    assert third.status_code == 409
    actions = [h["action"] for h in hazard["history"]]
    assert actions[-4:] == ["request_extension", "refuse_extension", "extend", "extend"]


def test_regrade_needs_the_criterion_and_a_reason(client: Any, world: dict) -> None:
    reporter = as_user(client, "reporter@example.com")
    hazard = reporter.post("/hazards", json={"title": "t", "unit_id": world["unit"].id}).get_json()
    bad = act(client, "deputy@example.com", hazard, "regrade", level="major", reason="")
    assert bad.status_code == 422 and {"criterion", "reason"} <= set(
        bad.get_json()["error"]["fields"]
    )
    assert act(client, "reporter@example.com", hazard, "regrade", level="major",
               criterion="HG2017-02", reason="r").status_code == 403  # fmt: skip
    done = act(
        client, "deputy@example.com", hazard, "regrade", level="major", criterion="HG2017-02",
        reason="经判定属于重大隐患",
    )  # fmt: skip
    body = done.get_json()
    assert body["level"] == "major" and body["criterion"] == "HG2017-02"
    assert body["history"][-1]["action"] == "regrade"


def test_criteria_import_from_json(runner: Any, tmp_path: Path, app: Any) -> None:
    good = tmp_path / "mine.json"
    good.write_text(
        json.dumps(
            {
                "code": "KS2017",
                "title": "金属非金属矿山重大生产安全事故隐患判定标准",
                "version": "2017",
                "items": [{"code": "KS-1", "text": "安全出口不符合要求"}],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["criteria", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "KS-1" in hazards.criterion_texts()
    again = runner.invoke(args=["criteria", "import", str(good)])
    assert again.exit_code != 0 and "already published" in again.output
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "code": "X",
                "title": "t",
                "version": "1",
                "items": [{"code": "X-1", "text": "a"}, {"code": "X-2", "text": ""}],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["criteria", "import", str(bad)])
    assert result.exit_code != 0 and "items[1]" in result.output
    assert "X-1" not in hazards.criterion_texts()


def test_criteria_import_from_excel(runner: Any, tmp_path: Path, app: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["YH2022", "烟花爆竹", "2022"])
    sheet.append(["YH-1", "条目一"])
    sheet.append(["YH-2", None])
    path = tmp_path / "set.xlsx"
    book.save(path)
    result = runner.invoke(args=["criteria", "import", str(path)])
    assert result.exit_code != 0 and "row 3" in result.output


def test_a_hazard_like_one_closed_recently_is_a_repeat(app: Any) -> None:
    unit = builders.make_unit()
    old = builders.make_hazard("closed", unit=unit, title="3号道口声光报警器故障")
    assert not old.repeat
    again = builders.make_hazard(unit=unit, title="3号道口声光报警器 故障！")
    other_unit = builders.make_hazard(title="3号道口声光报警器故障")
    different = builders.make_hazard(unit=unit, title="配电室电缆沟盖板破损")
    assert again.repeat and again.repeat_of_id == old.id
    assert not other_unit.repeat and not different.repeat
    assert hazards.count_repeats([unit.id]) == 1
    assert hazards.count_repeats() == 1
    late = builders.make_hazard(
        unit=unit, title="3号道口声光报警器故障", now=NOW + timedelta(days=91)
    )
    assert not late.repeat


def test_report_form_warns_of_a_similar_open_hazard(client: Any, auth: Any, app: Any) -> None:
    from tests.conftest import csrf_token_from

    unit = builders.make_unit()
    first = builders.make_hazard(unit=unit, title="重碱过滤机皮带轮防护罩缺失")
    builders.make_user(email="me@example.com")
    auth.login("me@example.com")
    page = client.get("/hazards/new").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(page),
        "title": "过滤机皮带轮防护罩缺失",
        "unit_id": str(unit.id),
        "level": "general",
    }
    warned = client.post("/hazards/new", data=form)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 200 and first.number in html and 'id="similar-hazards"' in html
    assert db.session.query(Hazard).count() == 1
    form["confirm_similar"] = "1"
    assert client.post("/hazards/new", data=form).status_code == 302
    assert db.session.query(Hazard).count() == 2


def test_major_page_shows_the_procedure_and_the_authority_report(
    client: Any, auth: Any, world: dict
) -> None:
    hazard = builders.make_hazard("rectifying", level="major", unit=world["unit"])
    auth.login("deputy@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert 'id="major-procedure"' in html
    current = html[html.index('aria-current="step"') :]
    assert world["deputy"].name in current[: current.index("</li>")]  # report to authority
    report = client.get(f"/hazards/{hazard.id}/authority-report").get_data(as_text=True)
    for part in ("part-status", "part-harm", "part-plan"):
        assert f'id="{part}"' in report
    general = builders.make_hazard()
    assert client.get(f"/hazards/{general.id}/authority-report").status_code == 404


def test_lec_labels_and_words_are_translated(client: Any, auth: Any, app: Any) -> None:
    builders.make_user(email="zh@example.com")
    auth.login("zh@example.com")
    html = client.get("/hazards/new").get_data(as_text=True)
    assert "Quite possible" not in html and "发现日期" in html
    assert HazardStatus.REPORTED.value  # the status word is checked in the catalogue test


def test_major_board_lists_open_major_hazards_most_at_risk_first(
    client: Any, auth: Any, world: dict
) -> None:
    unit = world["unit"]
    later = builders.make_hazard(
        "rectifying", level="major", unit=unit, title="晚到期", deadline=TODAY + timedelta(days=20)
    )
    sooner = builders.make_hazard(
        "rectifying", level="major", unit=unit, title="早到期", deadline=TODAY + timedelta(days=2)
    )
    builders.make_hazard("closed", level="major", unit=unit, title="已关闭重大")
    builders.make_hazard("rectifying", unit=unit, title="一般隐患")
    auth.login("reporter@example.com")
    html = client.get("/hazards/major").get_data(as_text=True)
    board = html[html.index('id="major-board"') :]
    assert board.index(sooner.number) < board.index(later.number)
    assert "已关闭重大" not in board and "一般隐患" not in board


def test_my_work_lists_requests_to_decide_and_plans_to_approve(world: dict) -> None:
    unit = world["unit"]
    hazard = builders.make_hazard("rectifying", unit=unit, accountable_post=world["post"])
    hazards.request_extension(
        world["holder"],
        hazard,
        {"deadline": hazard.deadline + timedelta(days=3), "reason": "备件未到"},
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    major = builders.make_hazard("reported", level="major", unit=unit)
    hazards.perform(
        major,
        "assign",
        world["deputy"],
        {
            "accountable_post_id": world["post"].id,
            "deadline": TODAY + timedelta(days=9),
            "measures": "m",
            "funds": 1,
            "plan": {part: "内容" for part in hazards.PLAN_PARTS},
        },
        major.version,
        now=NOW,
        today=TODAY,
    )
    deputy = hazards.my_work(world["deputy"], today=TODAY)
    assert [h.id for h in deputy.to_decide] == [hazard.id] and deputy.to_approve == []
    principal = hazards.my_work(world["principal"], today=TODAY)
    assert [h.id for h in principal.to_approve] == [major.id]


def test_post_picker_puts_the_units_posts_first_with_holders(
    client: Any, auth: Any, world: dict
) -> None:
    elsewhere = builders.make_post(unit=builders.make_unit())
    builders.make_holder(elsewhere)
    hazard = builders.make_hazard(unit=world["unit"])
    auth.login("deputy@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    select = html[html.index('name="assign-accountable_post_id"') :]
    select = select[: select.index("</select>")]
    assert 'data-search="1"' in html and 'id="post-search-hint"' in html
    own = select.index(f'value="{world["post"].id}"')
    assert own < select.index(f'value="{elsewhere.id}"')
    assert world["holder"].name in select[own : own + 200]


def test_the_dashboard_counts_the_period_s_repeat_hazards(client: Any, auth: Any, app: Any) -> None:
    """Issue 11: repeats (重复隐患) are counted on the dashboard."""
    from safety.services import reports

    unit = builders.make_unit()
    builders.make_hazard("closed", unit=unit, title="3号道口声光报警器故障")
    builders.make_hazard(unit=unit, title="3号道口声光报警器故障")
    scope = reports.resolve_scope(unit.id)
    period = reports.parse_period("2026-03", today=NOW.date())
    board = reports.dashboard(scope, period, today=NOW.date())
    assert board.repeats == 1
    admin = builders.make_user(is_admin=True)
    auth.login(admin.email)
    page = client.get(f"/reports/?unit_id={unit.id}&period=2026-03").get_data(as_text=True)
    assert 'id="kpi-repeats">1<' in page
