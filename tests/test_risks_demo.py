"""The demo register: realistic, owners at every tier, failed checks with hazards, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from safety.clock import local_date
from safety.demo import matrix as demo_matrix
from safety.demo import org as demo_org
from safety.demo import risks as demo_risks
from safety.extensions import db
from safety.models import AuditEvent, ControlCheck, Hazard, RiskControl, RiskLevel
from safety.services import risk_checks, risks
from tests.builders import NOW


def _load() -> None:
    demo_org.load(now=NOW)
    demo_matrix.load(now=NOW)
    demo_risks.load(now=NOW)


def test_demo_register(app):
    _load()
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    _load()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events

    today = local_date(NOW)
    depths = risks.unit_depths()
    controls = list(db.session.scalars(sa.select(RiskControl)))
    tiers = {risks.tier_of_post(c.owner_post, depths) for c in controls}
    assert tiers == set(risks.TIER_ORDER)
    levels = {c.risk.level for c in controls}
    assert levels == set(RiskLevel)

    failed = list(
        db.session.scalars(sa.select(ControlCheck).where(ControlCheck.hazard_id.isnot(None)))
    )
    assert len(failed) >= 3
    for check in failed:
        hazard = db.session.get(Hazard, check.hazard_id)
        assert hazard.control_id == check.control_id
        assert hazard.risk_point_id == check.control.risk.risk_point_id

    gaps = {g["type"] for g in risks.find_risk_gaps(today)}
    assert gaps == {"risk_tier_too_low", "control_owner_vacant"}
    rows, _ = risk_checks.due_checks(today, limit=200)
    assert any(r["overdue"] for r in rows) and any(not r["overdue"] for r in rows)
    han = demo_org.find_user("hanxiaodong")
    assert risk_checks.due_checks_for_digest(today)[han.id]
