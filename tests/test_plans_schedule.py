"""Inspection plans: due dates per kind across month ends and leap years, and who is due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from safety.extensions import db
from safety.models import InspectionPlan
from safety.services import inspections
from safety.services.errors import Forbidden, ValidationError
from tests import builders
from tests.conftest import NOW, TODAY

D = date


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        ("daily", D(2024, 2, 28), [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)]),
        ("daily", D(2023, 12, 31), [D(2023, 12, 31), D(2024, 1, 1), D(2024, 1, 2)]),
        ("weekly", D(2024, 2, 22), [D(2024, 2, 22), D(2024, 2, 29), D(2024, 3, 7)]),
        ("weekly", D(2023, 2, 22), [D(2023, 2, 22), D(2023, 3, 1), D(2023, 3, 8)]),
        (
            "monthly",
            D(2024, 1, 31),
            [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31)],
        ),
        ("monthly", D(2023, 1, 31), [D(2023, 1, 31), D(2023, 2, 28), D(2023, 3, 31)]),
        ("monthly", D(2024, 1, 30), [D(2024, 1, 30), D(2024, 2, 29), D(2024, 3, 30)]),
        ("monthly", D(2025, 12, 31), [D(2025, 12, 31), D(2026, 1, 31), D(2026, 2, 28)]),
        ("monthly", D(2024, 3, 15), [D(2024, 3, 15), D(2024, 4, 15), D(2024, 5, 15)]),
        (
            "quarterly",
            D(2023, 11, 30),
            [D(2023, 11, 30), D(2024, 2, 29), D(2024, 5, 30), D(2024, 8, 30)],
        ),
        (
            "quarterly",
            D(2024, 8, 31),
            [D(2024, 8, 31), D(2024, 11, 30), D(2025, 2, 28), D(2025, 5, 31)],
        ),
        (
            "seasonal",
            D(2024, 1, 15),
            [D(2024, 1, 15), D(2024, 3, 1), D(2024, 6, 1), D(2024, 9, 1), D(2024, 12, 1)],
        ),
        ("seasonal", D(2024, 12, 1), [D(2024, 12, 1), D(2025, 3, 1), D(2025, 6, 1)]),
        (
            "holiday",
            D(2024, 2, 29),
            [D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)],
        ),
        ("holiday", D(2025, 9, 30), [D(2025, 9, 30), D(2026, 9, 30)]),
        ("one_off", D(2024, 2, 29), [D(2024, 2, 29)]),
    ],
)
def test_due_dates_follow_the_start_date_across_month_ends(kind, start, expected):
    assert inspections.due_dates(kind, start, len(expected) + 1)[: len(expected)] == expected
    if kind == "one_off":
        assert inspections.due_dates(kind, start, 5) == expected


@pytest.mark.parametrize(
    ("kind", "start", "after", "expected"),
    [
        ("monthly", D(2024, 1, 31), D(2024, 3, 5), D(2024, 3, 31)),  # done late: next period
        ("monthly", D(2024, 1, 31), D(2024, 3, 31), D(2024, 4, 30)),
        ("monthly", D(2024, 1, 31), D(2023, 12, 1), D(2024, 1, 31)),  # before the start
        ("quarterly", D(2024, 1, 31), D(2024, 2, 1), D(2024, 4, 30)),
        ("weekly", D(2024, 1, 1), D(2024, 1, 9), D(2024, 1, 15)),
        ("holiday", D(2024, 2, 29), D(2027, 3, 1), D(2028, 2, 29)),
        ("one_off", D(2024, 1, 1), D(2024, 1, 1), None),
    ],
)
def test_next_occurrence_after_a_date(kind, start, after, expected):
    assert inspections.next_occurrence(kind, start, after) == expected


def test_a_plan_started_on_the_31st_is_due_on_every_month_end_for_years():
    dues = inspections.due_dates("monthly", D(2023, 1, 31), 72)
    assert all((due + timedelta(days=1)).day == 1 for due in dues)
    assert [d.month for d in dues[:14]] == [*range(1, 13), 1, 2]
    assert D(2024, 2, 29) in dues and D(2028, 2, 29) in dues and D(2025, 2, 28) in dues


# --- plans in the database ---------------------------------------------------------


def _setup():
    unit = builders.make_unit()
    post = builders.make_post(unit=unit, title="安全员")
    holder = builders.make_holder(post)
    checklist = inspections.create_checklist(
        builders.actor(), {"name": "日常检查", "items": ["消防通道畅通"]}, now=NOW
    )
    return unit, post, holder, checklist


def _plan(unit, post, checklist, **over):
    data = {
        "unit_id": unit.id,
        "checklist_id": checklist.id,
        "responsible_post_id": post.id,
        "kind": "monthly",
        "start_date": D(2026, 1, 31),
    }
    data.update(over)
    return inspections.create_plan(builders.actor(), data, today=TODAY, now=NOW)


def test_new_plan_is_first_due_on_its_start_date(app):
    unit, post, _holder, checklist = _setup()
    plan = _plan(unit, post, checklist)
    assert plan.next_due == D(2026, 1, 31)


def test_due_plans_lists_holders_of_the_responsible_post(app):
    unit, post, holder, checklist = _setup()
    second = builders.make_holder(post)
    due = _plan(unit, post, checklist, start_date=D(2026, 3, 12))
    later = _plan(unit, post, checklist, start_date=D(2026, 3, 13))
    former = builders.make_user()
    builders.make_holding(post, former, start=D(2020, 1, 1), end=D(2026, 3, 1))

    rows = inspections.due_plans(D(2026, 3, 12))

    assert sorted(rows) == sorted(
        [(holder.id, due.id, D(2026, 3, 12)), (second.id, due.id, D(2026, 3, 12))]
    )
    assert {plan_id for _u, plan_id, _d in inspections.due_plans(D(2026, 3, 20))} == {
        due.id,
        later.id,
    }
    assert [p.id for p in inspections.plans_due_for(holder, D(2026, 3, 12))] == [due.id]


def test_inactive_plan_is_never_due(app):
    unit, post, _holder, checklist = _setup()
    plan = _plan(unit, post, checklist, start_date=D(2026, 3, 1))
    inspections.set_plan_active(builders.actor(), plan, False, today=TODAY, now=NOW)
    assert inspections.due_plans(D(2026, 3, 12)) == []


def test_plan_with_unknown_references_names_each_field(app):
    with pytest.raises(ValidationError) as error:
        inspections.create_plan(
            builders.actor(),
            {
                "unit_id": 999,
                "checklist_id": 998,
                "responsible_post_id": 997,
                "kind": "hourly",
                "start_date": None,
            },
            today=TODAY,
            now=NOW,
        )
    assert set(error.value.fields) == {
        "unit_id",
        "checklist_id",
        "responsible_post_id",
        "kind",
        "start_date",
    }
    assert db.session.query(InspectionPlan).count() == 0


def test_only_managers_of_the_unit_may_plan(app):
    unit, post, holder, checklist = _setup()
    with pytest.raises(Forbidden):
        inspections.create_plan(
            holder,
            {
                "unit_id": unit.id,
                "checklist_id": checklist.id,
                "responsible_post_id": post.id,
                "kind": "daily",
                "start_date": TODAY,
            },
            today=TODAY,
            now=NOW,
        )


def test_a_late_inspection_moves_the_plan_past_the_missed_periods(app):
    plan = builders.make_plan(kind="monthly", start_date=D(2026, 1, 31))
    builders.make_inspection(
        unit=plan.unit,
        plan_id=plan.id,
        performed_at=NOW,  # 2026-03-12: the Jan 31 and Feb 28 checks were missed
    )
    assert db.session.get(InspectionPlan, plan.id).next_due == D(2026, 3, 31)


def test_a_one_off_plan_is_done_after_one_inspection(app):
    plan = builders.make_plan(kind="one_off", start_date=D(2026, 3, 12))
    builders.make_inspection(unit=plan.unit, plan_id=plan.id)
    assert db.session.get(InspectionPlan, plan.id).next_due is None
    assert inspections.due_plans(D(2026, 12, 31)) == []
