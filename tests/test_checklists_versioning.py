"""Checklists are versioned: editing items makes a new version, old inspections keep theirs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import ChecklistItem, Responsibility
from safety.services import inspections
from safety.services.errors import Forbidden, ValidationError
from tests import builders
from tests.conftest import NOW, TODAY


def _checklist():
    return inspections.create_checklist(
        builders.actor(),
        {
            "name": "消防设施月度检查",
            "items": [
                {"section": "灭火器", "text": "压力正常", "guidance": "指针在绿区"},
                {"section": "消防栓", "text": "水带完好", "photo_required_on_fail": True},
            ],
        },
        now=NOW,
    )


def test_editing_items_makes_a_new_version_and_keeps_the_old_one(app):
    checklist = _checklist()
    unit = builders.make_unit()
    old = inspections.record_inspection(
        builders.actor(),
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "performed_at": NOW,
            "items": [{"result": "pass"}, {"result": "pass"}],
        },
        now=NOW,
    )
    inspections.update_checklist(
        builders.actor(),
        checklist,
        {"name": "消防设施月度检查", "items": ["压力正常", "水带完好", "应急照明有效"]},
        today=TODAY,
        now=NOW,
    )
    assert checklist.version == 2
    assert [i.text for i in inspections.checklist_items(checklist)] == [
        "压力正常",
        "水带完好",
        "应急照明有效",
    ]
    v1 = inspections.checklist_items(checklist, 1)
    assert [(i.section, i.text, i.photo_required_on_fail) for i in v1] == [
        ("灭火器", "压力正常", False),
        ("消防栓", "水带完好", True),
    ]
    assert old.checklist_version == 1
    assert [i.text for i in old.items] == ["压力正常", "水带完好"]


def test_renaming_only_keeps_the_version(app):
    checklist = _checklist()
    items = [
        {
            "section": i.section,
            "text": i.text,
            "guidance": i.guidance,
            "photo_required_on_fail": i.photo_required_on_fail,
        }
        for i in inspections.checklist_items(checklist)
    ]
    inspections.update_checklist(
        builders.actor(), checklist, {"name": "新名称", "items": items}, today=TODAY, now=NOW
    )
    assert (checklist.name, checklist.version) == ("新名称", 1)
    assert db.session.scalar(sa.select(sa.func.count(ChecklistItem.id))) == 2


def test_a_new_inspection_uses_the_current_version(app):
    checklist = _checklist()
    inspections.update_checklist(
        builders.actor(), checklist, {"name": "x", "items": ["只有一项"]}, today=TODAY, now=NOW
    )
    inspection = inspections.record_inspection(
        builders.actor(),
        {
            "unit_id": builders.make_unit().id,
            "checklist_id": checklist.id,
            "performed_at": NOW,
            "items": [{"result": "fail"}],
        },
        now=NOW,
    )
    assert inspection.checklist_version == 2
    assert inspection.items[0].text == "只有一项"


def test_a_retired_checklist_takes_no_new_inspections(app):
    checklist = _checklist()
    inspections.set_checklist_active(builders.actor(), checklist, False, today=TODAY, now=NOW)
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            builders.actor(),
            {
                "unit_id": builders.make_unit().id,
                "checklist_id": checklist.id,
                "performed_at": NOW,
                "items": [{"result": "pass"}],
            },
            now=NOW,
        )
    assert "checklist_id" in error.value.fields


def test_plain_users_may_create_but_not_edit_checklists(app):
    user = builders.make_user()
    checklist = inspections.create_checklist(user, {"name": "c", "items": ["a"]}, now=NOW)
    with pytest.raises(Forbidden):
        inspections.update_checklist(
            user, checklist, {"name": "c", "items": ["b"]}, today=TODAY, now=NOW
        )


def test_safety_managers_may_edit_checklists(app):
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    manager = builders.make_holder(post)
    db.session.add(Responsibility(post_id=post.id, unit_id=unit.id, kind="supervision"))
    db.session.commit()
    assert inspections.can_manage_checklists(manager, TODAY)
    assert not inspections.can_manage_checklists(builders.make_user(), TODAY)


def test_checklist_item_errors_name_the_item(app):
    with pytest.raises(ValidationError) as error:
        inspections.create_checklist(
            builders.actor(), {"name": "c", "items": ["ok", {"text": "x" * 3000}]}, now=NOW
        )
    assert list(error.value.fields) == ["items.1.text"]


def test_html_edit_makes_a_new_version(app, client, auth, admin):
    checklist = _checklist()
    auth.login(admin.email)
    token = auth.csrf(f"/inspections/checklists/{checklist.id}/edit")
    response = client.post(
        f"/inspections/checklists/{checklist.id}/edit",
        data={
            "csrf_token": token,
            "name": "消防设施月度检查",
            "section-0": "灭火器",
            "text-0": "压力正常",
            "section-1": "消防栓",
            "text-1": "水带完好",
            "photo-1": "1",
            "section-2": "消防栓",
            "text-2": "",
            "section-3": "照明",
            "text-3": "应急照明有效",
        },
    )
    assert response.status_code == 302
    db.session.refresh(checklist)
    assert checklist.version == 2
    assert [i.text for i in inspections.checklist_items(checklist)] == [
        "压力正常",
        "水带完好",
        "应急照明有效",
    ]
    old = client.get(f"/inspections/checklists/{checklist.id}?version=1")
    assert "指针在绿区" in old.text
