"""A draft keeps the hazard the inspector prepared for a failed item.

Title, grade and description typed at the plant survive saving a draft and
reopening it (the form shows them again), and submitting raises that hazard.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import Hazard, HazardLevel, Inspection, InspectionItem, InspectionStatus
from safety.services import inspections
from safety.services.errors import ValidationError
from tests import builders
from tests.conftest import NOW

TITLE = "储罐区静电接地线断开"
DESCRIPTION = "2号储罐静电接地线在法兰处断开，卸车时有静电积聚风险。"


@pytest.fixture
def setup(app):
    unit = builders.make_unit(name="储罐区", code="TANK")
    officer = builders.make_user(email="officer@example.com", name="王强")
    checklist = inspections.create_checklist(
        builders.actor(),
        {
            "name": "储罐区日常检查",
            "items": [
                {"section": "储罐", "text": "液位计完好"},
                {"section": "防静电", "text": "静电接地线连接可靠"},
                {"section": "消防", "text": "灭火器在有效期内"},
            ],
        },
        now=NOW,
    )
    return unit, officer, checklist


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def _shown_hazard(page: str, index: int) -> dict[str, str]:
    """The hazard part of item ``index`` as the form shows it."""
    title = re.search(rf'name="hazard_title-{index}"[^>]*value="([^"]*)"', page).group(1)
    select = re.search(rf'<select[^>]*name="hazard_level-{index}">(.*?)</select>', page, re.S)
    level = re.search(r'<option value="([^"]+)" selected>', select.group(1)).group(1)
    description = re.search(
        rf'<textarea[^>]*name="hazard_description-{index}"[^>]*>(.*?)</textarea>', page, re.S
    ).group(1)
    return {
        "title": html.unescape(title),
        "level": level,
        "description": html.unescape(description),
    }


def _draft_form(token: str, unit, checklist, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "unit_id": str(unit.id),
        "checklist_id": str(checklist.id),
        "performed_at": "2026-03-12T09:00",
        "location": "2号储罐",
        **fields,
    }


def _items(hazard: dict | None) -> list[dict]:
    return [
        {"result": "pass"},
        {"result": "fail", "note": "接地线断开", "hazard": hazard},
        {},
    ]


def test_prepared_hazard_survives_a_draft_and_is_raised_on_submit(setup, client, auth):
    unit, officer, checklist = setup
    auth.login(officer.email)
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}").text
    assert _shown_hazard(page, 1) == {
        "title": "静电接地线连接可靠",
        "level": "general",
        "description": "",
    }
    saved = client.post(
        "/inspections/new",
        data=_draft_form(
            _token(page),
            unit,
            checklist,
            action="save",
            **{
                "result-0": "pass",
                "result-1": "fail",
                "note-1": "接地线断开",
                "raise-1": "1",
                "hazard_title-1": TITLE,
                "hazard_level-1": "major",
                "hazard_description-1": DESCRIPTION,
            },
        ),
    )
    assert saved.status_code == 302, saved.text
    draft = db.session.scalar(sa.select(Inspection))
    assert draft.status == InspectionStatus.DRAFT
    assert db.session.query(Hazard).count() == 0

    # Reopened through the service: the stored values, not the item's text.
    row = db.session.scalar(sa.select(InspectionItem).where(InspectionItem.position == 1))
    assert (row.hazard_title, row.hazard_level, row.hazard_description) == (
        TITLE,
        HazardLevel.MAJOR,
        DESCRIPTION,
    )
    assert inspections.prepared_hazard(row, "静电接地线连接可靠") == {
        "title": TITLE,
        "level": "major",
        "description": DESCRIPTION,
    }

    # Reopened through the page: the form shows what was typed.
    edit_url = f"/inspections/{draft.id}/edit"
    page = client.get(edit_url)
    assert page.status_code == 200
    shown = _shown_hazard(page.text, 1)
    assert shown == {"title": TITLE, "level": "major", "description": DESCRIPTION}
    assert 'name="raise-1" value="1" checked' in page.text

    # Submitting the form as reopened (nothing retyped) raises that hazard.
    submitted = client.post(
        edit_url,
        data=_draft_form(
            _token(page.text),
            unit,
            checklist,
            action="submit",
            **{
                "result-0": "pass",
                "result-1": "fail",
                "note-1": "接地线断开",
                "raise-1": "1",
                "hazard_title-1": shown["title"],
                "hazard_level-1": shown["level"],
                "hazard_criterion-1": "HG2017-05",  # a major raised names its criterion
                "hazard_description-1": shown["description"],
                "result-2": "pass",
            },
        ),
    )
    assert submitted.status_code == 302, submitted.text
    hazard = db.session.scalar(sa.select(Hazard))
    assert (hazard.title, hazard.level, hazard.unit_id) == (TITLE, HazardLevel.MAJOR, unit.id)
    assert hazard.description == DESCRIPTION
    db.session.expire_all()
    row = db.session.get(InspectionItem, row.id)
    assert row.hazard_id == hazard.id
    assert (row.hazard_title, row.hazard_level) == (TITLE, HazardLevel.MAJOR)


def test_draft_saved_and_submitted_through_the_service(setup):
    unit, officer, checklist = setup
    hazard = {"title": TITLE, "level": "major"}
    data = {"unit_id": unit.id, "checklist_id": checklist.id, "items": _items(hazard)}
    draft = inspections.save_inspection(officer, data, submit=False, now=NOW)
    db.session.expire_all()
    reopened = db.session.get(Inspection, draft.id)
    rows = {item.position: item for item in reopened.items}
    assert inspections.prepared_hazard(rows[1], rows[1].text) == {
        "title": TITLE,
        "level": "major",
        "description": "",
    }
    assert rows[0].hazard_title is None

    data["items"][2] = {"result": "na"}
    data["items"][1]["hazard"] = {**hazard, "criterion": "HG2017-05"}
    inspections.save_inspection(officer, data, inspection=reopened, submit=True, now=NOW)
    raised = db.session.scalar(sa.select(Hazard))
    assert (raised.title, raised.level) == (TITLE, HazardLevel.MAJOR)
    assert "接地线断开" in raised.description  # none prepared: item and note


def test_nothing_stored_falls_back_to_the_item_text_and_general(setup):
    unit, officer, checklist = setup
    data = {"unit_id": unit.id, "checklist_id": checklist.id, "items": _items(None)}
    draft = inspections.save_inspection(officer, data, submit=False, now=NOW)
    row = next(item for item in draft.items if item.position == 1)
    assert row.hazard_title is None and row.hazard_level is None
    expected = {"title": "静电接地线连接可靠", "level": "general", "description": ""}
    assert inspections.prepared_hazard(row, row.text) == expected
    assert inspections.prepared_hazard(None, row.text) == expected


def test_an_item_no_longer_failed_forgets_its_prepared_hazard(setup):
    unit, officer, checklist = setup
    data = {
        "unit_id": unit.id,
        "checklist_id": checklist.id,
        "items": _items({"title": TITLE, "level": "major", "description": DESCRIPTION}),
    }
    draft = inspections.save_inspection(officer, data, submit=False, now=NOW)
    data["items"][1] = {"result": "pass", "hazard": {"title": TITLE, "level": "major"}}
    inspections.save_inspection(officer, data, inspection=draft, submit=False, now=NOW)
    db.session.expire_all()
    row = db.session.scalar(sa.select(InspectionItem).where(InspectionItem.position == 1))
    assert (row.hazard_title, row.hazard_level, row.hazard_description) == (None, None, None)


@pytest.mark.parametrize(
    ("hazard", "field"),
    [
        ({"title": TITLE, "level": "catastrophic"}, "items.1.hazard.level"),
        ({"title": "", "level": "major"}, "items.1.hazard.title"),
        ({"title": "x" * 301, "level": "major"}, "items.1.hazard.title"),
        (
            {"title": TITLE, "level": "major", "description": "x" * 20001},
            "items.1.hazard.description",
        ),
    ],
)
def test_a_bad_prepared_hazard_in_a_draft_is_a_field_error_and_saves_nothing(setup, hazard, field):
    unit, officer, checklist = setup
    data = {"unit_id": unit.id, "checklist_id": checklist.id, "items": _items(hazard)}
    with pytest.raises(ValidationError) as error:
        inspections.save_inspection(officer, data, submit=False, now=NOW)
    assert field in error.value.fields
    assert db.session.query(Inspection).count() == 0
    assert db.session.query(InspectionItem).count() == 0


def test_an_invalid_grade_on_the_draft_form_is_shown_next_to_the_item(setup, client, auth):
    unit, officer, checklist = setup
    auth.login(officer.email)
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}").text
    response = client.post(
        "/inspections/new",
        data=_draft_form(
            _token(page),
            unit,
            checklist,
            action="save",
            **{
                "result-1": "fail",
                "raise-1": "1",
                "hazard_title-1": TITLE,
                "hazard_level-1": "catastrophic",
            },
        ),
    )
    assert response.status_code == 422
    assert re.search(r'class="check-item has-error" id="item-1"', response.text)
    assert f'value="{TITLE}"' in response.text  # what was typed is kept
    assert db.session.query(Inspection).count() == 0


def test_api_shows_the_prepared_hazard_of_each_item(setup, api):
    unit, officer, checklist = setup
    data = {
        "unit_id": unit.id,
        "checklist_id": checklist.id,
        "items": _items({"title": TITLE, "level": "major", "description": DESCRIPTION}),
    }
    draft = inspections.save_inspection(officer, data, submit=False, now=NOW)
    api.login(officer.email)
    body = api.get(f"/inspections/{draft.id}").get_json()
    items = {item["position"]: item for item in body["items"]}
    assert (
        items[1]["hazard_title"],
        items[1]["hazard_level"],
        items[1]["hazard_description"],
    ) == (TITLE, "major", DESCRIPTION)
    assert (items[0]["hazard_title"], items[0]["hazard_level"]) == (None, None)


def test_a_failed_item_saved_without_raising_stays_unticked_when_reopened(setup, client, auth):
    """Submitting a reopened draft must not raise a hazard the inspector declined."""
    unit, officer, checklist = setup
    auth.login(officer.email)
    page = client.get(f"/inspections/new?unit={unit.code}&checklist={checklist.id}").text
    saved = client.post(
        "/inspections/new",
        data=_draft_form(
            _token(page),
            unit,
            checklist,
            action="save",
            **{"result-0": "pass", "result-1": "fail", "note-1": "已当场整改"},
        ),
    )
    assert saved.status_code == 302, saved.text
    draft = db.session.scalar(sa.select(Inspection))
    page = client.get(f"/inspections/{draft.id}/edit").text
    assert 'name="raise-1" value="1" checked' not in page
    assert 'name="raise-0" value="1" checked' in page
