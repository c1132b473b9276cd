"""The organisation services refuse bad input with field errors and write nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, Post, PostHolder, Unit, User
from safety.services import accounts, org
from safety.services.errors import AuthenticationFailed, Forbidden, NotFound, ValidationError
from tests import builders
from tests.builders import NOW


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_unit_cannot_move_below_its_own_descendant(app):
    root = builders.make_unit(code="ROOT")
    child = builders.make_unit(code="CHILD", parent=root)
    grandchild = builders.make_unit(code="GRAND", parent=child)
    with pytest.raises(ValidationError) as caught:
        org.update_unit(
            builders.actor(), root, name=root.name, code="ROOT", parent_id=grandchild.id, now=NOW
        )
    assert set(caught.value.fields) == {"parent_id"}
    assert root.parent_id is None


def test_unit_cannot_be_its_own_parent(app):
    unit = builders.make_unit()
    with pytest.raises(ValidationError) as caught:
        org.update_unit(
            builders.actor(), unit, name=unit.name, code=unit.code, parent_id=unit.id, now=NOW
        )
    assert "parent_id" in caught.value.fields


def test_superior_chain_cannot_loop_back(app):
    top = builders.make_post(title="厂长")
    middle = builders.make_post(title="副厂长", superior=top)
    bottom = builders.make_post(title="安全员", superior=middle)
    with pytest.raises(ValidationError) as caught:
        org.update_post(
            builders.actor(),
            top,
            title=top.title,
            unit_id=top.unit_id,
            level="management",
            superior_post_id=bottom.id,
            now=NOW,
        )
    assert "superior_post_id" in caught.value.fields
    assert top.superior_post_id is None
    assert [p.id for p in org.superior_chain(bottom)] == [middle.id, top.id]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: builders.make_unit(code="SAME"), "code"),
        (lambda: builders.make_user(email="same@example.com"), "email"),
    ],
)
def test_duplicate_key_is_a_field_error(app, make, field):
    make()
    events = _count(AuditEvent)
    with pytest.raises(ValidationError) as caught:
        make()
    assert field in caught.value.fields
    assert "已被使用" in caught.value.fields[field][0]  # zh_CN is the default language
    assert _count(AuditEvent) == events


def test_duplicate_email_ignores_case(app):
    builders.make_user(email="case@example.com")
    with pytest.raises(ValidationError) as caught:
        builders.make_user(email="Case@Example.com")
    assert "email" in caught.value.fields


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda: org.create_unit(builders.actor(), name="A", code="A", parent_id=999, now=NOW),
            "parent_id",
        ),
        (
            lambda: org.create_post(
                builders.actor(), title="岗位", unit_id=999, level="management", now=NOW
            ),
            "unit_id",
        ),
        (
            lambda: org.create_post(
                builders.actor(),
                title="岗位",
                unit_id=builders.make_unit().id,
                level="management",
                superior_post_id=999,
                now=NOW,
            ),
            "superior_post_id",
        ),
        (
            lambda: org.create_post(
                builders.actor(),
                title="岗位",
                unit_id=builders.make_unit().id,
                level="boss",
                now=NOW,
            ),
            "level",
        ),
        (
            lambda: org.assign_holder(
                builders.actor(),
                post_id=builders.make_post().id,
                user_id=999,
                start_date=date(2025, 1, 1),
                now=NOW,
            ),
            "user_id",
        ),
    ],
)
def test_unknown_or_invalid_reference_is_a_field_error(app, call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.fields


def test_assigning_to_an_unknown_post_is_not_found(app):
    with pytest.raises(NotFound):
        org.assign_holder(
            builders.actor(),
            post_id=999,
            user_id=builders.make_user().id,
            start_date=date(2025, 1, 1),
            now=NOW,
        )


def test_non_admin_cannot_change_the_organisation(app):
    someone = builders.make_user()
    with pytest.raises(Forbidden):
        org.create_unit(someone, name="A", code="A", now=NOW)
    assert _count(Unit) == 0


def test_overlapping_holding_of_same_person_is_refused(app):
    post = builders.make_post()
    user = builders.make_user()
    builders.make_holding(post, user, start=date(2025, 1, 1), end=date(2025, 12, 31))
    with pytest.raises(ValidationError) as caught:
        builders.make_holding(post, user, start=date(2025, 6, 1))
    assert "start_date" in caught.value.fields
    builders.make_holding(post, user, start=date(2026, 1, 1))
    assert _count(PostHolder) == 2


def test_end_before_start_is_refused(app):
    with pytest.raises(ValidationError) as caught:
        builders.make_holding(builders.make_post(), start=date(2025, 5, 1), end=date(2025, 4, 1))
    assert "end_date" in caught.value.fields


def test_several_people_may_hold_one_post(app):
    post = builders.make_post()
    first, second = builders.make_user(), builders.make_user()
    builders.make_holding(post, first)
    builders.make_holding(post, second)
    assert {u.id for u in org.holders_on([post.id], date(2026, 3, 12))[post.id]} == {
        first.id,
        second.id,
    }


def test_deactivation_ends_holdings_and_blocks_sign_in(app):
    post = builders.make_post()
    user = builders.make_holder(post)
    today = date(2026, 3, 12)
    org.deactivate_user(builders.actor(), user, today=today, now=NOW)
    ended = db.session.scalars(sa.select(PostHolder).where(PostHolder.user_id == user.id)).one()
    assert ended.end_date == today - timedelta(days=1)
    assert org.holders_on([post.id], today)[post.id] == []
    assert org.posts_held_by(user, today) == []
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(user.email, builders.PASSWORD, now=NOW)


def test_deactivated_person_cannot_be_assigned(app):
    user = builders.make_user()
    org.deactivate_user(builders.actor(), user, today=date(2026, 3, 12), now=NOW)
    with pytest.raises(ValidationError) as caught:
        builders.make_holding(builders.make_post(), user, start=date(2026, 4, 1))
    assert "user_id" in caught.value.fields


def test_admin_cannot_deactivate_or_demote_themselves(app):
    me = builders.actor()
    with pytest.raises(ValidationError):
        org.deactivate_user(me, me, today=date(2026, 3, 12), now=NOW)
    with pytest.raises(ValidationError) as caught:
        org.update_user(
            me, me, name=me.name, email=me.email, locale="zh_CN", is_admin=False, now=NOW
        )
    assert "is_admin" in caught.value.fields


def test_every_change_appends_an_audit_event(app):
    builders.actor()
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    builders.make_holding(post)
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.id > before).order_by(AuditEvent.id)
        )
    )
    assert actions == ["unit.create", "post.create", "user.create", "holder.assign"]
    assert _count(Post) == 1 and _count(User) == 2


def test_deactivation_leaves_no_holding_ending_before_it_starts(app):
    user = builders.make_user()
    builders.make_holding(builders.make_post(), user, start=date(2026, 3, 12))  # starts today
    builders.make_holding(builders.make_post(), user, start=date(2026, 6, 1))  # in the future
    org.deactivate_user(builders.actor(), user, today=date(2026, 3, 12), now=NOW)
    for holding in db.session.scalars(sa.select(PostHolder)):
        assert holding.end_date is None or holding.end_date >= holding.start_date
    assert org.posts_held_by(user, date(2026, 7, 1)) == []
