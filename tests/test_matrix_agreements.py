"""Responsibility agreements (安全生产责任书): one per post per year, signed by the holder
and by a holder of the superior post; printable with the signatures and their times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from safety.services import matrix
from tests import builders
from tests.builders import (
    NOW,
    make_duty,
    make_holder,
    make_holding,
    make_post,
    make_responsibility,
    make_unit,
    make_user,
)

TODAY = date(2026, 3, 12)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def posts(app):
    group = make_unit(name="集团")
    plant = make_unit(name="纯碱厂", parent=group)
    head = make_post(unit=group, title="总经理", level="decision")
    plant_head = make_post(unit=plant, title="厂长", superior=head)
    make_responsibility(plant_head, plant, "main", duty=make_duty(title="建立健全责任制"))
    make_responsibility(
        plant_head, plant, "direct", duty=make_duty(title="审核安全费用", category="business")
    )
    make_responsibility(
        plant_head, plant, "leadership", duty=make_duty(title="贯彻行业标准", category="industry")
    )
    target = matrix.create_target(
        builders.actor(),
        unit_id=group.id,
        year=2026,
        title="隐患整改率",
        target_value="≥95%",
        now=NOW,
    )
    matrix.create_target(
        builders.actor(),
        unit_id=plant.id,
        year=2026,
        title="隐患整改率",
        target_value="≥97%",
        parent_id=target.id,
        now=NOW,
    )
    holder = make_holder(plant_head, name="孙建华", email="sun@example.com")
    boss = make_holder(head, name="王振华", email="wang@example.com")
    return {"plant_head": plant_head, "head": head, "holder": holder, "boss": boss}


def test_an_agreement_holds_the_duties_of_the_three_kinds_and_the_targets(posts):
    content = matrix.agreement_content(posts["plant_head"].id, 2026)
    categories = {d["duty_category"] for d in content["duties"]}
    assert categories == {"industry", "business", "production_operation"}
    assert [t["target_value"] for t in content["targets"]] == ["≥97%"]
    assert content["superior_title"] == "总经理"


def test_holder_and_superior_holder_sign_others_get_403(api, posts):
    path = f"/posts/{posts['plant_head'].id}/agreements/2026/signatures"
    response = api.login("sun@example.com").post(path)
    assert response.status_code == 201
    assert response.get_json()["role"] == "holder"
    response = api.login("wang@example.com").post(path)
    assert response.status_code == 201
    assert response.get_json()["role"] == "superior"
    make_user(email="other@example.com")
    assert api.login("other@example.com").post(path).status_code == 403
    # Signing twice gives back the first signature.
    again = api.login("sun@example.com").post(path)
    assert again.status_code == 201 and again.get_json()["at"] == response.get_json()["at"]
    assert len(matrix.agreement_data(posts["plant_head"].id, 2026, TODAY)["signatures"]) == 2


def test_one_agreement_per_post_and_year(posts):
    first = matrix.sign_agreement(
        posts["holder"], posts["plant_head"].id, 2026, now=NOW, today=TODAY
    )
    second = matrix.sign_agreement(
        posts["boss"], posts["plant_head"].id, 2026, now=NOW, today=TODAY
    )
    assert first.agreement_id == second.agreement_id
    other = matrix.sign_agreement(
        posts["holder"], posts["plant_head"].id, 2027, now=NOW, today=TODAY
    )
    assert other.agreement_id != first.agreement_id


def test_a_new_holder_signs_their_own(posts):
    post = posts["plant_head"]
    matrix.sign_agreement(posts["holder"], post.id, 2026, now=NOW, today=TODAY)
    newcomer = make_user(name="新厂长")
    make_holding(post, newcomer, start=TODAY + timedelta(days=1))
    later = TODAY + timedelta(days=1)
    matrix.sign_agreement(newcomer, post.id, 2026, now=NOW + timedelta(days=1), today=later)
    data = matrix.agreement_data(post.id, 2026, later)
    signed = {row["user"].name: row["signature"] is not None for row in data["holders"]}
    assert signed["新厂长"] is True


def test_unknown_post_is_404_and_bad_year_is_404(api, posts):
    client = api.login("sun@example.com")
    assert client.post("/posts/99999/agreements/2026/signatures").status_code == 404
    bad = client.post(f"/posts/{posts['plant_head'].id}/agreements/1900/signatures")
    assert bad.status_code == 404


def test_printable_page_shows_the_signatures_and_their_times(client, auth, posts):
    matrix.sign_agreement(posts["holder"], posts["plant_head"].id, 2026, now=NOW, today=TODAY)
    auth.login("sun@example.com")
    html = client.get(f"/matrix/posts/{posts['plant_head'].id}/agreements/2026").get_data(
        as_text=True
    )
    assert "安全生产责任书" in html
    assert "建立健全责任制" in html and "≥97%" in html
    assert "孙建华" in html and "2026-03-12" in html
    assert "王振华" in html  # the superior's holder, not signed yet
