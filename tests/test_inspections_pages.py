"""Logging an inspection through the HTML form: QR link, drafts, photos, hazards."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardPhoto,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    InspectionPlan,
    InspectionStatus,
)
from safety.services import inspections
from tests import builders
from tests.conftest import NOW, TODAY


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


def _form(client, checklist, unit, **fields):
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)
    data = {
        "csrf_token": token,
        "unit_id": str(unit.id),
        "checklist_id": str(checklist.id),
        "performed_at": "2026-03-12T09:00",
        "location": "1号罐",
    }
    data.update(fields)
    return data


def test_qr_link_opens_the_start_page_then_the_form_for_that_unit(setup, client):
    unit, _officer, checklist = setup
    start = client.get(f"/inspections/new?unit={unit.code}")
    assert start.status_code == 200
    assert "液氨罐区" in start.text or unit.code in start.text
    form = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}&location=泵房")
    assert form.status_code == 200
    assert "液位计完好" in form.text and 'name="result-2"' in form.text
    assert 'value="泵房"' in form.text


def test_unknown_unit_code_says_so(setup, client):
    response = client.get("/inspections/new?unit=NOPE")
    assert response.status_code == 200
    assert "NOPE" in response.text


def test_submit_with_failed_item_and_photo_raises_a_hazard_with_the_photo(setup, client):
    unit, officer, checklist = setup
    data = _form(
        client,
        checklist,
        unit,
        action="submit",
        **{
            "result-0": "pass",
            "result-1": "fail",
            "note-1": "法兰处有液氨泄漏",
            "raise-1": "1",
            "hazard_title-1": "1号罐法兰泄漏",
            "hazard_level-1": "major",
            "hazard_criterion-1": "HG2017-05",
            "result-2": "na",
        },
    )
    data["photos-1"] = (io.BytesIO(_jpeg()), "leak.jpg")
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    inspection = db.session.scalar(sa.select(Inspection))
    assert inspection.status == InspectionStatus.SUBMITTED
    assert inspection.inspector_id == officer.id
    hazard = db.session.scalar(sa.select(Hazard))
    assert (hazard.title, hazard.level.value, hazard.unit_id) == ("1号罐法兰泄漏", "major", unit.id)
    assert hazard.location == "1号罐"
    item = db.session.scalar(sa.select(InspectionItem).where(InspectionItem.position == 1))
    assert item.hazard_id == hazard.id
    assert db.session.query(InspectionPhoto).count() == 1
    assert db.session.query(HazardPhoto).filter_by(hazard_id=hazard.id).count() == 1
    page = client.get(response.headers["Location"])
    assert hazard.number in page.text and "1号罐法兰泄漏" in page.text
    photo = db.session.scalar(sa.select(InspectionPhoto))
    assert client.get(f"/inspections/photos/{photo.thumb_name}").status_code == 200


def test_failed_photo_required_item_without_photo_saves_nothing(setup, client):
    unit, _officer, checklist = setup
    data = _form(
        client,
        checklist,
        unit,
        action="submit",
        **{"result-0": "fail", "raise-0": "1", "hazard_title-0": "液位计坏", "result-1": "fail"},
        **{"raise-1": "1", "hazard_title-1": "泄漏", "result-2": "pass"},
    )
    response = client.post("/inspections/new", data=data)
    assert response.status_code == 422
    assert "无泄漏" in response.text  # the message names the item
    assert db.session.query(Inspection).count() == 0
    assert db.session.query(Hazard).count() == 0


def test_missing_result_on_submit_names_the_item_and_keeps_entries(setup, client):
    unit, _officer, checklist = setup
    data = _form(client, checklist, unit, action="submit", **{"result-0": "pass", "note-0": "正常"})
    response = client.post("/inspections/new", data=data)
    assert response.status_code == 422
    assert 'id="item-1"' in response.text and "has-error" in response.text
    assert "正常" in response.text
    assert db.session.query(Inspection).count() == 0


def test_draft_then_submit_moves_the_plan_on_and_a_second_submit_adds_nothing(setup, client):
    unit, officer, checklist = setup
    post = builders.make_post(unit=unit)
    builders.make_holding(post, officer)
    plan = inspections.create_plan(
        builders.actor(),
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "responsible_post_id": post.id,
            "kind": "monthly",
            "start_date": date(2026, 1, 31),
        },
        today=TODAY,
        now=NOW,
    )
    data = _form(
        client, checklist, unit, action="save", plan_id=str(plan.id), **{"result-0": "fail"}
    )
    response = client.post("/inspections/new", data=data)
    assert response.status_code == 302
    draft = db.session.scalar(sa.select(Inspection))
    assert draft.status == InspectionStatus.DRAFT
    assert db.session.query(Hazard).count() == 0
    assert db.session.get(InspectionPlan, plan.id).next_due == date(2026, 1, 31)

    edit_url = f"/inspections/{draft.id}/edit"
    page = client.get(edit_url)
    assert page.status_code == 200 and 'value="fail" checked' in page.text
    submit = _form(
        client,
        checklist,
        unit,
        action="submit",
        **{
            "result-0": "fail",
            "raise-0": "1",
            "hazard_title-0": "液位计坏",
            "hazard_level-0": "general",
            "result-1": "pass",
            "result-2": "pass",
        },
    )
    assert client.post(edit_url, data=submit).status_code == 302
    assert db.session.query(Hazard).count() == 1
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).next_due == date(2026, 3, 31)

    again = client.post(edit_url, data=submit)
    assert again.status_code == 302
    assert db.session.query(Hazard).count() == 1


def test_history_lists_pass_rate_and_exports_excel(setup, client):
    unit, officer, checklist = setup
    inspections.record_inspection(
        officer,
        {
            "unit_id": unit.id,
            "performed_at": NOW,
            "items": [
                {"text": "a", "result": "pass"},
                {"text": "b", "result": "fail"},
                {"text": "c", "result": "na"},
            ],
        },
        now=NOW,
    )
    page = client.get(f"/inspections/history?unit={unit.id}&subunits=y")
    assert page.status_code == 200
    assert "50%" in page.text
    export = client.get(f"/inspections/history.xlsx?unit={unit.id}")
    assert export.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet.max_row == 2
    assert sheet.cell(row=2, column=9).value == 1  # failed


def test_pages_render(setup, client):
    unit, _officer, checklist = setup
    for path in (
        "/inspections/",
        "/inspections/checklists",
        f"/inspections/checklists/{checklist.id}",
        "/inspections/checklists/new",
        "/inspections/checklists/import",
        "/inspections/plans",
        "/inspections/plans/new",
        f"/inspections/units/{unit.code}",
        f"/inspections/qr/{unit.code}/sheet",
        "/inspections/history",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/inspections/units/NOPE").status_code == 404
    assert client.get("/inspections/photos/../../etc/passwd").status_code == 404


def test_pages_need_sign_in(client, app):
    assert client.get("/inspections/").status_code == 302


def test_plan_form_creates_a_plan_for_a_manager(app, client, auth, admin):
    unit = builders.make_unit(code="CALC")
    post = builders.make_post(unit=unit)
    checklist = builders.make_checklist()
    auth.login(admin.email)
    token = auth.csrf("/inspections/plans/new")
    bad = client.post(
        "/inspections/plans/new",
        data={"csrf_token": token, "unit_id": str(unit.id), "kind": "monthly"},
    )
    assert bad.status_code == 200 and "has-error" in bad.text
    assert db.session.query(InspectionPlan).count() == 0
    response = client.post(
        "/inspections/plans/new",
        data={
            "csrf_token": token,
            "unit_id": str(unit.id),
            "checklist_id": str(checklist.id),
            "kind": "quarterly",
            "responsible_post_id": str(post.id),
            "start_date": "2025-11-30",
        },
    )
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(InspectionPlan))
    assert (plan.kind.value, plan.next_due) == ("quarterly", date(2025, 11, 30))
    page = client.get(f"/inspections/units/{unit.code}")
    assert "badge-overdue" in page.text


def test_checklist_form_names_the_bad_row(app, client, auth, admin):
    auth.login(admin.email)
    token = auth.csrf("/inspections/checklists/new")
    response = client.post(
        "/inspections/checklists/new",
        data={
            "csrf_token": token,
            "name": "",
            "text-0": "有内容",
            "text-1": "",
            "guidance-1": "只有要点没有内容",
        },
    )
    assert response.status_code == 422
    assert response.text.count('class="error"') >= 2  # the name and row 2
    assert "只有要点没有内容" in response.text


def test_hazard_links_back_to_its_inspection(setup):
    unit, officer, _checklist = setup
    inspection = builders.make_inspection(
        unit=unit,
        inspector=officer,
        items=[{"text": "a", "result": "fail", "hazard": {"title": "t", "level": "general"}}],
    )
    (hazard_id,) = inspections.hazard_ids_of(inspection)
    assert inspections.inspection_of_hazard(hazard_id).id == inspection.id
