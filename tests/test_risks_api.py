"""Contract §6 through the JSON API: create, grade, control, check; 422/403/404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from tests import builders as b
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tree(app):
    root = b.make_unit(name="集团", code="G")
    plant = b.make_unit(name="纯碱厂", code="G01", parent=root)
    workshop = b.make_unit(name="蒸吸车间", code="G0101", parent=plant)
    return root, plant, workshop


@pytest.fixture
def admin_api(api, admin):
    return api.login(admin.email)


def _point(api, unit_id, **over):
    body = {"unit_id": unit_id, "name": "液氨储罐区", "kind": "installation", **over}
    response = api.post("/risk-points", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _risk(api, point_id, **over):
    body = {
        "event": "液氨泄漏中毒",
        "consequence": "中毒、爆炸",
        "method": "lec",
        "l": 3,
        "e": 6,
        "c": 40,
        **over,
    }
    response = api.post(f"/risk-points/{point_id}/risks", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_walkthrough(admin_api, tree):
    root, plant, workshop = tree
    point = _point(admin_api, workshop.id)
    assert point["kind"] == "installation" and point["unit_id"] == workshop.id
    risk = _risk(admin_api, point["id"])
    assert (risk["score"], risk["level"], risk["colour"]) == (720, "major", "red")
    direct = _risk(admin_api, point["id"], method="ls", l=1, s=2, direct_major_reason="重大危险源")
    assert (direct["score"], direct["level"]) == (2, "major")
    again = admin_api.post(
        f"/risks/{risk['id']}/assessments", json={"method": "ls", "l": 3, "s": 5}
    )
    assert again.status_code == 201
    assert (again.get_json()["score"], again.get_json()["level"]) == (15, "high")
    detail = admin_api.get(f"/risks/{risk['id']}").get_json()
    assert detail["level"] == "high"
    assert [a["level"] for a in detail["assessments"]] == ["high", "major"]

    for unit, tier in ((root, "company"), (plant, "plant"), (workshop, "workshop")):
        post = b.make_post(unit=unit)
        made = admin_api.post(
            f"/risks/{risk['id']}/controls",
            json={
                "kind": "engineering",
                "text": "紧急切断阀",
                "owner_post_id": post.id,
                "check_every_days": 7,
            },
        )
        assert made.status_code == 201, made.get_json()
        assert made.get_json()["tier"] == tier
        assert made.get_json()["next_due"] == NOW.date().isoformat()

    due = admin_api.get("/risk-checks?due=true").get_json()
    assert len(due["items"]) == 3 and due["next_cursor"] is None
    assert set(due["items"][0]) == {
        "control_id",
        "risk_id",
        "risk_point_id",
        "owner_post_id",
        "due_on",
        "overdue",
    }
    assert due["items"][0]["risk_point_id"] == point["id"]
    assert due["items"][0]["overdue"] is False
    page = admin_api.get("/risk-checks?due=true&limit=2").get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = admin_api.get(f"/risk-checks?due=true&limit=2&cursor={page['next_cursor']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None

    listed = admin_api.get(f"/risk-points?unit_id={plant.id}").get_json()
    assert [(p["id"], p["colour"]) for p in listed["items"]] == [(point["id"], "red")]
    assert admin_api.get(f"/risk-points/{point['id']}").get_json()["risks"][0]["level"] == "major"


def test_failed_check_raises_hazard_visible_on_the_hazard(api, admin, tree):
    _root, _plant, workshop = tree
    post = b.make_post(unit=workshop)
    holder = b.make_holder(post)
    point = b.make_risk_point(unit=workshop)
    control = b.make_control(b.make_risk(point), post)
    api.login(holder.email)
    response = api.post(
        f"/controls/{control.id}/checks",
        json={
            "result": "failed",
            "note": "阀门内漏",
            "hazard": {"title": "紧急切断阀内漏", "level": "general"},
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["hazard_id"]
    hazard = api.get(f"/hazards/{body['hazard_id']}").get_json()
    assert (hazard["control_id"], hazard["risk_point_id"]) == (control.id, point.id)
    plain = b.make_hazard()
    shown = api.get(f"/hazards/{plain.id}").get_json()
    assert shown["control_id"] is None and shown["risk_point_id"] is None
    assert api.get("/risk-checks?due=true").get_json()["items"] == []
    assert (
        api.get(f"/controls/{control.id}").get_json()["next_due"]
        == (NOW.date() + timedelta(days=7)).isoformat()
    )


def test_check_by_someone_else_is_403(api, tree):
    _root, _plant, workshop = tree
    control = b.make_control(b.make_risk(b.make_risk_point(unit=workshop)))
    api.login(b.make_user().email)
    response = api.post(f"/controls/{control.id}/checks", json={"result": "effective"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_editing_without_responsibility_is_403(api, tree):
    _root, _plant, workshop = tree
    api.login(b.make_user().email)
    response = api.post(
        "/risk-points", json={"unit_id": workshop.id, "name": "碳化塔", "kind": "installation"}
    )
    assert response.status_code == 403
    point = b.make_risk_point(unit=workshop)
    response = api.post(
        f"/risk-points/{point.id}/risks", json={"event": "x", "method": "ls", "l": 1, "s": 1}
    )
    assert response.status_code == 403


def test_supervisor_of_unit_above_may_edit(api, tree):
    _root, plant, workshop = tree
    user = b.grant_hazard_role("supervision", plant)
    api.login(user.email)
    point = _point(api, workshop.id)
    assert _risk(api, point["id"])["level"] == "major"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "lec", "l": 4, "e": 6, "c": 15}, "l"),
        ({"method": "lec", "l": 3, "e": 6, "c": 16}, "c"),
        ({"method": "lec", "l": 3, "e": 11, "c": 15}, "e"),
        ({"method": "ls", "l": 3, "s": 6}, "s"),
        ({"method": "ls", "l": 0, "s": 3}, "l"),
        ({"method": "ls", "l": "high", "s": 3}, "l"),
        ({"method": "xyz", "l": 1, "s": 1}, "method"),
        ({"method": "ls", "l": 1, "s": 1, "event": ""}, "event"),
    ],
)
def test_off_scale_is_422_naming_it(admin_api, tree, body, field):
    point = _point(admin_api, tree[2].id)
    response = admin_api.post(f"/risk-points/{point['id']}/risks", json={"event": "泄漏", **body})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_id": 999999, "name": "x", "kind": "place"}, "unit_id"),
        ({"unit_id": "abc", "name": "x", "kind": "place"}, "unit_id"),
        ({"name": "x", "kind": "place"}, "unit_id"),
        ({"unit_id": None, "name": "", "kind": "place"}, "unit_id"),
    ],
)
def test_risk_point_bad_input_is_422(admin_api, tree, body, field):
    response = admin_api.post("/risk-points", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_risk_point_bad_name_and_kind(admin_api, tree):
    response = admin_api.post("/risk-points", json={"unit_id": tree[0].id, "name": " ", "kind": 3})
    assert response.status_code == 422
    assert {"name", "kind"} <= set(response.get_json()["error"]["fields"])


def test_control_bad_input_is_422(admin_api, tree):
    risk = b.make_risk(b.make_risk_point(unit=tree[2]))
    response = admin_api.post(
        f"/risks/{risk.id}/controls",
        json={"kind": "magic", "text": "", "owner_post_id": 123456, "check_every_days": 0},
    )
    assert response.status_code == 422
    assert {"kind", "text", "owner_post_id", "check_every_days"} <= set(
        response.get_json()["error"]["fields"]
    )


def test_check_bad_input_is_422(admin_api, tree):
    control = b.make_control(b.make_risk(b.make_risk_point(unit=tree[2])))
    for body, field in (
        ({"result": "ok"}, "result"),
        ({"result": "failed", "hazard": {"level": "general"}}, "hazard.title"),
        ({"result": "failed", "hazard": {"title": "x", "level": "grave"}}, "hazard.level"),
        ({"result": "failed", "hazard": "x"}, "hazard"),
        ({"result": "effective", "hazard": {"title": "x", "level": "general"}}, "hazard"),
    ):
        response = admin_api.post(f"/controls/{control.id}/checks", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"], response.get_json()


@pytest.mark.parametrize(
    "path",
    [
        "/risk-points/999999",
        "/risk-points/999999/risks",
        "/risks/999999",
        "/risks/999999/assessments",
        "/risks/999999/controls",
        "/controls/999999",
        "/controls/999999/checks",
        "/risk-points/99999999999",
    ],
)
def test_unknown_ids_are_404(admin_api, path):
    response = admin_api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_posting_to_unknown_is_404(admin_api):
    assert (
        admin_api.post("/controls/999999/checks", json={"result": "effective"}).status_code == 404
    )
    assert admin_api.post("/risks/999999/assessments", json={}).status_code == 404


def test_needs_a_token(api):
    assert api.get("/risk-points").status_code == 401


def test_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/risk-points",
        "/api/v1/risk-points/{point_id}/risks",
        "/api/v1/risks/{risk_id}/assessments",
        "/api/v1/risks/{risk_id}/controls",
        "/api/v1/controls/{control_id}/checks",
        "/api/v1/risk-checks",
    ):
        assert path in paths, path


def test_matrix_gaps_carry_risk_gaps(admin_api, tree):
    risk = b.make_risk(b.make_risk_point(unit=tree[2]))
    gaps = admin_api.get("/matrix").get_json()["gaps"]
    found = [g for g in gaps if g["type"] == "risk_without_control"]
    assert [g["risk_id"] for g in found] == [risk.id]


def test_overdue_flag(admin_api, tree):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        control = b.make_control(
            b.make_risk(b.make_risk_point(unit=tree[2])), now=NOW - timedelta(days=10)
        )
    items = admin_api.get("/risk-checks?due=true").get_json()["items"]
    assert [(i["control_id"], i["overdue"], i["due_on"]) for i in items] == [
        (control.id, True, (NOW - timedelta(days=10)).date().isoformat())
    ]
    assert admin_api.get("/risk-checks?due=false").get_json()["items"] == []
    assert date.fromisoformat(items[0]["due_on"]) < NOW.date()


def test_control_characters_are_422(admin_api, tree):
    response = admin_api.post(
        "/risk-points", json={"unit_id": tree[0].id, "name": "罐区\x00", "kind": "place"}
    )
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    control = b.make_control(b.make_risk(b.make_risk_point(unit=tree[0])))
    response = admin_api.post(
        f"/controls/{control.id}/checks", json={"result": "effective", "note": "ok\x1b[31m"}
    )
    assert response.status_code == 422
    assert "note" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", [[1], {"a": 1}, "1e400", None, "", True, "nan"])
def test_hostile_scale_values_are_422(admin_api, tree, value):
    point = _point(admin_api, tree[0].id)
    response = admin_api.post(
        f"/risk-points/{point['id']}/risks",
        json={"event": "x", "method": "lec", "l": value, "e": 1, "c": 1},
    )
    assert response.status_code == 422
    assert "l" in response.get_json()["error"]["fields"]
