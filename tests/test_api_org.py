from __future__ import annotations

import pytest

from tests import builders


@pytest.fixture
def admin_api(api, admin):
    return api.login(admin.email)


def test_token_with_wrong_password_is_401(api, admin):
    response = api.post("/tokens", json={"email": admin.email, "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_missing_token_is_401_in_error_shape(api):
    response = api.get("/units")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_admin_creates_unit_tree_and_reads_it(admin_api):
    root = admin_api.post("/units", json={"name": "集团总部", "code": "HQ"})
    assert root.status_code == 201
    child = admin_api.post(
        "/units", json={"name": "纯碱厂", "code": "SODA", "parent_id": root.get_json()["id"]}
    )
    assert child.status_code == 201
    body = child.get_json()
    assert body == {
        "id": body["id"],
        "name": "纯碱厂",
        "code": "SODA",
        "parent_id": root.get_json()["id"],
    }
    assert admin_api.get(f"/units/{body['id']}").get_json()["code"] == "SODA"


def test_duplicate_unit_code_is_422_naming_code(admin_api):
    admin_api.post("/units", json={"name": "A", "code": "DUP"})
    response = admin_api.post("/units", json={"name": "B", "code": "DUP"})
    assert response.status_code == 422
    assert "code" in response.get_json()["error"]["fields"]


def test_unknown_parent_is_422(admin_api):
    response = admin_api.post("/units", json={"name": "A", "code": "A1", "parent_id": 999})
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["error"]["fields"]


def test_missing_fields_are_named(admin_api):
    response = admin_api.post("/posts", json={"title": ""})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"unit_id", "level"} <= set(fields)


def test_invalid_level_is_422(admin_api):
    unit = builders.make_unit()
    response = admin_api.post("/posts", json={"title": "X", "unit_id": unit.id, "level": "boss"})
    assert response.status_code == 422
    assert "level" in response.get_json()["error"]["fields"]


def test_non_admin_write_is_403_but_read_is_allowed(api):
    user = builders.make_user()
    api.login(user.email)
    assert api.post("/units", json={"name": "A", "code": "X"}).status_code == 403
    assert api.get("/units").status_code == 200


def test_unknown_id_is_404(admin_api):
    response = admin_api.get("/posts/12345")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_holders_by_date(admin_api):
    post = builders.make_post()
    a, b = builders.make_user(), builders.make_user()
    r1 = admin_api.post(
        f"/posts/{post.id}/holders",
        json={"user_id": a.id, "start_date": "2025-01-01", "end_date": "2025-12-31"},
    )
    r2 = admin_api.post(
        f"/posts/{post.id}/holders", json={"user_id": b.id, "start_date": "2026-01-01"}
    )
    assert (r1.status_code, r2.status_code) == (201, 201)
    on_2025 = admin_api.get(f"/posts/{post.id}/holders?on=2025-06-01").get_json()["items"]
    on_2026 = admin_api.get(f"/posts/{post.id}/holders?on=2026-06-01").get_json()["items"]
    assert [h["user_id"] for h in on_2025] == [a.id]
    assert [h["user_id"] for h in on_2026] == [b.id]


def test_holder_with_unknown_user_is_422(admin_api):
    post = builders.make_post()
    response = admin_api.post(
        f"/posts/{post.id}/holders", json={"user_id": 999, "start_date": "2025-01-01"}
    )
    assert response.status_code == 422
    assert "user_id" in response.get_json()["error"]["fields"]


def test_holder_end_before_start_is_422(admin_api):
    post = builders.make_post()
    user = builders.make_user()
    response = admin_api.post(
        f"/posts/{post.id}/holders",
        json={"user_id": user.id, "start_date": "2025-01-01", "end_date": "2024-01-01"},
    )
    assert response.status_code == 422
    assert "end_date" in response.get_json()["error"]["fields"]


def test_cursor_pagination_walks_every_item_once(admin_api):
    for i in range(7):
        builders.make_unit(code=f"P{i}")
    seen, cursor = [], None
    while True:
        query = f"/units?limit=3{'&cursor=' + cursor if cursor else ''}"
        body = admin_api.get(query).get_json()
        seen += [u["id"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "cursor=!!!"])
def test_bad_list_parameters_are_422(admin_api, query):
    response = admin_api.get(f"/units?{query}")
    assert response.status_code == 422


def test_create_user_and_duplicate_email(admin_api):
    body = {"email": "new@example.com", "name": "新人", "password": "long enough 1"}
    created = admin_api.post("/users", json=body)
    assert created.status_code == 201
    assert set(created.get_json()) >= {"id", "email", "name"}
    assert "password" not in created.get_json()
    duplicate = admin_api.post("/users", json=body)
    assert duplicate.status_code == 422
    assert "email" in duplicate.get_json()["error"]["fields"]


def test_openapi_document_is_generated(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/units" in spec["paths"]


def test_malformed_json_is_not_a_500(admin_api):
    response = admin_api.post("/units", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()
