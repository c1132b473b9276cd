"""The register's busy pages run as many SQL statements for a big register as for a small one.

Issue 15: the four-colour map and the due-check list at 10k risk points with
the same statement count as at 100 (``bench/risks.py`` measures the big
sizes; this test holds the count at two small ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine

from safety.extensions import db
from safety.services import risk_checks
from tests import builders as b
from tests.conftest import NOW
from tests.sql_counting import count_statements as count_queries


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """A group, a plant and workshops; ``grow(n)`` adds n risk points to each workshop."""
    root = b.make_unit(name="集团", code="G")
    plant = b.make_unit(name="纯碱厂", code="G01", parent=root)
    shops = [b.make_unit(name=f"车间{i}", code=f"G010{i}", parent=plant) for i in range(2)]
    posts = [b.make_post(unit=shop, title=f"车间{i}主任") for i, shop in enumerate(shops)]
    boss = b.make_post(unit=root, title="安全总监")
    owner = b.make_holder(posts[0], locale="en")
    for post in posts[1:] + [boss]:
        b.make_holding(post, owner)
    made = [0]

    def grow(n: int) -> None:
        for shop, post in zip(shops, posts, strict=True):
            for _ in range(n):
                made[0] += 1
                point = b.make_risk_point(unit=shop, name=f"风险点{made[0]}")
                risk = b.make_risk(point, l=6, e=6, c=40 if made[0] % 2 else 7)
                control = b.make_control(risk, post)
                b.make_control(risk, boss, kind="emergency")
                if made[0] % 3 == 0:
                    risk_checks.record_check(
                        owner,
                        control,
                        {"result": "failed", "hazard": {"title": "失效", "level": "general"}},
                        now=NOW,
                        today=b.TODAY,
                    )

    return {"root": root, "plant": plant, "owner": owner, "grow": grow, "post": posts[0]}


def _same_count(
    client: Any, world: dict[str, Any], get: Callable[[], Any], check: Callable[[Any], None]
) -> None:
    world["grow"](1)
    get()
    db.session.commit()
    db.session.expire_all()
    with count_queries() as few:
        check(get())
    world["grow"](4)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        check(get())
    assert len(many) == len(few), "\n\n".join(many)


@pytest.mark.parametrize("unit", ["root", "plant"])
def test_the_map_runs_the_same_statements_at_two_sizes(client, auth, world, unit):
    auth.login(world["owner"].email)

    def check(response: Any) -> None:
        assert response.status_code == 200
        assert 'data-colour="red"' in response.get_data(as_text=True)

    _same_count(client, world, lambda: client.get(f"/risks/units/{world[unit].id}/map"), check)


def test_the_due_check_list_runs_the_same_statements_at_two_sizes(client, world, api):
    api.login(world["owner"].email)

    def check(response: Any) -> None:
        assert response.status_code == 200
        assert response.get_json()["items"]

    _same_count(client, world, lambda: api.get("/risk-checks?due=true"), check)


def test_my_checks_on_the_register_page_run_the_same_statements(client, auth, world):
    auth.login(world["owner"].email)

    def check(response: Any) -> None:
        assert response.status_code == 200
        assert 'id="my-due"' in response.get_data(as_text=True)

    _same_count(client, world, lambda: client.get("/risks/"), check)


def test_my_work_risk_part_runs_the_same_statements(client, auth, world):
    auth.login(world["owner"].email)

    def check(response: Any) -> None:
        assert response.status_code == 200
        assert "/risks/controls/" in response.get_data(as_text=True)

    _same_count(client, world, lambda: client.get("/"), check)


@pytest.mark.parametrize("page", ["unit", "board", "post", "card", "export"])
def test_the_other_register_pages_run_the_same_statements(client, auth, world, page):
    auth.login(world["owner"].email)
    shop = world["post"].unit_id
    path = {
        "unit": f"/risks/units/{shop}",
        "board": f"/risks/units/{world['plant'].id}/board",
        "post": f"/risks/posts/{world['post'].id}",
        "card": f"/risks/posts/{world['post'].id}/card",
        "export": f"/risks/units/{world['root'].id}/export.xlsx",
    }[page]

    def check(response: Any) -> None:
        assert response.status_code == 200

    _same_count(client, world, lambda: client.get(path), check)


def test_a_big_map_summarises_the_units_below_with_the_same_statements(
    client, auth, world, monkeypatch
):
    """Beyond the detail limit the units below become one cell each, with their words."""
    from safety.services import risks_pages

    monkeypatch.setattr(risks_pages, "MAP_DETAIL_LIMIT", 3)
    auth.login(world["owner"].email)
    seen: list[str] = []

    def check(response: Any) -> None:
        assert response.status_code == 200
        seen.append(response.get_data(as_text=True))

    path = f"/risks/units/{world['root'].id}/map"
    _same_count(client, world, lambda: client.get(path), check)
    small, big = seen
    assert 'class="unit-summary"' not in small and 'href="/risks/points/' in small
    assert 'id="map-summarised"' in big and 'href="/risks/points/' not in big
    cells = big.count('class="unit-summary"')
    assert cells == 2  # the two workshops (the plant and the group have no points)
    assert "5 risk points" in big and "red" in big and 'data-colour="red"' in big
    assert big.count('class="hazard-mark"') >= 1


def test_a_point_page_runs_the_same_statements_for_more_risks(client, auth, app):
    """Each risk's assessments, controls, checks and the owner choices: no query per risk."""
    editor = b.make_user(is_admin=True, locale="en")
    unit = b.make_unit(name="蒸吸车间")
    post = b.make_post(unit=unit)
    point = b.make_risk_point(unit=unit, name="液氨储罐区")
    auth.login(editor.email)

    def grow(n: int) -> None:
        for _ in range(n):
            risk = b.make_risk(point)
            b.make_control(risk, post)
            from safety.services import risks

            risks.assess_risk(
                b.actor(), risk, {"method": "ls", "l": 4, "s": 5}, now=NOW, today=b.TODAY
            )

    def page() -> Any:
        response = client.get(f"/risks/points/{point.id}")
        assert response.status_code == 200
        return response

    _same_count(client, {"grow": grow}, page, lambda response: None)
