"""Matrix services: rights, bad input, targets, and queries that do not grow with the data."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, Duty, Responsibility, SafetyTarget
from safety.services import matrix
from safety.services.errors import Conflict, Forbidden, ValidationError
from tests import builders
from tests.builders import NOW, make_duty, make_holder, make_post, make_responsibility, make_unit

TODAY = date(2026, 3, 12)


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "call",
    [
        lambda user: matrix.create_duty(user, title="x", category="industry", now=NOW),
        lambda user: matrix.create_responsibility(
            user, post_id=make_post().id, unit_id=make_unit().id, kind="main", now=NOW
        ),
        lambda user: matrix.create_target(
            user, unit_id=make_unit().id, year=2026, title="x", now=NOW
        ),
    ],
)
def test_only_admins_change_the_matrix(app, call):
    with pytest.raises(Forbidden):
        call(builders.make_user())
    with pytest.raises(Forbidden):
        call(None)


def test_bad_input_names_every_field_and_writes_nothing(app):
    builders.actor()
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(ValidationError) as caught:
        matrix.create_responsibility(
            builders.actor(), post_id="abc", unit_id=None, kind="boss", duty_id=10**30, now=NOW
        )
    assert set(caught.value.fields) == {"post_id", "unit_id", "kind", "duty_id"}
    with pytest.raises(ValidationError) as caught:
        matrix.create_duty(builders.actor(), title=" ", category="", now=NOW)
    assert set(caught.value.fields) == {"title", "category"}
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before
    assert db.session.scalar(sa.select(sa.func.count(Responsibility.id))) == 0


def test_same_kind_under_another_duty_is_not_a_duplicate(app):
    post = make_post()
    make_responsibility(post, duty=make_duty())
    make_responsibility(post, duty=make_duty())
    make_responsibility(post)
    with pytest.raises(ValidationError):
        make_responsibility(post)


def test_update_to_an_existing_responsibility_is_a_duplicate(app):
    post = make_post()
    make_responsibility(post, kind="main")
    other = make_responsibility(post, kind="direct")
    with pytest.raises(ValidationError) as caught:
        matrix.update_responsibility(
            builders.actor(), other, post_id=post.id, unit_id=post.unit_id, kind="main", now=NOW
        )
    assert "kind" in caught.value.fields


def test_moving_a_responsibility_reversions_both_posts(app):
    one, two = make_post(), make_post()
    make_responsibility(one, kind="direct")
    moving = make_responsibility(one, kind="main")
    matrix.update_responsibility(
        builders.actor(), moving, post_id=two.id, unit_id=one.unit_id, kind="main", now=NOW
    )
    assert [v.version for v in matrix.list_versions(one.id)] == [3, 2, 1]
    assert [v.version for v in matrix.list_versions(two.id)] == [1]


def test_a_duty_in_use_cannot_be_deleted(app):
    duty = make_duty()
    make_responsibility(make_post(), duty=duty)
    with pytest.raises(Conflict):
        matrix.delete_duty(builders.actor(), duty, now=NOW)
    unused = make_duty()
    matrix.delete_duty(builders.actor(), unused, now=NOW)
    assert db.session.get(Duty, unused.id) is None


@pytest.fixture
def targets(app):
    group = make_unit()
    plant = make_unit(parent=group)
    workshop = make_unit(parent=plant)
    top = matrix.create_target(
        builders.actor(), unit_id=group.id, year=2026, title="整改率", target_value="≥95%", now=NOW
    )
    return group, plant, workshop, top


@pytest.mark.parametrize(
    ("unit", "year", "field"),
    [
        ("workshop", 2026, "parent_id"),  # skips a layer
        ("group", 2026, "parent_id"),  # not below
        ("plant", 2025, "year"),  # another year
        ("plant", "20x6", "year"),
    ],
)
def test_targets_are_broken_down_one_layer_at_a_time(targets, unit, year, field):
    group, plant, workshop, top = targets
    unit_obj = {"group": group, "plant": plant, "workshop": workshop}[unit]
    with pytest.raises(ValidationError) as caught:
        matrix.create_target(
            builders.actor(),
            unit_id=unit_obj.id,
            year=year,
            title="整改率",
            parent_id=top.id,
            now=NOW,
        )
    assert field in caught.value.fields


def test_a_target_with_children_cannot_be_deleted(targets):
    _group, plant, _workshop, top = targets
    child = matrix.create_target(
        builders.actor(), unit_id=plant.id, year=2026, title="整改率", parent_id=top.id, now=NOW
    )
    assert child.metric is None and child.parent_id == top.id
    with pytest.raises(Conflict):
        matrix.delete_target(builders.actor(), top, now=NOW)
    matrix.delete_target(builders.actor(), child, now=NOW)
    matrix.delete_target(builders.actor(), top, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(SafetyTarget.id))) == 0


def _grow(n: int) -> None:
    parent = make_unit()
    for _ in range(n):
        unit = make_unit(parent=parent)
        post = make_post(unit=unit)
        make_responsibility(post, unit, "main")
        make_responsibility(post, unit, "supervision")
        make_holder(post)
        make_holder(post)
        make_responsibility(make_post(unit=unit), unit, "direct")  # vacant


@pytest.mark.parametrize(
    "call",
    [
        lambda: matrix.find_gaps(TODAY),
        lambda: matrix.unsigned_lists(TODAY),
        lambda: matrix.matrix_data(today=TODAY),
    ],
)
def test_queries_do_not_grow_with_the_matrix(app, call):
    _grow(2)
    db.session.expire_all()
    with count_queries() as small:
        call()
    _grow(8)
    db.session.expire_all()
    with count_queries() as large:
        call()
    assert len(large) == len(small)
    assert len(large) <= 12  # 10, and up to 2 for the risk register's gaps (contract §6)


def test_unsigned_lists_is_one_query(app):
    _grow(3)
    with count_queries() as statements:
        rows = matrix.unsigned_lists(TODAY)
    assert len(statements) == 1 and len(rows) == 6
