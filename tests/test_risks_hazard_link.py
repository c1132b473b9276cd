"""LEC moved from hazards to the risk register (issue 15).

A hazard keeps its own grade (general/major); a hazard raised by a failed
control check shows the colour of that control's risk, with its word; LEC
values stored on older hazards stay readable; the API keeps accepting
``risk: {l, e, c}`` on ``POST /hazards`` as contract §4 writes it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from safety.extensions import db
from safety.models import Hazard
from safety.services import risk_checks
from tests import builders as b
from tests.conftest import NOW, csrf_token_from


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def linked(app):
    """A major (red) risk whose control failed and raised a hazard, and an unlinked hazard."""
    unit = b.make_unit(name="蒸吸车间")
    post = b.make_post(unit=unit, title="蒸吸车间主任")
    owner = b.make_holder(post)
    point = b.make_risk_point(unit=unit, name="液氨储罐区")
    risk = b.make_risk(point, event="液氨泄漏中毒", l=6, e=6, c=40)  # 1440: major
    control = b.make_control(risk, post, text="氨气泄漏报警联锁")
    check = risk_checks.record_check(
        owner,
        control,
        {"result": "failed", "hazard": {"title": "报警仪失效", "level": "general"}},
        now=NOW,
        today=b.TODAY,
    )
    plain = b.make_hazard(unit=unit, title="地面油污")
    return {"hazard": db.session.get(Hazard, check.hazard_id), "plain": plain, "point": point}


def test_the_report_form_asks_no_lec_and_ignores_posted_lec(client, auth):
    unit = b.make_unit(name="煅烧车间")
    b.make_user(email="reporter@example.com", locale="en")
    auth.login("reporter@example.com")
    page = client.get("/hazards/new").get_data(as_text=True)
    assert 'name="risk_l"' not in page and 'id="lec"' not in page
    assert 'name="level"' in page  # the hazard's own grade stays
    response = client.post(
        "/hazards/new",
        data={
            "csrf_token": csrf_token_from(page),
            "title": "皮带机尾轮防护罩缺失",
            "unit_id": str(unit.id),
            "level": "general",
            "risk_l": "3",
            "risk_e": "6",
            "risk_c": "7",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    hazard = db.session.scalar(sa.select(Hazard))
    assert (hazard.risk_l, hazard.risk_e, hazard.risk_c) == (None, None, None)


def test_stored_lec_values_stay_readable_on_the_detail_page(client, auth, api):
    b.make_unit(name="煅烧车间")
    reporter = b.make_user(email="reporter@example.com", locale="en")
    unit = b.make_unit(name="石灰车间")
    api.login(reporter.email)
    # Contract §4 still lists risk {l, e, c} on POST /hazards: the API accepts it as written.
    response = api.post(
        "/hazards",
        json={
            "title": "石灰窑顶平台护栏缺失",
            "unit_id": unit.id,
            "risk": {"l": 3, "e": 6, "c": 7},
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["risk"]["d"] == 126 and body["risk_level"] is None and body["risk_colour"] is None
    auth.login(reporter.email)
    html = client.get(f"/hazards/{body['id']}").get_data(as_text=True)
    assert 'id="hazard-lec"' in html and "L=3 × E=6 × C=7 = D 126" in html
    assert "<select" not in html.split('id="hazard-lec"')[1].split("</dd>")[0]  # read-only


def test_a_linked_hazard_shows_its_risk_colour_with_the_word(client, auth, linked):
    viewer = b.make_user(locale="en")
    auth.login(viewer.email)
    hazard = linked["hazard"]
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    badge = html.split('data-risk-level="major"', 1)
    assert len(badge) == 2 and "rk-red" in badge[0].rsplit("<span", 1)[1]
    assert badge[1].split("</span>")[0].endswith("Major risk (red)")  # the colour's word
    assert 'id="risk-link"' in html and "液氨储罐区 · 液氨泄漏中毒" in html
    assert f"/risks/points/{linked['point'].id}#risk-" in html
    plain = client.get(f"/hazards/{linked['plain'].id}").get_data(as_text=True)
    assert "data-risk-level" not in plain and 'id="risk-link"' not in plain
    listing = client.get("/hazards/").get_data(as_text=True)
    rows = {r.split("</a>")[0].rsplit(">", 1)[1]: r for r in listing.split("<tr")[2:]}
    assert 'data-risk-level="major"' in rows[hazard.number]
    assert "Major risk (red)" in rows[hazard.number]
    assert "data-risk-level" not in rows[linked["plain"].number]


def test_the_linked_colour_reads_in_chinese(client, auth, linked):
    viewer = b.make_user(locale="zh_CN")
    auth.login(viewer.email)
    html = client.get(f"/hazards/{linked['hazard'].id}").get_data(as_text=True)
    label = html.split('data-risk-level="major">', 1)[1].split("</span>")[0]
    assert "红" in label and "Major" not in label


def test_the_api_carries_the_linked_risk_level_and_colour(api, linked):
    viewer = b.make_user()
    api.login(viewer.email)
    hazard, plain = linked["hazard"], linked["plain"]
    one = api.get(f"/hazards/{hazard.id}").get_json()
    assert (one["risk_level"], one["risk_colour"]) == ("major", "red")
    assert one["control_id"] is not None and one["risk_point_id"] == linked["point"].id
    items = {h["id"]: h for h in api.get("/hazards").get_json()["items"]}
    assert (items[hazard.id]["risk_level"], items[hazard.id]["risk_colour"]) == ("major", "red")
    assert (items[plain.id]["risk_level"], items[plain.id]["risk_colour"]) == (None, None)
    spec = api.get("/openapi.json").get_json()
    props = spec["components"]["schemas"]["Hazard"]["properties"]
    assert {"risk_level", "risk_colour"} <= set(props)
