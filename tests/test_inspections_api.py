"""The inspections API: checklists, inspections raising hazards, error codes."""

from __future__ import annotations

import pytest

from safety.extensions import db
from safety.models import Hazard, Inspection, InspectionItem
from tests import builders


@pytest.fixture
def officer(app):
    return builders.make_user(email="officer@example.com", name="安全员")


@pytest.fixture
def officer_api(api, officer):
    return api.login(officer.email)


@pytest.fixture
def unit(app):
    return builders.make_unit(name="罐区", code="TANKS")


def _body(unit_id, **over):
    body = {
        "unit_id": unit_id,
        "performed_at": "2026-03-12T09:30:00+08:00",
        "items": [
            {"text": "消防通道畅通", "result": "pass"},
            {
                "text": "储罐液位计完好",
                "result": "fail",
                "note": "2号罐液位计玻璃破裂",
                "hazard": {"title": "2号罐液位计损坏", "level": "general"},
            },
            {"text": "静电接地完好", "result": "na"},
        ],
    }
    body.update(over)
    return body


def test_signed_in_user_creates_a_checklist(officer_api):
    response = officer_api.post("/checklists", json={"name": "动火作业检查", "items": ["a", "b"]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "动火作业检查"
    assert body["version"] == 1
    assert [i["text"] for i in body["items"]] == ["a", "b"]
    listed = officer_api.get("/checklists").get_json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "items": ["a"]}, "name"),
        ({"name": "x", "items": []}, "items"),
        ({"name": "x", "items": ["ok", "  "]}, "items.1.text"),
        ({"items": ["a"]}, "name"),
        ({"name": "x"}, "items"),
    ],
)
def test_invalid_checklist_is_422_naming_the_field(officer_api, payload, field):
    response = officer_api.post("/checklists", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_inspection_with_failed_item_raises_one_hazard(officer_api, officer, unit):
    response = officer_api.post("/inspections", json=_body(unit.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert len(body["hazard_ids"]) == 1
    hazard = db.session.get(Hazard, body["hazard_ids"][0])
    assert hazard.title == "2号罐液位计损坏"
    assert hazard.unit_id == unit.id
    assert hazard.reporter_id == officer.id
    assert hazard.status.value == "reported"
    assert "2号罐液位计玻璃破裂" in hazard.description
    item = db.session.get(InspectionItem, body["items"][1]["id"])
    assert item.hazard_id == hazard.id
    fetched = officer_api.get(f"/inspections/{body['id']}").get_json()
    assert fetched["hazard_ids"] == body["hazard_ids"]
    assert fetched["status"] == "submitted"


def test_failed_item_without_hazard_raises_none(officer_api, unit):
    body = _body(unit.id)
    del body["items"][1]["hazard"]
    response = officer_api.post("/inspections", json=body)
    assert response.status_code == 201
    assert response.get_json()["hazard_ids"] == []
    assert db.session.query(Hazard).count() == 0


def test_invalid_result_is_422_naming_the_item(officer_api, unit):
    body = _body(unit.id)
    body["items"][2]["result"] = "maybe"
    response = officer_api.post("/inspections", json=body)
    assert response.status_code == 422
    assert "items.2.result" in response.get_json()["error"]["fields"]
    assert db.session.query(Inspection).count() == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"unit_id": 99999}, "unit_id"),
        ({"checklist_id": 99999}, "checklist_id"),
        ({"plan_id": 99999}, "plan_id"),
        ({"performed_at": "yesterday"}, "performed_at"),
        ({"performed_at": "2030-01-01T00:00:00+08:00"}, "performed_at"),
        ({"items": []}, "items"),
    ],
)
def test_bad_references_and_values_are_422_field_errors(officer_api, unit, over, field):
    body = _body(unit.id)
    body.update(over)
    response = officer_api.post("/inspections", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.query(Inspection).count() == 0
    assert db.session.query(Hazard).count() == 0


def test_invalid_hazard_level_names_the_item(officer_api, unit):
    body = _body(unit.id)
    body["items"][1]["hazard"]["level"] = "huge"
    response = officer_api.post("/inspections", json=body)
    assert response.status_code == 422
    assert "items.1.hazard.level" in response.get_json()["error"]["fields"]


def test_unknown_inspection_is_404_and_no_token_is_401(officer_api, client):
    assert officer_api.get("/inspections/12345").status_code == 404
    assert client.get("/api/v1/inspections").status_code == 401


def test_inspections_list_pages_with_a_cursor(officer_api, unit):
    ids = [officer_api.post("/inspections", json=_body(unit.id)).get_json()["id"] for _ in range(3)]
    first = officer_api.get("/inspections?limit=2").get_json()
    assert [i["id"] for i in first["items"]] == ids[:2]
    second = officer_api.get(f"/inspections?limit=2&cursor={first['next_cursor']}").get_json()
    assert [i["id"] for i in second["items"]] == ids[2:]
    assert second["next_cursor"] is None
    assert officer_api.get("/inspections?cursor=garbage").status_code == 422


def test_inspection_linked_to_a_checklist_records_its_version(officer_api, unit):
    checklist = officer_api.post("/checklists", json={"name": "c", "items": ["a"]}).get_json()
    body = _body(
        unit.id,
        checklist_id=checklist["id"],
        items=[{"text": "a", "result": "pass"}],
    )
    created = officer_api.post("/inspections", json=body).get_json()
    assert created["checklist_id"] == checklist["id"]
    assert created["checklist_version"] == 1


def test_openapi_lists_the_inspection_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/checklists", "/api/v1/inspections", "/api/v1/inspection-plans"} <= set(paths)
