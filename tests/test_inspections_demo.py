"""The demo inspections load on the demo organisation and load again without change."""

from __future__ import annotations

import sqlalchemy as sa

from safety.demo import inspections as demo_inspections
from safety.demo import org as demo_org
from safety.extensions import db
from safety.models import AuditEvent, Checklist, Hazard, Inspection, InspectionPlan
from safety.services import inspections
from tests.conftest import NOW


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Checklist, InspectionPlan, Inspection, Hazard, AuditEvent)
    )


def test_demo_inspections_are_idempotent_and_someone_has_a_plan_due(app):
    demo_org.load(now=NOW)
    demo_inspections.load(now=NOW)
    first = _counts()
    assert first[:4] == (5, 6, 2, 1)
    demo_inspections.load(now=NOW)
    assert _counts() == first
    liming = demo_org.find_user("liming")
    today = NOW.date()
    assert [p.checklist.name for p in inspections.plans_due_for(liming, today)] == ["电气安全检查"]
    assert any(user == liming.id for user, _plan, _due in inspections.due_plans(today))
