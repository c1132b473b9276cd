"""The matrix API: shapes and error codes per the contract."""

from __future__ import annotations

import pytest
import time_machine

from tests.builders import (
    NOW,
    make_duty,
    make_holder,
    make_post,
    make_responsibility,
    make_unit,
    make_user,
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_api(api, admin):
    return api.login(admin.email)


def test_admin_creates_duty_and_responsibility(admin_api):
    post = make_post()
    duty = admin_api.post("/duties", json={"title": "组织应急演练", "category": "industry"})
    assert duty.status_code == 201
    body = duty.get_json()
    assert body == {
        "id": body["id"],
        "title": "组织应急演练",
        "description": None,
        "category": "industry",
    }
    resp = admin_api.post(
        "/responsibilities",
        json={"post_id": post.id, "unit_id": post.unit_id, "kind": "main", "duty_id": body["id"]},
    )
    assert resp.status_code == 201
    assert resp.get_json()["kind"] == "main"
    assert resp.get_json()["duty_id"] == body["id"]


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/duties", {"title": "x", "category": "safety"}, "category"),
        ("/duties", {"title": "", "category": "industry"}, "title"),
        ("/responsibilities", {"post_id": 0, "unit_id": 0, "kind": "boss"}, "kind"),
    ],
)
def test_invalid_enum_or_text_is_422_naming_the_field(admin_api, path, payload, field):
    response = admin_api.post(path, json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("field", ["post_id", "unit_id", "duty_id"])
def test_unknown_id_is_422_naming_it(admin_api, field):
    post = make_post()
    payload = {"post_id": post.id, "unit_id": post.unit_id, "kind": "main", field: 99999}
    response = admin_api.post("/responsibilities", json=payload)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_duplicate_responsibility_is_422_with_a_clear_message(admin_api):
    post = make_post(title="厂长")
    payload = {"post_id": post.id, "unit_id": post.unit_id, "kind": "main"}
    assert admin_api.post("/responsibilities", json=payload).status_code == 201
    response = admin_api.post("/responsibilities", json=payload)
    assert response.status_code == 422
    assert "厂长" in response.get_json()["error"]["fields"]["kind"][0]


def test_non_admin_may_not_write_the_matrix(api):
    user = make_user()
    api.login(user.email)
    response = api.post("/duties", json={"title": "x", "category": "industry"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_get_matrix_shape(api):
    unit = make_unit(name="纯碱厂")
    post = make_post(unit=unit, level="decision")
    make_responsibility(post, unit, "main")
    make_responsibility(post, unit, "leadership")
    user = make_holder(post)
    api.login(user.email)
    body = api.get("/matrix").get_json()
    assert set(body) == {"posts", "units", "cells", "gaps"}
    assert body["cells"] == [
        {"post_id": post.id, "unit_id": unit.id, "kinds": ["main", "leadership"]}
    ]
    assert {"id": post.id, "title": post.title, "unit_id": unit.id, "level": "decision"} in body[
        "posts"
    ]
    assert [u["id"] for u in body["units"]] == [unit.id]
    assert {g["type"] for g in body["gaps"]} == {
        "unit_without_supervision",
        "unacknowledged",
        "party_government_unpaired",  # 党政同责: no party post shares main
    }
    assert all(set(g) >= {"type", "message"} for g in body["gaps"])


def test_matrix_filters_by_unit_subtree_and_level(api, admin):
    group = make_unit()
    plant = make_unit(parent=group)
    other = make_unit()
    top = make_post(unit=group, level="decision")
    head = make_post(unit=plant, level="management")
    make_responsibility(top, group, "main")
    make_responsibility(head, plant, "main")
    make_responsibility(make_post(unit=other), other, "main")
    api.login(admin.email)
    body = api.get(f"/matrix?unit_id={plant.id}").get_json()
    assert [u["id"] for u in body["units"]] == [plant.id]
    assert [c["post_id"] for c in body["cells"]] == [head.id]
    body = api.get("/matrix?level=decision").get_json()
    assert [p["id"] for p in body["posts"]] == [top.id]
    assert api.get("/matrix?level=boss").status_code == 422
    assert "unit_id" in api.get("/matrix?unit_id=99999").get_json()["error"]["fields"]


def test_responsibility_list_and_acknowledgement(api):
    post = make_post(business_duties="主持生产")
    make_responsibility(post, duty=make_duty(title="落实隐患排查"))
    user = make_holder(post)
    api.login(user.email)
    body = api.get(f"/posts/{post.id}/responsibility-list").get_json()
    assert body["post_id"] == post.id and body["version"] == 1
    assert body["acknowledgements"] == []
    assert body["items"][0]["duty_title"] == "落实隐患排查"
    assert body["business_duties"] == "主持生产"
    signed = api.post(f"/posts/{post.id}/acknowledgements")
    assert signed.status_code == 201
    assert signed.get_json()["version"] == 1
    again = api.post(f"/posts/{post.id}/acknowledgements", json={"version": 1})
    assert again.status_code == 201
    acks = api.get(f"/posts/{post.id}/responsibility-list").get_json()["acknowledgements"]
    assert acks == [{"user_id": user.id, "version": 1, "at": "2026-03-12T02:00:00+00:00"}]


def test_acknowledging_errors(api):
    post = make_post()
    make_responsibility(post)
    holder = make_holder(post)
    stranger = make_user()
    api.login(stranger.email)
    assert api.post(f"/posts/{post.id}/acknowledgements").status_code == 403
    api.login(holder.email)
    stale = api.post(f"/posts/{post.id}/acknowledgements", json={"version": 7})
    assert stale.status_code == 409
    bad = api.post(f"/posts/{post.id}/acknowledgements", json={"version": "x"})
    assert bad.status_code == 422 and "version" in bad.get_json()["error"]["fields"]
    assert api.post("/posts/99999/acknowledgements").status_code == 404
    assert api.get("/posts/99999/responsibility-list").status_code == 404


def test_diff_endpoint(api, admin):
    post = make_post()
    make_responsibility(post)
    added = make_responsibility(post, make_unit(), "direct")
    api.login(admin.email)
    body = api.get(f"/posts/{post.id}/responsibility-list/diff").get_json()
    assert (body["from"], body["to"]) == (1, 2)
    assert [i["responsibility_id"] for i in body["added"]] == [added.id]
    assert api.get(f"/posts/{post.id}/responsibility-list/diff?from=9").status_code == 404


def test_lists_are_paginated_and_filtered(api, admin):
    post = make_post()
    for _ in range(3):
        make_duty()
    make_responsibility(post)
    make_responsibility(post, make_unit(), "direct")
    make_responsibility(make_post(), None, "main")
    api.login(admin.email)
    first = api.get("/duties?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/duties?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    mine = api.get(f"/responsibilities?post_id={post.id}").get_json()["items"]
    assert len(mine) == 2
    assert api.get("/responsibilities?kind=direct").get_json()["items"][0]["kind"] == "direct"
    assert api.get("/duties?cursor=garbage").status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("get", "/posts/99999999999/responsibility-list", None, 404),
        ("post", "/posts/99999999999/acknowledgements", None, 404),
        ("get", "/duties/99999999999", None, 404),
        ("get", "/responsibilities/99999999999", None, 404),
        ("get", "/responsibilities?post_id=99999999999", None, 422),
        ("get", "/matrix?unit_id=99999999999", None, 422),
        ("post", "/responsibilities", {"post_id": 99999999999, "unit_id": 1, "kind": "main"}, 422),
    ],
)
def test_huge_ids_are_answers_not_errors(admin_api, method, path, payload, status):
    """PostgreSQL ids are 32-bit: a bigger one must name nothing, not crash."""
    response = (
        getattr(admin_api, method)(path, json=payload)
        if payload
        else getattr(admin_api, method)(path)
    )
    assert response.status_code == status
