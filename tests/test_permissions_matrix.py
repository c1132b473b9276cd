"""permissions.py: rights derive from the matrix and the holdings of the day."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from safety import permissions
from safety.models import ResponsibilityKind
from safety.services import org
from tests import builders
from tests.builders import NOW, make_holding, make_post, make_responsibility, make_unit, make_user

TODAY = date(2026, 3, 12)


@pytest.fixture
def tree(app):
    group = make_unit(name="集团")
    plant = make_unit(name="厂", parent=group)
    workshop = make_unit(name="车间", parent=plant)
    other = make_unit(name="其他")
    return SimpleNamespace(group=group, plant=plant, workshop=workshop, other=other)


def person_with(kind: str, unit, start=date(2020, 1, 1), end=None):
    post = make_post(unit=unit)
    make_responsibility(post, unit, kind)
    user = make_user()
    make_holding(post, user, start=start, end=end)
    return user, post


def hazard(unit, accountable_post_id=None, submitted_by_id=None):
    return SimpleNamespace(
        unit_id=unit.id, accountable_post_id=accountable_post_id, submitted_by_id=submitted_by_id
    )


@pytest.mark.parametrize(
    ("kind", "where", "target", "manage", "verify"),
    [
        ("main", "plant", "plant", True, False),
        ("main", "plant", "workshop", True, False),  # covers the units below
        ("main", "plant", "group", False, False),  # never the units above
        ("leadership", "group", "workshop", True, True),
        ("supervision", "plant", "workshop", True, True),
        ("supervision", "plant", "other", False, False),
        ("direct", "plant", "plant", False, False),
    ],
)
def test_hazard_rights_follow_kind_and_tree(tree, kind, where, target, manage, verify):
    user, _post = person_with(kind, getattr(tree, where))
    subject = hazard(getattr(tree, target))
    assert permissions.can_manage_hazard(user, subject, TODAY) is manage
    assert permissions.can_verify_hazard(user, subject, TODAY) is verify


@pytest.mark.parametrize(
    ("start", "end", "has_rights"),
    [
        (date(2020, 1, 1), None, True),
        (date(2020, 1, 1), TODAY, True),
        (date(2020, 1, 1), TODAY - timedelta(days=1), False),
        (TODAY + timedelta(days=1), None, False),
    ],
)
def test_rights_follow_holding_dates(tree, start, end, has_rights):
    user, post = person_with("supervision", tree.plant, start, end)
    assert permissions.can_manage_hazard(user, hazard(tree.plant), TODAY) is has_rights
    assert permissions.can_acknowledge(user, post.id, TODAY) is has_rights
    assert bool(permissions.covered_unit_ids(user, TODAY)) is has_rights


def test_deactivated_person_has_no_rights(tree):
    user, post = person_with("leadership", tree.group)
    org.deactivate_user(builders.actor(), user, today=TODAY, now=NOW)
    assert not permissions.can_manage_hazard(user, hazard(tree.plant), TODAY)
    assert not permissions.can_acknowledge(user, post.id, TODAY)


def test_verify_never_by_the_submitter_even_with_supervision(tree):
    user, _post = person_with("supervision", tree.plant)
    assert not permissions.can_verify_hazard(
        user, hazard(tree.plant, submitted_by_id=user.id), TODAY
    )


def test_submit_only_by_holders_of_the_accountable_post(tree):
    user, post = person_with("direct", tree.workshop)
    other = make_user()
    subject = hazard(tree.workshop, accountable_post_id=post.id)
    assert permissions.can_submit_hazard(user, subject, TODAY)
    assert not permissions.can_submit_hazard(other, subject, TODAY)
    assert not permissions.can_submit_hazard(None, subject, TODAY)


@pytest.mark.parametrize(
    ("who", "edit", "view"),
    [("admin", True, True), ("holder", False, True), ("nobody", False, False)],
)
def test_matrix_editing_is_for_admins(app, admin, who, edit, view):
    user = {"admin": admin, "holder": make_user(), "nobody": None}[who]
    assert permissions.can_edit_matrix(user) is edit
    assert permissions.can_view_matrix(user) is view


def test_admin_may_manage_and_verify_but_not_sign(tree, admin):
    _user, post = person_with("main", tree.plant)
    assert permissions.can_manage_hazard(admin, hazard(tree.plant), TODAY)
    assert permissions.can_verify_hazard(admin, hazard(tree.plant), TODAY)
    assert not permissions.can_acknowledge(admin, post.id, TODAY)


def test_covered_units_include_the_subtree_and_filter_by_kind(tree):
    user, _post = person_with("supervision", tree.plant)
    assert permissions.covered_unit_ids(user, TODAY) == {tree.plant.id, tree.workshop.id}
    assert permissions.covered_unit_ids(user, TODAY, {ResponsibilityKind.MAIN}) == set()


def test_verify_clause_is_the_sql_twin_of_can_verify_hazard(app, admin):
    import sqlalchemy as sa

    from safety.extensions import db
    from safety.models import Hazard

    today = builders.TODAY
    group = make_unit()
    plant = make_unit(parent=group)
    other = make_unit()
    supervisor = make_user()
    make_holding(post := make_post(unit=group), supervisor)
    make_responsibility(post, group, "supervision")
    submitted = builders.make_hazard("pending_verification", unit=plant)
    hazards = [
        builders.make_hazard("reported", unit=plant),
        builders.make_hazard("reported", unit=other),
        submitted,
    ]
    submitter = db.session.get(type(supervisor), submitted.submitted_by_id)
    for user in (supervisor, admin, make_user(), submitter, None):
        ids = set(
            db.session.scalars(
                sa.select(Hazard.id).where(
                    Hazard.id.in_([h.id for h in hazards]),
                    permissions.verify_clause(user, today),
                )
            )
        )
        expected = {h.id for h in hazards if permissions.can_verify_hazard(user, h, today)}
        assert ids == expected
