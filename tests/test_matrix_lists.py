"""Responsibility lists: versions, diffs and signatures (一岗双责 责任清单)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import Acknowledgement, ResponsibilityListVersion
from safety.services import matrix, org
from safety.services.errors import Conflict, Forbidden, NotFound, ValidationError
from tests import builders
from tests.builders import NOW, make_duty, make_holder, make_post, make_responsibility, make_unit

TODAY = date(2026, 3, 12)


def versions(post):
    return [v.version for v in matrix.list_versions(post.id)][::-1]


def test_first_responsibility_makes_version_one_with_business_duties(app):
    post = make_post(business_duties="负责生产计划")
    assert matrix.responsibility_list(post.id)["version"] is None
    duty = make_duty(title="组织隐患排查", category="business")
    make_responsibility(post, duty=duty, description="每月一次")
    data = matrix.responsibility_list(post.id)
    assert data["version"] == 1
    assert data["business_duties"] == "负责生产计划"
    [item] = data["items"]
    assert item["kind"] == "main"
    assert item["duty_title"] == "组织隐患排查"
    assert item["description"] == "每月一次"


def test_each_change_makes_a_new_version_and_a_readable_diff(app):
    post = make_post()
    first = make_responsibility(post)
    other_unit = make_unit()
    make_responsibility(post, other_unit, "supervision")
    duty = make_duty(title="旧标题")
    matrix.update_responsibility(
        builders.actor(),
        first,
        post_id=post.id,
        unit_id=first.unit_id,
        kind="main",
        duty_id=duty.id,
        description="新增说明",
        now=NOW,
    )
    assert versions(post) == [1, 2, 3]
    diff = matrix.diff_versions(post.id, 2, 3)
    assert diff.added == [] and diff.removed == []
    [(before, after)] = diff.changed
    assert before["duty_title"] is None and after["duty_title"] == "旧标题"
    assert matrix.diff_versions(post.id, 1, 2).added[0]["unit_id"] == other_unit.id


def test_editing_a_duty_reversions_every_post_naming_it(app):
    duty = make_duty(title="旧标题")
    one, two, untouched = make_post(), make_post(), make_post()
    make_responsibility(one, duty=duty)
    make_responsibility(two, duty=duty)
    make_responsibility(untouched)
    matrix.update_duty(builders.actor(), duty, title="新标题", category="industry", now=NOW)
    assert versions(one) == [1, 2] and versions(two) == [1, 2] and versions(untouched) == [1]
    [(before, after)] = matrix.diff_versions(one.id, 1, 2).changed
    assert (before["duty_title"], after["duty_title"]) == ("旧标题", "新标题")


def test_business_duties_edited_through_org_make_a_new_version(app):
    """The org area edits business duties; the list still gets its version."""
    post = make_post(business_duties="旧业务职责")
    make_responsibility(post)
    org.update_post(
        builders.actor(),
        post,
        title=post.title,
        unit_id=post.unit_id,
        level="management",
        superior_post_id=None,
        business_duties="新业务职责",
        now=NOW,
    )
    assert versions(post) == [1, 2]
    assert matrix.diff_versions(post.id, 1, 2).business == ("旧业务职责", "新业务职责")


def test_a_rejected_change_makes_no_version(app):
    post = make_post()
    make_responsibility(post)
    with pytest.raises(ValidationError):
        make_responsibility(post)  # the same again
    assert versions(post) == [1]


def test_deleting_a_responsibility_is_a_new_version(app):
    post = make_post()
    keep = make_responsibility(post)
    gone = make_responsibility(post, make_unit(), "direct")
    matrix.delete_responsibility(builders.actor(), gone, now=NOW)
    assert versions(post) == [1, 2, 3]
    diff = matrix.diff_versions(post.id, 2, 3)
    assert [i["responsibility_id"] for i in diff.removed] == [gone.id]
    assert [i["responsibility_id"] for i in matrix.responsibility_list(post.id)["items"]] == [
        keep.id
    ]


def test_holder_signs_current_version_and_signing_twice_is_idempotent(app):
    post = make_post()
    make_responsibility(post)
    user = make_holder(post)
    first = matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)
    again = matrix.acknowledge_list(
        user, post.id, version=1, now=NOW + timedelta(hours=1), today=TODAY
    )
    assert first.id == again.id and again.at == NOW
    assert db.session.scalar(sa.select(sa.func.count(Acknowledgement.id))) == 1


def test_signing_an_old_version_is_a_conflict_then_resigning_works(app):
    post = make_post()
    make_responsibility(post)
    user = make_holder(post)
    matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)
    make_responsibility(post, make_unit(), "direct")
    with pytest.raises(Conflict):
        matrix.acknowledge_list(user, post.id, version=1, now=NOW, today=TODAY)
    ack = matrix.acknowledge_list(user, post.id, version=2, now=NOW, today=TODAY)
    assert ack.version == 2
    data = matrix.responsibility_list(post.id)
    assert [(a.user_id, a.version) for a in data["acknowledgements"]] == [
        (user.id, 1),
        (user.id, 2),
    ]


def test_signing_a_post_without_a_list_is_a_conflict(app):
    post = make_post()
    user = make_holder(post)
    with pytest.raises(Conflict):
        matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)


@pytest.mark.parametrize(
    ("start", "end", "may_sign"),
    [
        (date(2020, 1, 1), None, True),
        (date(2020, 1, 1), TODAY, True),  # the last day still counts
        (TODAY, None, True),  # so does the first
        (date(2020, 1, 1), TODAY - timedelta(days=1), False),  # ended yesterday
        (TODAY + timedelta(days=1), None, False),  # starts tomorrow
    ],
)
def test_only_a_holder_today_may_sign(app, start, end, may_sign):
    post = make_post()
    make_responsibility(post)
    user = builders.make_user()
    builders.make_holding(post, user, start=start, end=end)
    if may_sign:
        assert matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY).version == 1
    else:
        with pytest.raises(Forbidden):
            matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)


def test_signing_an_unknown_post_is_not_found(app):
    with pytest.raises(NotFound):
        matrix.acknowledge_list(builders.make_user(), 9999, now=NOW, today=TODAY)


def test_my_lists_shows_what_changed_since_i_signed(app):
    post = make_post(business_duties="业务")
    first = make_responsibility(post)
    user = make_holder(post)
    matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)
    [mine] = matrix.my_lists(user, TODAY)
    assert mine.signed_current and mine.diff is None
    added = make_responsibility(post, make_unit(), "leadership")
    [mine] = matrix.my_lists(user, TODAY)
    assert not mine.signed_current and mine.signed_version == 1 and mine.version == 2
    assert [i["responsibility_id"] for i in mine.diff.added] == [added.id]
    assert {i["responsibility_id"] for i in mine.items} == {first.id, added.id}


def test_versions_are_frozen_copies(app):
    post = make_post()
    duty = make_duty(title="原文")
    make_responsibility(post, duty=duty)
    matrix.update_duty(builders.actor(), duty, title="改后", category="business", now=NOW)
    first = db.session.scalar(
        sa.select(ResponsibilityListVersion).filter_by(post_id=post.id, version=1)
    )
    assert first.items[0]["duty_title"] == "原文"
