"""The demo history: a year of trends, loaded once, and the post that changed hands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from safety.demo import history, load_demo
from safety.demo import org as demo_org
from safety.extensions import db
from safety.models import AuditEvent, Hazard, Inspection
from safety.services import reports

NOW = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 12)


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Hazard.id))),
        db.session.scalar(sa.select(sa.func.count(Inspection.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    )


def test_demo_history_gives_trends_loads_once_and_names_both_holders(app: Any) -> None:
    """One load for all checks: the demo takes a while to build."""
    load_demo(now=NOW)
    first = _counts()
    assert first[0] > 150
    load_demo(now=NOW)
    assert _counts() == first
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == history.MARKER))
        == 1
    )

    scope = reports.resolve_scope(None)
    board = reports.dashboard(scope, reports.previous_month(TODAY), today=TODAY)
    months_with_data = [p for p in board.trend if p.found and p.closed]
    assert len(months_with_data) >= 11
    assert board.figures.found > 0 and board.inspections.done > 0
    assert 0 < board.figures.rectification_rate <= 1
    assert len(board.units) >= 5  # the headquarters and the units below it

    # The carried-over hazard: overdue since 2025-06-26, its post changed hands on 07-01.
    hazard = db.session.scalar(
        sa.select(Hazard).where(Hazard.title == history.CARRIED_OVER["title"])
    )
    assert hazard is not None and hazard.status.value == "rectifying"
    (case,) = reports.accountability(None, None, hazard_id=hazard.id, today=TODAY)
    assert [(s.name, s.start, s.end) for s in case.spans] == [
        ("陈涛", date(2025, 6, 26), date(2025, 6, 30)),
        ("吴芳", date(2025, 7, 1), TODAY),
    ]
    assert case.spans[0].reminder_count == 5
    assert case.spans[1].reminder_count > 0
    assert demo_org.find_post(demo_org.SODA_CARB, demo_org.SAFETY_OFFICER).id == (
        hazard.accountable_post_id
    )
