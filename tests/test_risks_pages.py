"""The register's pages render for a reader; editors and owners get their forms."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from safety.models import ControlCheck, ControlCheckPhoto, Hazard, Risk, RiskPoint
from tests import builders as b
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def register(app):
    root = b.make_unit(name="集团", code="G")
    plant = b.make_unit(name="纯碱厂", code="G01", parent=root)
    workshop = b.make_unit(name="蒸吸车间", code="G0101", parent=plant)
    owner_post = b.make_post(unit=workshop, title="蒸吸车间主任")
    owner = b.make_holder(owner_post)
    point = b.make_risk_point(unit=workshop, name="液氨储罐区")
    risk = b.make_risk(point, event="液氨泄漏中毒", l=6, e=6, c=40)  # major
    control = b.make_control(risk, owner_post, text="氨气泄漏报警与紧急切断联锁")
    b.make_control(risk, b.make_post(unit=root), kind="emergency", text="启动液氨泄漏专项预案")
    low_point = b.make_risk_point(unit=workshop, name="配电室", kind="place")
    b.make_risk(low_point, event="触电", method="ls", l=1, s=2)
    b.make_hazard(unit=workshop)  # unlinked
    from safety.services import risk_checks

    risk_checks.record_check(
        owner,
        control,
        {"result": "failed", "hazard": {"title": "报警仪失效", "level": "general"}},
        now=NOW,
        today=b.TODAY,
    )
    return {
        "root": root,
        "plant": plant,
        "workshop": workshop,
        "owner_post": owner_post,
        "owner": owner,
        "point": point,
        "low_point": low_point,
        "risk": risk,
        "control": control,
    }


def _get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_pages_render_for_a_reader(client, auth, register):
    reader = b.make_user(locale="en")
    auth.login(reader.email)
    r = register
    html = _get(client, "/risks/")
    assert "纯碱厂" in html and 'href="/risks/units/' in html
    html = _get(client, f"/risks/units/{r['workshop'].id}")
    assert "液氨储罐区" in html and 'data-level="major"' in html
    assert 'id="point-form"' not in html  # a reader cannot add points
    html = _get(client, f"/risks/points/{r['point'].id}")
    assert "液氨泄漏中毒" in html and "氨气泄漏报警与紧急切断联锁" in html
    assert "Company" in html and "Workshop" in html  # tiers from the tree
    assert "Virtually impossible" in html  # the scales with their meaning
    assert 'id="risk-form"' not in html
    html = _get(client, f"/risks/posts/{r['owner_post'].id}")
    assert "氨气泄漏报警与紧急切断联锁" in html
    _get(client, f"/risks/controls/{r['control'].id}/check", 403)
    _get(client, "/risks/points/999999", 404)


def test_map_colours_points_and_marks_open_hazards(client, auth, register):
    auth.login(b.make_user().email)
    html = _get(client, f"/risks/units/{register['plant'].id}/map")
    assert 'aria-labelledby="map-title map-desc"' in html and "<title" in html
    point = re.search(
        rf'<a href="/risks/points/{register["point"].id}"[^>]*data-colour="(\w+)"', html
    )
    assert point and point.group(1) == "red"
    low = re.search(
        rf'<a href="/risks/points/{register["low_point"].id}"[^>]*data-colour="(\w+)"', html
    )
    assert low and low.group(1) == "blue"
    assert html.count('class="hazard-mark"') == 1


def test_board_and_card_print(client, auth, register):
    auth.login(b.make_user().email)
    html = _get(client, f"/risks/units/{register['root'].id}/board")
    assert "液氨泄漏中毒" in html and "启动液氨泄漏专项预案" in html
    assert register["owner"].name in html
    html = _get(client, f"/risks/posts/{register['owner_post'].id}/card")
    assert "<svg" in html and "http://safety.test/risks/posts/" in html
    assert "液氨泄漏中毒" in html and "启动液氨泄漏专项预案" in html


def test_owner_records_a_failed_check_with_a_photo(client, auth, register, db):
    r = register
    auth.login(r["owner"].email)
    page = _get(client, f"/risks/controls/{r['control'].id}/check")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture, "JPEG")
    picture.seek(0)
    response = client.post(
        f"/risks/controls/{r['control'].id}/check",
        data={
            "csrf_token": token,
            "result": "failed",
            "note": "紧急切断阀不动作",
            "hazard_title": "紧急切断阀失灵",
            "hazard_level": "general",
            "photos": (picture, "valve.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    hazard = db.session.scalar(sa.select(Hazard).where(Hazard.title == "紧急切断阀失灵"))
    assert response.headers["Location"].endswith(f"/hazards/{hazard.id}")
    assert (hazard.control_id, hazard.risk_point_id) == (r["control"].id, r["point"].id)
    check = db.session.scalar(sa.select(ControlCheck).where(ControlCheck.hazard_id == hazard.id))
    photo = db.session.scalar(
        sa.select(ControlCheckPhoto).where(ControlCheckPhoto.check_id == check.id)
    )
    assert client.get(f"/risks/photos/{photo.thumb_name}").status_code == 200


def test_editor_adds_point_risk_and_control(client, auth, register, db):
    r = register
    editor = b.grant_hazard_role("main", r["plant"])
    auth.login(editor.email)
    page = _get(client, f"/risks/units/{r['workshop'].id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/risks/units/{r['workshop'].id}",
        data={"csrf_token": token, "name": "碳化塔", "kind": "installation"},
    )
    assert response.status_code == 302
    point = db.session.scalar(sa.select(RiskPoint).where(RiskPoint.name == "碳化塔"))
    bad = client.post(
        f"/risks/points/{point.id}/risks",
        data={
            "csrf_token": token,
            "new-event": "CO2泄漏窒息",
            "new-method": "lec",
            "new-lec_l": "4",
            "new-lec_e": "6",
            "new-lec_c": "7",
        },
    )
    assert bad.status_code == 422
    assert re.search(r'has-error[^>]*>\s*<label for="new-lec_l"', bad.get_data(as_text=True))
    good = client.post(
        f"/risks/points/{point.id}/risks",
        data={
            "csrf_token": token,
            "new-event": "CO2泄漏窒息",
            "new-method": "ls",
            "new-ls_l": "3",
            "new-ls_s": "4",
        },
    )
    assert good.status_code == 302
    risk = db.session.scalar(sa.select(Risk).where(Risk.risk_point_id == point.id))
    assert (risk.score, risk.level.value) == (12, "medium")
    response = client.post(
        f"/risks/risks/{risk.id}/controls",
        data={
            "csrf_token": token,
            f"c{risk.id}-kind": "management",
            f"c{risk.id}-text": "进塔作业审批",
            f"c{risk.id}-owner_post_id": str(r["owner_post"].id),
            f"c{risk.id}-check_every_days": "30",
        },
    )
    assert response.status_code == 302


def test_reader_cannot_post_to_the_register(client, auth, register):
    auth.login(b.make_user().email)
    page = _get(client, "/risks/")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        f"/risks/units/{register['workshop'].id}",
        data={"csrf_token": token, "name": "x", "kind": "place"},
    )
    assert response.status_code == 403


def test_signed_out_is_sent_to_sign_in(client, register):
    response = client.get("/risks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_navigation_links_the_register(client, auth, register):
    auth.login(b.make_user().email)
    assert 'href="/risks/"' in _get(client, "/risks/")


def test_every_risk_gap_links_to_a_page_that_fixes_it(app, client, auth, register):
    from safety.risks.views import RISK_GAP_TITLES, gap_link
    from safety.services import risks

    point = b.make_risk_point(unit=register["plant"])
    b.make_control(b.make_risk(point), b.make_post(unit=register["workshop"]))
    gaps = risks.find_risk_gaps(b.TODAY)
    assert {g["type"] for g in gaps} == set(RISK_GAP_TITLES) == set(risks.RISK_GAP_TYPES)
    auth.login(b.make_user().email)
    for gap in gaps:
        with app.test_request_context():
            url, label = gap_link(gap)
        assert label
        assert client.get(url).status_code == 200
