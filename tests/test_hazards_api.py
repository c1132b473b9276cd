"""The hazards JSON API, per the contract: shapes, the loop, 401/403/404/409/422."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests import builders
from tests.builders import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """A unit with a supervisor, a manager, a post with a holder, and a reporter."""
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    return {
        "unit": unit,
        "post": post,
        "holder": builders.make_holder(post, email="holder@example.com"),
        "manager": builders.grant_hazard_role(
            "main", unit, builders.make_user(email="manager@example.com")
        ),
        "supervisor": builders.grant_hazard_role(
            "supervision", unit, builders.make_user(email="supervisor@example.com")
        ),
        "reporter": builders.make_user(email="reporter@example.com"),
    }


def as_user(client: Any, email: str) -> Any:
    from tests.conftest import ApiClient

    return ApiClient(client).login(email)


def test_full_loop_through_the_api(client: Any, world: dict[str, Any]) -> None:
    reporter = as_user(client, "reporter@example.com")
    created = reporter.post(
        "/hazards",
        json={
            "title": "煅烧炉平台护栏缺失",
            "unit_id": world["unit"].id,
            "level": "general",
            "location": "煅烧炉三层平台",
            "risk": {"l": 3, "e": 6, "c": 15},
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "reported" and body["version"] == 1
    assert body["number"] == "YH-2026-0001"
    assert body["risk"]["d"] == 270 and body["risk"]["grade"] == "significant"
    hid = body["id"]

    manager = as_user(client, "manager@example.com")
    assigned = manager.post(
        f"/hazards/{hid}/assign",
        json={
            "version": 1,
            "accountable_post_id": world["post"].id,
            "deadline": (TODAY + timedelta(days=7)).isoformat(),
            "measures": "加装护栏",
            "funds": 3000,
            "contingency_plan": "设置警戒线",
        },
    )
    assert assigned.status_code == 200, assigned.get_json()
    body = assigned.get_json()
    assert body["status"] == "rectifying" and body["version"] == 2
    assert body["accountable_post_id"] == world["post"].id
    assert body["accountable_holders"] == [
        {"id": world["holder"].id, "name": world["holder"].name, "email": "holder@example.com"}
    ]
    assert body["overdue"] is False and body["days_overdue"] == 0

    holder = as_user(client, "holder@example.com")
    submitted = holder.post(f"/hazards/{hid}/submit", json={"version": 2, "note": "护栏已装"})
    assert submitted.get_json()["status"] == "pending_verification", submitted.get_json()

    supervisor = as_user(client, "supervisor@example.com")
    verified = supervisor.post(f"/hazards/{hid}/verify", json={"version": 3, "note": "合格"})
    assert verified.status_code == 200
    body = verified.get_json()
    assert body["status"] == "closed"
    history = [(h["action"], h["actor_id"], h["note"]) for h in body["history"]]
    assert history == [
        ("report", world["reporter"].id, None),
        ("assign", world["manager"].id, "加装护栏"),
        ("submit", world["holder"].id, "护栏已装"),
        ("verify", world["supervisor"].id, "合格"),
    ]
    assert all(h["at"].startswith("2026-03-12T02:00:00") for h in body["history"])


def test_stale_version_is_409(client: Any, world: dict[str, Any]) -> None:
    hazard = builders.make_hazard("rectifying", unit=world["unit"], accountable_post=world["post"])
    manager = as_user(client, "manager@example.com")
    response = manager.post(
        f"/hazards/{hazard.id}/extend",
        json={"version": 1, "deadline": (TODAY + timedelta(days=40)).isoformat(), "reason": "x"},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (
        error["code"] == "conflict"
        and "reload" in error["message"].lower()
        or "刷新" in error["message"]
    )


def test_disallowed_transition_is_409(client: Any, world: dict[str, Any]) -> None:
    hazard = builders.make_hazard("closed", unit=world["unit"])
    supervisor = as_user(client, "supervisor@example.com")
    response = supervisor.post(
        f"/hazards/{hazard.id}/verify", json={"version": hazard.version, "note": "x"}
    )
    assert response.status_code == 409
    response = supervisor.post(f"/hazards/{hazard.id}/void", json={"version": 4, "reason": "x"})
    assert response.status_code == 409


def test_not_permitted_is_403(client: Any, world: dict[str, Any]) -> None:
    hazard = builders.make_hazard("reported", unit=world["unit"])
    reporter = as_user(client, "reporter@example.com")
    response = reporter.post(
        f"/hazards/{hazard.id}/void", json={"version": hazard.version, "reason": "x"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_submitter_cannot_verify_over_api(client: Any, world: dict[str, Any]) -> None:
    hazard = builders.make_hazard(
        "pending_verification",
        unit=world["unit"],
        accountable_post=world["post"],
        submitter=world["holder"],
    )
    builders.grant_hazard_role("supervision", world["unit"], world["holder"])
    holder = as_user(client, "holder@example.com")
    response = holder.post(f"/hazards/{hazard.id}/verify", json={"version": hazard.version})
    assert response.status_code == 403


def test_without_token_is_401(client: Any, world: dict[str, Any]) -> None:
    assert client.get("/api/v1/hazards").status_code == 401
    assert client.post("/api/v1/hazards", json={}).status_code == 401


def test_unknown_hazard_is_404(client: Any, world: dict[str, Any]) -> None:
    reporter = as_user(client, "reporter@example.com")
    assert reporter.get("/hazards/999").status_code == 404
    response = reporter.post("/hazards/999/void", json={"version": 1, "reason": "x"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


BAD_REPORTS = [
    ({}, "title"),
    ({"title": "x"}, "unit_id"),
    ({"title": "x", "unit_id": 99999}, "unit_id"),
    ({"title": "x", "unit_id": "abc"}, "unit_id"),
    ({"title": "", "unit_id": None}, "title"),
    ({"title": "x", "level": "catastrophic"}, "level"),
    ({"title": "x", "found_at": "not a date"}, "found_at"),
    ({"title": "x", "risk": {"l": "high", "e": 1, "c": 1}}, "risk.l"),
    ({"title": "x", "risk": {"l": 3, "e": 1}}, "risk.c"),
]


def test_bad_report_is_422_naming_the_field(
    client: Any, world: dict[str, Any], subtests: Any
) -> None:
    reporter = as_user(client, "reporter@example.com")
    for body, field in BAD_REPORTS:
        with subtests.test(field=field, body=str(body)):
            if "unit_id" not in body and field != "unit_id":
                body = {**body, "unit_id": world["unit"].id}
            response = reporter.post("/hazards", json=body)
            assert response.status_code == 422, response.get_json()
            assert field in response.get_json()["error"]["fields"]
    assert reporter.get("/hazards").get_json()["items"] == []


BAD_ASSIGNS = [
    ({"deadline": (TODAY - timedelta(days=1)).isoformat()}, "deadline"),
    ({"deadline": "soon"}, "deadline"),
    ({"funds": -1}, "funds"),
    ({"funds": "a lot"}, "funds"),
    ({"accountable_post_id": 99999}, "accountable_post_id"),
    ({"measures": ""}, "measures"),
    ({"contingency_plan": "  "}, "contingency_plan"),
    ({"version": None}, "version"),
    ({"version": "x"}, "version"),
]


def test_bad_assign_is_422_and_changes_nothing(
    client: Any, world: dict[str, Any], subtests: Any
) -> None:
    hazard = builders.make_hazard(unit=world["unit"])
    manager = as_user(client, "manager@example.com")
    for over, field in BAD_ASSIGNS:
        with subtests.test(field=field, over=str(over)):
            body = {
                "version": 1,
                "accountable_post_id": world["post"].id,
                "deadline": (TODAY + timedelta(days=7)).isoformat(),
                "measures": "m",
                "funds": 10,
                "contingency_plan": "c",
                **over,
            }
            body = {k: v for k, v in body.items() if v is not None}
            response = manager.post(f"/hazards/{hazard.id}/assign", json=body)
            assert response.status_code == 422, response.get_json()
            assert field in response.get_json()["error"]["fields"]
            again = manager.get(f"/hazards/{hazard.id}").get_json()
            assert again["status"] == "reported" and again["version"] == 1


def test_major_hazard_assign_needs_the_plan(client: Any, world: dict[str, Any]) -> None:
    hazard = builders.make_hazard(unit=world["unit"], level="major")
    manager = as_user(client, "manager@example.com")
    body = {
        "version": 1,
        "accountable_post_id": world["post"].id,
        "deadline": (TODAY + timedelta(days=30)).isoformat(),
        "measures": "m",
        "funds": 10,
        "contingency_plan": "c",
        "plan": {"objective": "消除泄漏风险", "methods": ""},
    }
    response = manager.post(f"/hazards/{hazard.id}/assign", json=body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"plan.methods", "plan.resources", "plan.safety_measures"} <= set(fields)
    assert "plan.objective" not in fields
    body["plan"] = {
        p: "内容"
        for p in (
            "objective",
            "methods",
            "resources",
            "organisation",
            "schedule",
            "safety_measures",
        )
    }
    assert manager.post(f"/hazards/{hazard.id}/assign", json=body).status_code == 200


def test_list_filters_and_overdue_fields(client: Any, world: dict[str, Any]) -> None:
    child = builders.make_unit(parent=world["unit"])
    late = builders.make_hazard(
        "rectifying", unit=child, accountable_post=world["post"], deadline=TODAY - timedelta(days=3)
    )
    builders.make_hazard("rectifying", unit=world["unit"], accountable_post=world["post"])
    builders.make_hazard("closed", unit=builders.make_unit(), level="major")
    reporter = as_user(client, "reporter@example.com")

    body = reporter.get("/hazards?overdue=true").get_json()
    assert [h["id"] for h in body["items"]] == [late.id]
    item = body["items"][0]
    assert item["overdue"] is True and item["days_overdue"] == 3
    assert item["deadline"] == (TODAY - timedelta(days=3)).isoformat()
    assert item["accountable_holders"][0]["email"] == "holder@example.com"

    assert len(reporter.get(f"/hazards?unit_id={world['unit'].id}").get_json()["items"]) == 2
    assert len(reporter.get(f"/hazards?unit_id={child.id}").get_json()["items"]) == 1
    assert len(reporter.get("/hazards?level=major").get_json()["items"]) == 1
    assert len(reporter.get("/hazards?status=rectifying").get_json()["items"]) == 2
    assert len(reporter.get("/hazards?overdue=false").get_json()["items"]) == 2
    assert reporter.get("/hazards?status=bogus").status_code == 422
    assert reporter.get("/hazards?limit=0").status_code == 422
    assert reporter.get("/hazards?limit=201").status_code == 422
    assert reporter.get("/hazards?cursor=garbage").status_code == 422


def test_list_pages_with_cursor(client: Any, world: dict[str, Any]) -> None:
    made = {builders.make_hazard(unit=world["unit"]).id for _ in range(5)}
    reporter = as_user(client, "reporter@example.com")
    seen: list[int] = []
    url = "/hazards?limit=2"
    while url:
        body = reporter.get(url).get_json()
        seen += [h["id"] for h in body["items"]]
        url = f"/hazards?limit=2&cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert sorted(seen) == sorted(made)


def test_openapi_lists_the_hazard_paths(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for action in ("assign", "submit", "verify", "reject", "extend", "void"):
        assert f"/api/v1/hazards/{{hazard_id}}/{action}" in paths
