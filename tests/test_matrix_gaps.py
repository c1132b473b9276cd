"""Gap analysis: each gap type appears, and disappears once fixed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from safety.services import matrix, org
from tests import builders
from tests.builders import NOW, make_holder, make_post, make_responsibility, make_unit

TODAY = date(2026, 3, 12)


def gaps(kind: str) -> list[dict]:
    return [g for g in matrix.find_gaps(TODAY) if g["type"] == kind]


def test_unit_without_main_until_its_own_post_takes_it(app):
    group = make_unit(name="集团")
    plant = make_unit(name="纯碱厂", parent=group)
    make_responsibility(make_post(unit=group), group, "main")
    # Main responsibility is per unit: the group's does not stand in for the plant's head.
    assert [g["unit_id"] for g in gaps("unit_without_main")] == [plant.id]
    assert "纯碱厂" in gaps("unit_without_main")[0]["message"]
    make_responsibility(make_post(unit=plant), plant, "main")
    assert gaps("unit_without_main") == []


def test_supervision_on_a_unit_covers_the_units_below(app):
    group = make_unit()
    plant = make_unit(parent=group)
    workshop = make_unit(parent=plant)
    sep = make_post(unit=group)
    assert {g["unit_id"] for g in gaps("unit_without_supervision")} == {
        group.id,
        plant.id,
        workshop.id,
    }
    make_responsibility(sep, plant, "supervision")
    assert [g["unit_id"] for g in gaps("unit_without_supervision")] == [group.id]
    make_responsibility(sep, group, "supervision")
    assert gaps("unit_without_supervision") == []


@pytest.mark.parametrize("kind", ["leadership", "direct", "main"])
def test_other_kinds_do_not_count_as_supervision(app, kind):
    unit = make_unit()
    make_responsibility(make_post(unit=unit), unit, kind)
    assert [g["unit_id"] for g in gaps("unit_without_supervision")] == [unit.id]


def test_post_vacant_appears_and_goes_when_someone_holds_it(app):
    post = make_post(title="车间主任")
    make_post()  # no responsibilities: never a vacancy gap
    make_responsibility(post)
    [gap] = gaps("post_vacant")
    assert (gap["post_id"], gap["unit_id"]) == (post.id, post.unit_id)
    assert "车间主任" in gap["message"]
    make_holder(post)
    assert gaps("post_vacant") == []


@pytest.mark.parametrize(
    ("start", "end", "vacant"),
    [
        (date(2020, 1, 1), TODAY - timedelta(days=1), True),  # ended yesterday
        (TODAY + timedelta(days=1), None, True),  # starts tomorrow
        (date(2020, 1, 1), TODAY, False),  # ends today
        (TODAY, None, False),  # starts today
    ],
)
def test_vacancy_follows_holding_dates(app, start, end, vacant):
    post = make_post()
    make_responsibility(post)
    builders.make_holding(post, start=start, end=end)
    assert bool(gaps("post_vacant")) is vacant


def test_deactivated_holder_leaves_the_post_vacant(app):
    post = make_post()
    make_responsibility(post)
    user = make_holder(post)
    assert gaps("post_vacant") == []
    org.deactivate_user(builders.actor(), user, today=TODAY, now=NOW)
    assert [g["post_id"] for g in gaps("post_vacant")] == [post.id]


def test_unacknowledged_until_signed_and_again_after_a_change(app):
    post = make_post()
    make_responsibility(post)
    user = make_holder(post, name="李明")
    [gap] = gaps("unacknowledged")
    assert (gap["post_id"], gap["user_id"]) == (post.id, user.id)
    assert "李明" in gap["message"]
    matrix.acknowledge_list(user, post.id, now=NOW, today=TODAY)
    assert gaps("unacknowledged") == []
    make_responsibility(post, make_unit(), "direct")  # version 2
    assert [(g["user_id"], g["version"]) for g in gaps("unacknowledged")] == [(user.id, 2)]


def test_unsigned_lists_for_the_reminders(app):
    post = make_post()
    make_responsibility(post)
    signed, unsigned = make_holder(post), make_holder(post)
    builders.make_holding(post, start=date(2019, 1, 1), end=date(2019, 12, 31))  # former holder
    matrix.acknowledge_list(signed, post.id, now=NOW, today=TODAY)
    assert matrix.unsigned_lists(TODAY) == [(unsigned.id, post.id, 1)]


def test_a_post_whose_responsibilities_were_all_removed_needs_no_signature(app):
    post = make_post()
    resp = make_responsibility(post)
    make_holder(post)
    matrix.delete_responsibility(builders.actor(), resp, now=NOW)
    assert matrix.unsigned_lists(TODAY) == []
    assert gaps("post_vacant") == []


def test_gaps_come_in_type_order(app):
    unit = make_unit()
    post = make_post(unit=unit)
    make_responsibility(post, unit, "leadership")
    types = [g["type"] for g in matrix.find_gaps(TODAY)]
    assert types == [
        "unit_without_main",
        "unit_without_supervision",
        "post_vacant",
        "party_government_unpaired",  # a depth-0 unit without a party/administrative pair
    ]


def test_post_without_duties_while_someone_holds_it(app):
    post = make_post(title="安全员")
    make_post()  # nobody holds it: not this gap
    holder = make_holder(post)
    [gap] = gaps("post_without_duties")
    assert (gap["post_id"], gap["unit_id"]) == (post.id, post.unit_id)
    assert "安全员" in gap["message"]
    make_responsibility(post, kind="direct")
    assert gaps("post_without_duties") == []
    org.deactivate_user(builders.actor(), holder, today=TODAY, now=NOW)
    assert gaps("post_without_duties") == []


def test_every_gap_type_is_listed_once(app):
    assert matrix.GAP_TYPES[:5] == (
        "unit_without_main",
        "unit_without_supervision",
        "post_vacant",
        "unacknowledged",
        "post_without_duties",
    )
