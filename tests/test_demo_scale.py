"""`demo scale` (contract §3): a generated organisation of the size asked for,
with hazards over every status and deadlines on both sides of today."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from safety.models import Hazard, Inspection, PostHolder, RiskPoint, Unit, User
from safety.services.overdue import overdue_clause


def test_scale_adds_an_organisation_of_the_size_asked(db: Any, runner: Any) -> None:
    result = runner.invoke(
        args=["demo", "scale", "--hazards", "400", "--people", "60", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "400 hazards" in result.output

    count = lambda stmt: db.session.scalar(sa.select(sa.func.count()).select_from(stmt))  # noqa: E731
    assert count(Hazard) == 400
    assert count(Inspection) == 40 and count(RiskPoint) == 20
    assert count(sa.select(User).where(User.email.like("scale1-%")).subquery()) == 60
    assert count(PostHolder) == 60
    statuses = set(db.session.scalars(sa.select(Hazard.status).distinct()))
    assert {s.value for s in statuses} == {
        "reported",
        "rectifying",
        "pending_verification",
        "closed",
        "void",
    }
    numbers = db.session.scalars(sa.select(Hazard.number)).all()
    assert len(set(numbers)) == 400
    # Some are major, each naming a criterion, even in a database made without
    # migrations (the tests' and the bench's): the shipped criteria are added.
    majors = db.session.scalars(sa.select(Hazard.criterion).where(Hazard.level == "major")).all()
    assert majors and all(majors)
    today = db.session.scalar(sa.select(sa.func.max(Hazard.found_on)))
    assert db.session.scalar(sa.select(sa.func.count()).where(overdue_clause(today))) > 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Hazard.deadline > today)) > 0

    again = runner.invoke(args=["demo", "scale", "--hazards", "10", "--people", "5"])
    assert again.exit_code == 0, again.output
    assert count(Hazard) == 410
    assert len(set(db.session.scalars(sa.select(Hazard.number)))) == 410
    assert db.session.scalar(sa.select(sa.func.count()).where(Unit.code == "SCALE2")) == 1


def test_scale_refuses_nonsense_sizes(runner: Any) -> None:
    result = runner.invoke(args=["demo", "scale", "--hazards", "-1", "--people", "5"])
    assert result.exit_code != 0
    assert "--hazards" in result.output
