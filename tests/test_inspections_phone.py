"""The phone inspection form: photos survive errors, "all pass", the QR shortcut, English."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from safety.extensions import db
from safety.models import Inspection, InspectionItem, InspectionPhoto, InspectionStatus
from safety.services import inspections
from tests import builders
from tests.conftest import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def setup(app, auth):
    unit = builders.make_unit(name="液氨罐区", code="NH3")
    officer = builders.make_user(email="officer@example.com", name="李明")
    checklist = inspections.create_checklist(
        builders.actor(),
        {
            "name": "储罐区日常检查",
            "items": [
                {"section": "储罐", "text": "液位计完好"},
                {"section": "储罐", "text": "无泄漏", "photo_required_on_fail": True},
                {"section": "消防", "text": "灭火器在有效期内"},
            ],
        },
        now=NOW,
    )
    auth.login(officer.email)
    return unit, officer, checklist


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _form(client, checklist, unit, **fields):
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}")
    data = {
        "csrf_token": _token(page.text),
        "unit_id": str(unit.id),
        "checklist_id": str(checklist.id),
        "performed_at": "2026-03-12T09:00",
        "location": "1号罐",
    }
    data.update(fields)
    return data


# --- photos survive a validation error ------------------------------------------


def test_photos_survive_a_failed_submit_kept_with_a_draft(setup, client):
    unit, officer, checklist = setup
    data = _form(client, checklist, unit, action="submit", **{"result-0": "pass"})
    data["photos-0"] = (io.BytesIO(_jpeg()), "gauge.jpg")
    data["photos-1"] = (io.BytesIO(_jpeg()), "leak.jpg")  # no result chosen yet
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    draft = db.session.scalar(sa.select(Inspection))
    assert draft is not None and draft.status == InspectionStatus.DRAFT
    assert draft.inspector_id == officer.id
    assert db.session.query(InspectionPhoto).count() == 2
    # The form shows the kept photos, the errors, and posts on to the draft.
    assert f'action="/inspections/{draft.id}/edit"' in response.text
    assert response.text.count('<img src="/inspections/photos/') == 2
    assert 'id="item-1"' in response.text and "has-error" in response.text
    assert "必须重新选择" not in response.text
    # Answering the rest submits the inspection with both photos.
    fixed = {
        "csrf_token": _token(response.text),
        "action": "submit",
        "performed_at": "2026-03-12T09:00",
        "result-0": "pass",
        "result-1": "fail",
        "result-2": "pass",
    }
    done = client.post(f"/inspections/{draft.id}/edit", data=fixed)
    assert done.status_code == 302, done.text
    db.session.expire_all()
    assert db.session.get(Inspection, draft.id).status == InspectionStatus.SUBMITTED
    item = db.session.scalar(sa.select(InspectionItem).where(InspectionItem.position == 1))
    assert db.session.query(InspectionPhoto).filter_by(item_id=item.id).count() == 1


def test_a_draft_item_with_a_photo_and_no_result_stays_a_draft_item(setup):
    unit, officer, checklist = setup
    draft = inspections.save_inspection(
        officer,
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "items": [{"result": None, "photos": [_jpeg()]}, {}, {}],
        },
        submit=False,
        now=NOW,
    )
    assert [(i.position, i.result) for i in draft.items] == [(0, None)]
    assert db.session.query(InspectionPhoto).count() == 1
    rows = inspections.history(inspector_id=officer.id)
    assert rows == []  # drafts are not history


def test_without_photos_a_failed_submit_still_saves_nothing(setup, client):
    unit, _officer, checklist = setup
    data = _form(client, checklist, unit, action="submit", **{"result-0": "pass"})
    response = client.post("/inspections/new", data=data)
    assert response.status_code == 422
    assert db.session.query(Inspection).count() == 0


# --- the form's helpers for phones ------------------------------------------------


def test_the_form_offers_an_all_pass_button_and_marks_result_errors(setup, client):
    unit, _officer, checklist = setup
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}")
    button = re.search(r"<button[^>]*data-all-pass[^>]*>", page.text)
    assert button and 'type="button"' in button.group(0)
    data = _form(client, checklist, unit, action="submit", **{"result-0": "pass"})
    refused = client.post("/inspections/new", data=data)
    assert refused.status_code == 422
    # The script clears these when the item is answered.
    assert re.search(r'<div class="result-errors"[^>]*>\s*<p class="error"', refused.text)


# --- the QR link ------------------------------------------------------------------


def test_qr_link_opens_the_plans_checklist_when_the_unit_has_one_plan_due(setup, client):
    unit, _officer, checklist = setup
    plan = builders.make_plan(unit=unit, checklist=checklist, start_date=TODAY)
    builders.make_plan(unit=unit, start_date=TODAY + timedelta(days=5))  # not due yet
    page = client.get(f"/inspections/new?unit={unit.code}&location=泵房")
    assert page.status_code == 200
    assert 'name="result-2"' in page.text  # the form itself
    assert f'name="plan_id" value="{plan.id}"' in page.text
    assert 'value="泵房"' in page.text


def test_qr_link_shows_the_choice_when_several_plans_are_due(setup, client):
    unit, _officer, checklist = setup
    builders.make_plan(unit=unit, checklist=checklist, start_date=TODAY)
    builders.make_plan(unit=unit, start_date=TODAY - timedelta(days=2))
    page = client.get(f"/inspections/new?unit={unit.code}")
    assert page.status_code == 200
    assert 'name="result-0"' not in page.text


# --- English ----------------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_english_pages_show_no_chinese(app, client, auth):
    unit = builders.make_unit(name="Tank farm", code="TF1")
    post = builders.make_post(unit=unit, title="Shift lead")
    user = builders.make_user(email="en@example.com", name="Ann", locale="en")
    builders.make_holding(post, user)
    checklist = inspections.create_checklist(
        builders.actor(),
        {
            "name": "Daily round",
            "items": [
                {"section": "Tanks", "text": "Gauge works"},
                {"section": "Tanks", "text": "No leak", "photo_required_on_fail": True},
            ],
        },
        now=NOW,
    )
    plan = builders.make_plan(unit=unit, post=post, checklist=checklist, start_date=TODAY)
    done = builders.make_inspection(
        inspector=user,
        unit=unit,
        checklist_id=checklist.id,
        location="Pump room",
        items=[
            {"result": "pass"},
            {
                "result": "fail",
                "note": "Flange drips",
                "hazard": {"title": "Flange leak", "level": "general"},
                "photos": [_jpeg()],
            },
        ],
    )
    auth.login(user.email)
    paths = [
        "/",
        "/inspections/",
        f"/inspections/new?unit={unit.code}",
        f"/inspections/new?plan={plan.id}",
        f"/inspections/{done.id}",
        "/inspections/checklists",
        f"/inspections/checklists/{checklist.id}",
        "/inspections/plans",
        "/inspections/history",
        f"/inspections/units/{unit.code}",
        f"/inspections/qr/{unit.code}/sheet",
    ]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        body = page.text[page.text.index("<main") :]
        # The criteria are regulatory text, published in Chinese only: data, not words.
        body = re.sub(r"<select[^>]*data-criteria>.*?</select>", "", body, flags=re.S)
        hit = CJK.search(body)
        assert hit is None, f"{path}: {body[max(hit.start() - 80, 0) : hit.start() + 40]}"
    data = {
        "csrf_token": _token(client.get(f"/inspections/new?plan={plan.id}").text),
        "unit_id": str(unit.id),
        "checklist_id": str(checklist.id),
        "plan_id": str(plan.id),
        "performed_at": "2026-03-12T09:00",
        "action": "submit",
        "result-0": "fail",
    }
    refused = client.post("/inspections/new", data=data)
    assert refused.status_code == 422
    body = refused.text[refused.text.index("<main") :]
    body = re.sub(r"<select[^>]*data-criteria>.*?</select>", "", body, flags=re.S)
    assert not CJK.findall(body), CJK.findall(body)


def test_photos_survive_when_the_prepared_hazard_is_refused(setup, client):
    unit, _officer, checklist = setup
    data = _form(
        client,
        checklist,
        unit,
        action="submit",
        **{"result-0": "pass", "result-1": "fail", "raise-1": "1", "hazard_title-1": " "},
        **{"result-2": "pass", "note-1": "法兰渗漏"},
    )
    data["photos-1"] = (io.BytesIO(_jpeg()), "leak.jpg")
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    draft = db.session.scalar(sa.select(Inspection))
    assert draft is not None and draft.status == InspectionStatus.DRAFT
    assert db.session.query(InspectionPhoto).count() == 1
    assert response.text.count('<img src="/inspections/photos/') == 1
    assert "法兰渗漏" in response.text


def test_the_form_opened_by_the_qr_shortcut_leads_back_to_the_choice(setup, client):
    unit, _officer, checklist = setup
    builders.make_plan(unit=unit, checklist=checklist, start_date=TODAY)
    form = client.get(f"/inspections/new?unit={unit.code}")
    assert f'href="/inspections/new?unit={unit.code}&amp;choose=1"' in form.text
    choice = client.get(f"/inspections/new?unit={unit.code}&choose=1")
    assert choice.status_code == 200 and 'name="result-0"' not in choice.text
