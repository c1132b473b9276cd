"""The contract end to end, through the API and the CLI only.

One organisation is built, its matrix signed, a hazard taken round the closed
loop, another reminded by email: the pieces of every area working together as
an outside program sees them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.smtp import smtp_fixture  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 12, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
TODAY = date(2026, 3, 12)
PASSWORD = "walkthrough 1"


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _token(client, email):
    body = _ok(client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}), 201)
    assert body["expires_at"]
    return {"Authorization": f"Bearer {body['token']}"}


def test_an_organisation_runs_its_safety_loop_through_the_contract(
    travel, smtp, app, client, runner
):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "管理员",
            "--password",
            PASSWORD,
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "x",
            "--password",
            PASSWORD,
        ]
    )
    assert duplicate.exit_code != 0
    admin = _token(client, "root@example.com")

    def post(path, body, headers=admin, status=201):
        return _ok(client.post(f"/api/v1{path}", json=body, headers=headers), status)

    def get(path, headers=admin, status=200):
        return _ok(client.get(f"/api/v1{path}", headers=headers), status)

    # Organisation.
    hq = post("/units", {"name": "集团总部", "code": "HQ"})
    plant = post("/units", {"name": "纯碱厂", "code": "SODA", "parent_id": hq["id"]})
    gm = post("/posts", {"title": "总经理", "unit_id": hq["id"], "level": "decision"})
    head = post(
        "/posts",
        {
            "title": "厂长",
            "unit_id": plant["id"],
            "level": "management",
            "superior_post_id": gm["id"],
        },
    )
    sup = post(
        "/posts",
        {
            "title": "安全主管",
            "unit_id": hq["id"],
            "level": "management",
            "superior_post_id": gm["id"],
        },
    )
    officer_post = post(
        "/posts",
        {
            "title": "安全员",
            "unit_id": plant["id"],
            "level": "operation",
            "superior_post_id": head["id"],
        },
    )
    people = {}
    for key, name, locale in [
        ("gm", "王总", "zh_CN"),
        ("head", "孙厂长", "en"),
        ("sup", "周主管", "zh_CN"),
        ("officer", "李明", "zh_CN"),
    ]:
        people[key] = post(
            "/users",
            {"email": f"{key}@example.com", "name": name, "password": PASSWORD, "locale": locale},
        )
    for key, p in [("gm", gm), ("head", head), ("sup", sup), ("officer", officer_post)]:
        post(
            f"/posts/{p['id']}/holders", {"user_id": people[key]["id"], "start_date": "2026-01-01"}
        )
    assert [h["user_id"] for h in get(f"/posts/{head['id']}/holders")["items"]] == [
        people["head"]["id"]
    ]
    tokens = {key: _token(client, f"{key}@example.com") for key in people}
    post("/units", {"name": "x", "code": "X"}, headers=tokens["head"], status=403)

    # Responsibility matrix and sign-off.
    duty = post("/duties", {"title": "组织隐患排查治理", "category": "production_operation"})
    post("/responsibilities", {"post_id": gm["id"], "unit_id": hq["id"], "kind": "main"})
    post(
        "/responsibilities",
        {"post_id": head["id"], "unit_id": plant["id"], "kind": "main", "duty_id": duty["id"]},
    )
    post("/responsibilities", {"post_id": sup["id"], "unit_id": hq["id"], "kind": "supervision"})
    bad = client.post(
        "/api/v1/responsibilities",
        headers=admin,
        json={"post_id": head["id"], "unit_id": plant["id"], "kind": "boss"},
    )
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["fields"]
    matrix = get("/matrix")
    assert {"post_id": head["id"], "unit_id": plant["id"], "kinds": ["main"]} in matrix["cells"]
    unsigned = {(g["type"], g.get("post_id")) for g in matrix["gaps"]}
    assert ("unacknowledged", head["id"]) in unsigned
    listing = get(f"/posts/{head['id']}/responsibility-list", headers=tokens["head"])
    assert listing["version"] >= 1 and listing["items"]
    post(f"/posts/{head['id']}/acknowledgements", {}, headers=tokens["officer"], status=403)
    post(f"/posts/{head['id']}/acknowledgements", {}, headers=tokens["head"])
    signed = get(f"/posts/{head['id']}/responsibility-list")["acknowledgements"]
    assert [a["user_id"] for a in signed] == [people["head"]["id"]]
    gaps = {(g["type"], g.get("post_id")) for g in get("/matrix")["gaps"]}
    assert ("unacknowledged", head["id"]) not in gaps

    # The closed loop.
    hazard = post(
        "/hazards",
        {
            "title": "碳化塔液位计失灵",
            "unit_id": plant["id"],
            "level": "general",
            "risk": {"l": 3, "e": 6, "c": 7},
        },
        headers=tokens["officer"],
    )
    assert hazard["status"] == "reported" and hazard["number"]
    five = {
        "accountable_post_id": head["id"],
        "deadline": str(TODAY + timedelta(days=2)),
        "measures": "更换液位计",
        "funds": 3000,
        "contingency_plan": "人工巡检",
    }
    post(
        f"/hazards/{hazard['id']}/assign",
        {**five, "version": hazard["version"]},
        headers=tokens["officer"],
        status=403,
    )
    late = {**five, "deadline": str(TODAY - timedelta(days=1)), "version": hazard["version"]}
    post(f"/hazards/{hazard['id']}/assign", late, headers=tokens["head"], status=422)
    assigned = post(
        f"/hazards/{hazard['id']}/assign",
        {**five, "version": hazard["version"]},
        headers=tokens["head"],
        status=200,
    )
    assert assigned["status"] == "rectifying"
    post(
        f"/hazards/{hazard['id']}/assign",
        {**five, "version": hazard["version"]},
        headers=tokens["head"],
        status=409,
    )
    submitted = post(
        f"/hazards/{hazard['id']}/submit",
        {"note": "已更换", "version": assigned["version"]},
        headers=tokens["head"],
        status=200,
    )
    post(
        f"/hazards/{hazard['id']}/verify",
        {"note": "ok", "version": submitted["version"]},
        headers=tokens["head"],
        status=403,
    )
    closed = post(
        f"/hazards/{hazard['id']}/verify",
        {"note": "复查合格", "version": submitted["version"]},
        headers=tokens["sup"],
        status=200,
    )
    assert closed["status"] == "closed"
    detail = get(f"/hazards/{hazard['id']}")
    assert [h["action"] for h in detail["history"]] == ["report", "assign", "submit", "verify"]

    # Inspections raise hazards.
    checklist = post("/checklists", {"name": "储罐区日常检查", "items": ["防火堤完好", "静电接地"]})
    inspection = post(
        "/inspections",
        {
            "unit_id": plant["id"],
            "checklist_id": checklist["id"],
            "performed_at": NOW.isoformat(),
            "items": [
                {"text": "防火堤完好", "result": "pass"},
                {
                    "text": "静电接地",
                    "result": "fail",
                    "note": "接地线断开",
                    "hazard": {
                        "title": "储罐静电接地线断开",
                        "level": "major",
                        "criterion": "HG2017-05",
                    },
                },
            ],
        },
        headers=tokens["officer"],
    )
    assert len(inspection["hazard_ids"]) == 1
    raised = get(f"/hazards/{inspection['hazard_ids'][0]}")
    assert raised["level"] == "major" and raised["status"] == "reported"

    # Reminders: a hazard due today reaches the accountable post's holder once.
    due = post(
        "/hazards",
        {"title": "消防通道堵塞", "unit_id": plant["id"], "level": "general"},
        headers=tokens["officer"],
    )
    post(
        f"/hazards/{due['id']}/assign",
        {**five, "deadline": str(TODAY), "version": due["version"]},
        headers=tokens["head"],
        status=200,
    )
    listed = get(f"/hazards?status=rectifying&unit_id={hq['id']}")["items"]
    assert [h["id"] for h in listed] == [due["id"]]
    assert listed[0]["overdue"] is False
    assert listed[0]["accountable_holders"][0]["email"] == "head@example.com"
    for _ in range(2):
        result = runner.invoke(args=["reminders", "run", "--now", "2026-03-12T08:00:00"])
        assert result.exit_code == 0, result.output
    to_head = smtp.to("head@example.com")
    assert len(to_head) == 1
    assert due["number"] in to_head[0].subject
    sent = get("/outbox?status=sent")["items"]
    assert any("head@example.com" in e["to"] for e in sent)
    get("/outbox", headers=tokens["head"], status=403)

    # And the audit log holds together.
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
