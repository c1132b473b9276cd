"""The demo matrix: full coverage, real gaps, and loading twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from safety.clock import local_date
from safety.demo import matrix as demo_matrix
from safety.demo import org as demo_org
from safety.extensions import db
from safety.models import AuditEvent
from safety.services import matrix
from tests.builders import NOW


def load() -> None:
    demo_org.load(now=NOW)
    demo_matrix.load(now=NOW)


def test_demo_matrix_has_real_gaps_and_loads_idempotently(app):
    load()
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    load()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events

    today = local_date(NOW)
    gaps = matrix.find_gaps(today)
    types = {g["type"] for g in gaps}
    assert types == {"post_vacant", "unacknowledged"}  # every unit is covered
    vacant = demo_org.find_post(*demo_org.VACANT_POST)
    assert [g["post_id"] for g in gaps if g["type"] == "post_vacant"] == [vacant.id]
    unsigned = {(g["user_id"], g["post_id"]) for g in gaps if g["type"] == "unacknowledged"}
    plant_head = demo_org.find_post(demo_org.SODA, demo_org.PLANT_HEAD)
    sun = demo_org.find_user("sunjianhua")
    assert (sun.id, plant_head.id) in unsigned
    assert len(unsigned) == 1 + len(demo_matrix.UNSIGNED)


def test_demo_plant_head_sees_what_changed_since_he_signed(app):
    load()
    sun = demo_org.find_user("sunjianhua")
    [mine] = matrix.my_lists(sun, local_date(NOW))
    assert mine.version == mine.signed_version + 1
    assert [i["unit_code"] for i in mine.diff.added] == [demo_org.SODA_CARB]
    assert mine.business_duties


def test_demo_targets_come_from_the_level_above(app):
    load()
    calc = demo_org.find_unit(demo_org.SODA_CALC)
    [row] = matrix.targets_for_unit(calc.id, local_date(NOW).year)
    assert [t.unit.code for t in row["origin"]] == [demo_org.SODA, demo_org.HQ]


def test_demo_duties_cover_all_three_categories(app):
    load()
    categories = {c for _t, c, _d in demo_matrix.DUTIES}
    assert categories == {"industry", "business", "production_operation"}


def test_demo_group_has_its_party_posts_and_pairs(app):
    load()
    today = local_date(NOW)
    assert not [g for g in matrix.find_gaps(today) if g["type"] == "party_government_unpaired"]
    hq_party = {
        p.title
        for p in db.session.scalars(
            sa.select(demo_org.Post).where(
                demo_org.Post.unit_id == demo_org.find_unit(demo_org.HQ).id,
                demo_org.Post.party.is_(True),
            )
        )
    }
    assert {"党委副书记", "纪委书记", "工会主席"} <= hq_party
    assert demo_org.find_post(demo_org.HQ, demo_org.CHAIRMAN).party is True
    assert demo_org.find_post(demo_org.HQ, demo_org.GENERAL_MANAGER).party is False
