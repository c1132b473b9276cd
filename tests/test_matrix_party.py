"""党政同责: party posts, and the gap when the group or a second-level unit lacks a pair."""

from __future__ import annotations

from datetime import date

import pytest

from safety.services import matrix, org
from tests import builders
from tests.builders import NOW, make_post, make_responsibility, make_unit

TODAY = date(2026, 3, 12)


def unpaired() -> list[int]:
    return [
        g["unit_id"] for g in matrix.find_gaps(TODAY) if g["type"] == "party_government_unpaired"
    ]


def test_posts_are_administrative_unless_marked_party(app):
    assert make_post().party is False
    secretary = make_post(title="党委书记", party=True)
    assert secretary.party is True
    org.update_post(
        builders.actor(),
        secretary,
        title=secretary.title,
        unit_id=secretary.unit_id,
        level="decision",
        superior_post_id=None,
        party=False,
        now=NOW,
    )
    assert secretary.party is False


def test_api_accepts_and_returns_party(api, admin):
    client = api.login(admin.email)
    unit = client.post("/units", json={"name": "集团", "code": "G"}).get_json()
    body = client.post(
        "/posts",
        json={"title": "党委书记", "unit_id": unit["id"], "level": "decision", "party": True},
    ).get_json()
    assert body["party"] is True
    assert client.get(f"/posts/{body['id']}").get_json()["party"] is True
    plain = client.post(
        "/posts", json={"title": "总经理", "unit_id": unit["id"], "level": "decision"}
    ).get_json()
    assert plain["party"] is False
    bad = client.post(
        "/posts",
        json={"title": "x", "unit_id": unit["id"], "level": "decision", "party": "maybe"},
    )
    assert bad.status_code == 422 and "party" in bad.get_json()["error"]["fields"]


def test_main_must_be_held_by_a_party_and_an_administrative_post_at_depth_0_and_1(app):
    group = make_unit()
    plant = make_unit(parent=group)
    workshop = make_unit(parent=plant)
    for unit in (group, plant, workshop):
        make_responsibility(make_post(unit=unit), unit, "main")
    assert set(unpaired()) == {group.id, plant.id}  # a workshop (depth 2) is not asked
    make_responsibility(make_post(unit=group, party=True), group, "main")
    assert unpaired() == [plant.id]
    make_responsibility(make_post(unit=plant, party=True), plant, "leadership")
    assert unpaired() == [plant.id]  # leadership is not main
    make_responsibility(make_post(unit=plant, party=True), plant, "main")
    assert unpaired() == []


def test_a_party_post_alone_is_unpaired_too(app):
    group = make_unit()
    make_responsibility(make_post(unit=group, party=True), group, "main")
    assert unpaired() == [group.id]


@pytest.mark.parametrize("setting", [False])
def test_the_rule_is_off_when_party_government_is_off(app, setting):
    app.config["PARTY_GOVERNMENT"] = setting
    group = make_unit()
    make_responsibility(make_post(unit=group), group, "main")
    assert unpaired() == []
