"""The phone inspection form: photos survive errors, "all pass", the QR shortcut, English."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from safety.extensions import db
from safety.models import Inspection, InspectionItem, InspectionPhoto, InspectionStatus
from safety.services import inspections
from tests import builders
from tests.conftest import NOW


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
