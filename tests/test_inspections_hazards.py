"""Submitting an inspection raises its hazards in the same transaction, exactly once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from safety.extensions import db
from safety.models import (
    AuditEvent,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionItem,
    InspectionPlan,
    InspectionStatus,
)
from safety.services import hazards as hazard_service
from safety.services import inspections
from safety.services.errors import Conflict, Forbidden, ValidationError
from tests import builders
from tests.conftest import NOW, TODAY


@pytest.fixture
def unit(app):
    return builders.make_unit(name="动力车间", code="PWR")


@pytest.fixture
def officer(app):
    return builders.make_user(name="安全员")


def _items(second_hazard: dict | None = None) -> list[dict]:
    return [
        {
            "text": "配电柜门关闭",
            "result": "fail",
            "hazard": {"title": "配电柜门未关", "level": "general"},
        },
        {"text": "电缆无破损", "result": "pass"},
        {
            "text": "接地线完好",
            "result": "fail",
            "note": "接地线锈蚀断开",
            "hazard": second_hazard
            or {"title": "接地线断开", "level": "major", "criterion": "HG2017-05"},
        },
    ]


def _counts() -> tuple[int, int, int, int]:
    return (
        db.session.query(Inspection).count(),
        db.session.query(InspectionItem).count(),
        db.session.query(Hazard).count(),
        db.session.query(HazardEvent).count(),
    )


def test_each_failed_item_with_a_hazard_raises_one_linked_hazard(unit, officer):
    inspection = inspections.record_inspection(
        officer, {"unit_id": unit.id, "performed_at": NOW, "items": _items()}, now=NOW
    )
    rows = {i.position: i for i in inspection.items}
    hazards = {h.id: h for h in db.session.scalars(sa.select(Hazard))}
    assert len(hazards) == 2
    assert hazards[rows[0].hazard_id].title == "配电柜门未关"
    assert hazards[rows[2].hazard_id].level.value == "major"
    assert "接地线锈蚀断开" in hazards[rows[2].hazard_id].description
    assert rows[1].hazard_id is None
    assert [(i, h.status.value) for i, h in inspections.findings(inspection)] == [
        (rows[0], "reported"),
        (rows[2], "reported"),
    ]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"inspection.submit", "hazard.report"} <= actions


def test_a_failure_on_the_second_hazard_leaves_nothing(unit, officer, monkeypatch):
    """new_hazard succeeds for the first failed item, then fails: all is rolled back."""
    real = hazard_service.new_hazard
    calls = []

    def failing_second(actor, data, *, now):
        calls.append(data["title"])
        if len(calls) == 2:
            raise ValidationError({"title": "simulated failure"})
        return real(actor, data, now=now)

    monkeypatch.setattr(hazard_service, "new_hazard", failing_second)
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            officer, {"unit_id": unit.id, "performed_at": NOW, "items": _items()}, now=NOW
        )
    assert calls == ["配电柜门未关", "接地线断开"]
    assert "items.2.hazard.title" in error.value.fields
    assert _counts() == (0, 0, 0, 0)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action.in_(["hazard.report", "inspection.submit"])
            )
        )
        == 0
    )


def test_an_invalid_hazard_on_the_second_failed_item_saves_nothing(unit, officer):
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            officer,
            {
                "unit_id": unit.id,
                "performed_at": NOW,
                "items": _items({"title": "", "level": "major"}),
            },
            now=NOW,
        )
    assert "items.2.hazard.title" in error.value.fields
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("criterion", [None, "", "NO-SUCH-ITEM"])
def test_a_major_hazard_raised_by_an_item_needs_a_published_criterion(unit, officer, criterion):
    hazard = {"title": "接地线断开", "level": "major", "criterion": criterion}
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            officer,
            {"unit_id": unit.id, "performed_at": NOW, "items": _items(hazard)},
            now=NOW,
        )
    assert set(error.value.fields) == {"items.2.hazard.criterion"}
    assert _counts() == (0, 0, 0, 0)


def test_a_submitted_inspection_cannot_be_submitted_again(unit, officer):
    draft = inspections.save_inspection(
        officer, {"unit_id": unit.id, "performed_at": NOW, "items": _items()}, submit=False, now=NOW
    )
    assert db.session.query(Hazard).count() == 0
    inspections.save_inspection(
        officer,
        {"unit_id": unit.id, "performed_at": NOW, "items": _items()},
        inspection=draft,
        submit=True,
        now=NOW,
    )
    assert db.session.query(Hazard).count() == 2
    with pytest.raises(Conflict):
        inspections.save_inspection(
            officer,
            {"unit_id": unit.id, "performed_at": NOW, "items": _items()},
            inspection=draft,
            submit=True,
            now=NOW,
        )
    assert db.session.query(Hazard).count() == 2


def test_a_stale_draft_object_still_cannot_submit_twice(unit, officer):
    """Two submits that both loaded the draft: the guarded UPDATE lets one through."""
    draft = inspections.save_inspection(
        officer, {"unit_id": unit.id, "performed_at": NOW, "items": _items()}, submit=False, now=NOW
    )
    data = {"unit_id": unit.id, "performed_at": NOW, "items": _items()}
    inspections.save_inspection(officer, data, inspection=draft, submit=True, now=NOW)
    # What a racing request had loaded before the first submit committed:
    set_committed_value(draft, "status", InspectionStatus.DRAFT)
    with pytest.raises(Conflict):
        inspections.save_inspection(officer, data, inspection=draft, submit=True, now=NOW)
    assert db.session.query(Hazard).count() == 2


def test_only_the_inspector_may_continue_a_draft(unit, officer):
    draft = inspections.save_inspection(
        officer, {"unit_id": unit.id, "performed_at": NOW, "items": _items()}, submit=False, now=NOW
    )
    with pytest.raises(Forbidden):
        inspections.save_inspection(
            builders.make_user(),
            {"unit_id": unit.id, "performed_at": NOW, "items": _items()},
            inspection=draft,
            submit=True,
            now=NOW,
        )


def test_photo_required_item_failing_without_photo_is_refused(unit, officer):
    checklist = inspections.create_checklist(
        officer,
        {"name": "c", "items": [{"text": "无泄漏", "photo_required_on_fail": True}]},
        now=NOW,
    )
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            officer,
            {
                "unit_id": unit.id,
                "checklist_id": checklist.id,
                "performed_at": NOW,
                "items": [{"result": "fail", "hazard": {"title": "泄漏", "level": "general"}}],
            },
            now=NOW,
        )
    assert list(error.value.fields) == ["items.0.photos"]
    assert "无泄漏" in error.value.fields["items.0.photos"][0]
    assert _counts() == (0, 0, 0, 0)
    # passing needs no photo; a draft may fail it and add the photo later
    inspections.save_inspection(
        officer,
        {"unit_id": unit.id, "checklist_id": checklist.id, "items": [{"result": "fail"}]},
        submit=False,
        now=NOW,
    )
    assert db.session.query(Inspection).count() == 1


def test_submitting_for_a_plan_moves_its_due_date_on(unit, officer):
    post = builders.make_post(unit=unit)
    checklist = inspections.create_checklist(officer, {"name": "c", "items": ["a"]}, now=NOW)
    plan = inspections.create_plan(
        builders.actor(),
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "responsible_post_id": post.id,
            "kind": "weekly",
            "start_date": TODAY,
        },
        today=TODAY,
        now=NOW,
    )
    inspections.record_inspection(
        officer,
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "plan_id": plan.id,
            "performed_at": NOW,
            "items": [{"result": "pass"}],
        },
        now=NOW,
    )
    assert db.session.get(InspectionPlan, plan.id).next_due == TODAY.replace(day=19)


def test_plan_of_another_unit_is_a_field_error(unit, officer):
    other = builders.make_unit()
    checklist = inspections.create_checklist(officer, {"name": "c", "items": ["a"]}, now=NOW)
    plan = inspections.create_plan(
        builders.actor(),
        {
            "unit_id": other.id,
            "checklist_id": checklist.id,
            "responsible_post_id": builders.make_post(unit=other).id,
            "kind": "daily",
            "start_date": TODAY,
        },
        today=TODAY,
        now=NOW,
    )
    with pytest.raises(ValidationError) as error:
        inspections.record_inspection(
            officer,
            {"unit_id": unit.id, "plan_id": plan.id, "performed_at": NOW, "items": _items()},
            now=NOW,
        )
    assert "plan_id" in error.value.fields
