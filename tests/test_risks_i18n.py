"""The register's pages read right in both languages (issue 15, walked as each role)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from tests import builders as b
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def point(app):
    unit = b.make_unit(name="蒸吸车间")
    point = b.make_risk_point(unit=unit, name="液氨储罐区")
    b.make_control(b.make_risk(point, event="液氨泄漏中毒"), b.make_post(unit=unit))
    return point


def test_the_assessment_scales_in_the_forms_are_translated(client, auth, point):
    editor = b.make_user(is_admin=True, locale="zh_CN")
    auth.login(editor.email)
    html = client.get(f"/risks/points/{point.id}").get_data(as_text=True)
    assert '<option value="10">10 · 完全可以预料</option>' in html
    assert "Fully expected" not in html and "Could happen" not in html
    english = b.make_user(is_admin=True, locale="en")
    auth.logout()
    auth.login(english.email)
    html = client.get(f"/risks/points/{point.id}").get_data(as_text=True)
    assert '<option value="10">10 · Fully expected</option>' in html


def test_the_card_names_each_controls_owner_and_uses_chinese_punctuation(client, auth, app):
    unit = b.make_unit(name="蒸吸车间")
    post = b.make_post(unit=unit, title="液氨罐区班长")
    holder = b.make_holder(post, name="韩晓东")
    vacant = b.make_post(unit=unit, title="设备主任")
    point = b.make_risk_point(unit=unit, name="液氨储罐区")
    risk = b.make_risk(point, event="液氨泄漏中毒", consequence="人员中毒")
    b.make_control(risk, post, kind="engineering", text="氨气报警联锁每日测试")
    b.make_control(risk, vacant, kind="emergency", text="启动液氨泄漏专项预案")
    auth.login(holder.email)
    html = client.get(f"/risks/posts/{post.id}/card").get_data(as_text=True)
    assert "可能导致的后果：人员中毒" in html and "可能导致的后果:" not in html
    assert "工程技术措施：氨气报警联锁每日测试" in html
    assert "（责任岗位：液氨罐区班长，韩晓东）" in html
    assert "（责任岗位：设备主任，空缺）" in html
    check = client.get("/risks/").get_data(as_text=True)
    control_id = check.split("/risks/controls/")[1].split("/")[0]
    page = client.get(f"/risks/controls/{control_id}/check").get_data(as_text=True)
    assert "工程技术措施：氨气报警联锁每日测试" in page


def test_a_failed_check_picks_its_major_criterion_from_the_published_list(client, auth, app):
    from safety.extensions import db
    from safety.models import Hazard

    unit = b.make_unit(name="蒸吸车间")
    post = b.make_post(unit=unit, title="液氨罐区班长")
    holder = b.make_holder(post, locale="zh_CN")
    point = b.make_risk_point(unit=unit, name="液氨储罐区")
    control = b.make_control(b.make_risk(point), post, text="紧急切断阀联锁测试")
    auth.login(holder.email)
    page = client.get(f"/risks/controls/{control.id}/check").get_data(as_text=True)
    select = page.split('name="hazard_criterion"')[0].rsplit("<", 1)[1]
    assert select.startswith("select")
    assert '<option value="HG2017-05">HG2017-05 ' in page
    from tests.conftest import csrf_token_from

    response = client.post(
        f"/risks/controls/{control.id}/check",
        data={
            "csrf_token": csrf_token_from(page),
            "result": "failed",
            "hazard_title": "紧急切断阀失效",
            "hazard_level": "major",
            "hazard_criterion": "HG2017-05",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    hazard = db.session.scalar(sa.select(Hazard))
    assert hazard.criterion == "HG2017-05" and hazard.control_id == control.id
