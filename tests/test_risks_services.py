"""The risk register's rules: level tables, tiers from the tree, gaps, due dates, checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from safety.models import (
    AssessmentMethod,
    ControlCheck,
    ControlTier,
    Hazard,
    RiskAssessment,
    RiskLevel,
)
from safety.services import risk_checks, risks
from safety.services.errors import Forbidden, ValidationError
from tests import builders as b

LEC = AssessmentMethod.LEC
LS = AssessmentMethod.LS


def _grade(**data):
    errors: dict[str, str] = {}
    g = risks.grade(data, errors)
    return g, errors


# --- level tables -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (320, "major"),
        (319.99, "high"),
        (160, "high"),
        (159.9, "medium"),
        (70, "medium"),
        (69.9, "low"),
        (0.05, "low"),
        (10000, "major"),
    ],
)
def test_lec_thresholds_lower_bounds_inclusive(app, score, level):
    assert risks.level_from_score(LEC, score) == RiskLevel(level)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (25, "major"),
        (20, "major"),
        (19, "high"),
        (15, "high"),
        (14, "medium"),
        (9, "medium"),
        (8, "low"),
        (1, "low"),
    ],
)
def test_ls_thresholds(app, score, level):
    assert risks.level_from_score(LS, score) == RiskLevel(level)


def test_lec_grade_multiplies_and_colours(app):
    g, errors = _grade(method="lec", l=6, e=6, c=15)  # 540
    assert not errors
    assert (g.score, g.level, g.colour) == (540, RiskLevel.MAJOR, "red")
    g, _ = _grade(method="lec", l=3, e=6, c=7)  # 126
    assert (g.score, g.level, g.colour) == (126, RiskLevel.MEDIUM, "yellow")
    g, _ = _grade(method="lec", l=1, e=6, c=15)  # 90
    assert g.level == RiskLevel.MEDIUM
    g, _ = _grade(method="lec", l=0.5, e=6, c=15)  # 45
    assert (g.level, g.colour) == (RiskLevel.LOW, "blue")
    g, _ = _grade(method="lec", l=3, e=6, c=15)  # 270
    assert (g.level, g.colour) == (RiskLevel.HIGH, "orange")


def test_ls_grade(app):
    g, errors = _grade(method="ls", l=4, s=5)
    assert not errors and (g.score, g.level) == (20, RiskLevel.MAJOR)
    g, _ = _grade(method="ls", l=3, s=3)
    assert (g.score, g.level) == (9, RiskLevel.MEDIUM)
    g, _ = _grade(method="ls", l=2, s=4)
    assert g.level == RiskLevel.LOW


def test_direct_major_reason_overrides_score(app):
    g, errors = _grade(method="ls", l=1, s=1, direct_major_reason="构成一级重大危险源")
    assert not errors
    assert (g.score, g.level, g.colour) == (1, RiskLevel.MAJOR, "red")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"method": "lec", "l": 4, "e": 6, "c": 15}, "l"),
        ({"method": "lec", "l": 3, "e": 5, "c": 15}, "e"),
        ({"method": "lec", "l": 3, "e": 6, "c": 20}, "c"),
        ({"method": "lec", "l": 3, "e": 6}, "c"),
        ({"method": "ls", "l": 6, "s": 3}, "l"),
        ({"method": "ls", "l": 3, "s": 0}, "s"),
        ({"method": "ls", "l": 3, "s": "x"}, "s"),
        ({"method": "ls", "l": True, "s": 3}, "l"),
        ({"method": "abc", "l": 3, "s": 3}, "method"),
    ],
)
def test_values_off_scale_are_named(app, data, field):
    g, errors = _grade(**data)
    assert g is None
    assert field in errors


# --- tiers from the tree ------------------------------------------------------------


def test_tier_follows_unit_depth(app):
    root = b.make_unit(name="集团")
    plant = b.make_unit(parent=root)
    workshop = b.make_unit(parent=plant)
    team = b.make_unit(parent=workshop)
    deeper = b.make_unit(parent=team)
    depths = risks.unit_depths()
    expected = {
        root: ControlTier.COMPANY,
        plant: ControlTier.PLANT,
        workshop: ControlTier.WORKSHOP,
        team: ControlTier.TEAM,
        deeper: ControlTier.TEAM,
    }
    for unit, tier in expected.items():
        assert risks.tier_of_post(b.make_post(unit=unit), depths) == tier


@pytest.mark.parametrize(
    ("tier", "level", "ok"),
    [
        ("company", "major", True),
        ("plant", "major", False),
        ("plant", "high", True),
        ("workshop", "high", False),
        ("workshop", "medium", True),
        ("team", "medium", False),
        ("team", "low", True),
        ("company", "low", True),
    ],
)
def test_tier_rule(app, tier, level, ok):
    assert risks.tier_satisfies(ControlTier(tier), RiskLevel(level)) is ok


# --- gaps ---------------------------------------------------------------------------


def _tree():
    root = b.make_unit(name="集团")
    plant = b.make_unit(parent=root, name="纯碱厂")
    workshop = b.make_unit(parent=plant, name="蒸吸车间")
    return root, plant, workshop


def _gaps(kind):
    return [g for g in risks.find_risk_gaps(b.TODAY) if g["type"] == kind]


def test_gap_risk_without_control(app):
    _root, _plant, workshop = _tree()
    point = b.make_risk_point(unit=workshop)
    risk = b.make_risk(point)
    gaps = _gaps("risk_without_control")
    assert [(g["risk_id"], g["unit_id"], g["risk_point_id"]) for g in gaps] == [
        (risk.id, workshop.id, point.id)
    ]
    assert gaps[0]["message"]


def test_gap_tier_too_low_until_a_plant_control(app):
    _root, plant, workshop = _tree()
    risk = b.make_risk(b.make_risk_point(unit=workshop))  # 270: high, needs plant
    b.make_control(risk, b.make_post(unit=workshop))
    assert [g["risk_id"] for g in _gaps("risk_tier_too_low")] == [risk.id]
    assert not _gaps("risk_without_control")
    b.make_control(risk, b.make_post(unit=plant))
    assert not _gaps("risk_tier_too_low")


def test_gap_major_risk_needs_company_control(app):
    root, plant, workshop = _tree()
    risk = b.make_risk(
        b.make_risk_point(unit=workshop), method="ls", l=1, s=1, direct_major_reason="重大危险源"
    )
    b.make_control(risk, b.make_post(unit=plant))
    assert [g["risk_id"] for g in _gaps("risk_tier_too_low")] == [risk.id]
    b.make_control(risk, b.make_post(unit=root))
    assert not _gaps("risk_tier_too_low")


def test_gap_control_owner_vacant(app):
    _root, plant, _workshop = _tree()
    risk = b.make_risk(b.make_risk_point(unit=plant))
    vacant = b.make_post(unit=plant)
    control = b.make_control(risk, vacant)
    held = b.make_post(unit=plant)
    b.make_holder(held)
    b.make_control(risk, held)
    gaps = _gaps("control_owner_vacant")
    assert [(g["post_id"], g["control_ids"], g["unit_id"]) for g in gaps] == [
        (vacant.id, [control.id], plant.id)
    ]


def test_risk_gaps_join_the_matrix_gaps(app):
    from safety.services import matrix

    _root, _plant, workshop = _tree()
    risk = b.make_risk(b.make_risk_point(unit=workshop))
    found = [g for g in matrix.find_gaps(b.TODAY) if g["type"] == "risk_without_control"]
    assert [g["risk_id"] for g in found] == [risk.id]


# --- re-assessment keeps history ------------------------------------------------------


def test_reassessing_keeps_history(app, db):
    risk = b.make_risk()
    assert risk.level == RiskLevel.HIGH
    later = b.NOW + timedelta(days=30)
    risks.assess_risk(b.actor(), risk, {"method": "ls", "l": 2, "s": 2}, now=later, today=b.TODAY)
    assert (risk.method, risk.score, risk.level) == (LS, 4, RiskLevel.LOW)
    history = risks.assessments_of(risk)
    assert [(a.method, a.score, a.level) for a in history] == [
        (LS, 4, RiskLevel.LOW),
        (LEC, 270, RiskLevel.HIGH),
    ]
    assert db.session.scalar(sa.select(sa.func.count(RiskAssessment.id))) == 2


def test_editing_needs_main_or_supervision(app):
    unit = b.make_unit()
    outsider = b.make_user()
    with pytest.raises(Forbidden):
        risks.create_risk_point(
            outsider, {"unit_id": unit.id, "name": "x", "kind": "place"}, now=b.NOW, today=b.TODAY
        )
    direct = b.grant_hazard_role("direct", unit)
    with pytest.raises(Forbidden):
        risks.create_risk_point(
            direct, {"unit_id": unit.id, "name": "x", "kind": "place"}, now=b.NOW, today=b.TODAY
        )
    parent_unit = b.make_unit()
    child = b.make_unit(parent=parent_unit)
    supervisor = b.grant_hazard_role("supervision", parent_unit)
    point = risks.create_risk_point(
        supervisor,
        {"unit_id": child.id, "name": "盐水罐区", "kind": "place"},
        now=b.NOW,
        today=b.TODAY,
    )
    assert point.unit_id == child.id


def test_control_check_every_days_validated(app):
    risk = b.make_risk()
    for bad in (0, -1, 400, "x", True, None):
        with pytest.raises(ValidationError) as caught:
            b.make_control(risk, check_every_days=bad)
        assert "check_every_days" in caught.value.fields


# --- due dates --------------------------------------------------------------------


def _at(day: date) -> datetime:
    """Ten in the morning in Shanghai on ``day``."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def test_new_control_is_due_at_once_then_every_n_days_across_month_ends(app):
    post = b.make_post()
    holder = b.make_holder(post)
    risk = b.make_risk(b.make_risk_point(unit=post.unit))
    control = b.make_control(risk, post, check_every_days=30, now=_at(date(2026, 1, 31)))
    assert control.next_due == date(2026, 1, 31)
    rows, _ = risk_checks.due_checks(date(2026, 1, 31))
    assert [(r["control_id"], r["overdue"]) for r in rows] == [(control.id, False)]
    risk_checks.record_check(
        holder,
        control,
        {"result": "effective"},
        now=_at(date(2026, 1, 31)),
        today=date(2026, 1, 31),
    )
    assert control.next_due == date(2026, 3, 2)  # 30 days past 31 January (28-day February)
    assert risk_checks.due_checks(date(2026, 3, 1))[0] == []
    due, _ = risk_checks.due_checks(date(2026, 3, 3))
    assert [(r["due_on"], r["overdue"]) for r in due] == [(date(2026, 3, 2), True)]
    risk_checks.record_check(
        holder,
        control,
        {"result": "effective"},
        now=_at(date(2026, 12, 15)),
        today=date(2026, 12, 15),
    )
    assert control.next_due == date(2027, 1, 14)  # across the year end
    last = db_checks(control.id)
    assert [c.due_on for c in last] == [date(2026, 1, 31), date(2026, 3, 2)]


def db_checks(control_id: int) -> list[ControlCheck]:
    from safety.extensions import db

    return list(
        db.session.scalars(
            sa.select(ControlCheck)
            .where(ControlCheck.control_id == control_id)
            .order_by(ControlCheck.id)
        )
    )


# --- checks and their hazards --------------------------------------------------------


def test_failed_check_raises_linked_hazard_in_same_transaction(app, db):
    post = b.make_post()
    holder = b.make_holder(post)
    point = b.make_risk_point(unit=post.unit, name="液氨储罐区")
    control = b.make_control(b.make_risk(point), post)
    check = risk_checks.record_check(
        holder,
        control,
        {
            "result": "failed",
            "note": "氨气检测报警仪失效",
            "hazard": {"title": "液氨储罐区氨气报警仪失效", "level": "general"},
        },
        now=b.NOW,
        today=b.TODAY,
    )
    hazard = db.session.get(Hazard, check.hazard_id)
    assert (hazard.control_id, hazard.risk_point_id, hazard.unit_id) == (
        control.id,
        point.id,
        post.unit_id,
    )
    assert hazard.reporter_id == holder.id
    assert hazard.description == "氨气检测报警仪失效"


def test_bad_hazard_keeps_nothing(app, db):
    post = b.make_post()
    holder = b.make_holder(post)
    control = b.make_control(b.make_risk(b.make_risk_point(unit=post.unit)), post)
    before = control.next_due
    with pytest.raises(ValidationError) as caught:
        risk_checks.record_check(
            holder,
            control,
            {"result": "failed", "hazard": {"title": "", "level": "general"}},
            now=b.NOW + timedelta(days=1),
            today=b.TODAY + timedelta(days=1),
        )
    assert "hazard.title" in caught.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ControlCheck.id))) == 0
    assert db.session.get(type(control), control.id).next_due == before


def test_a_bad_photo_after_the_hazard_keeps_neither_check_nor_hazard(app, db):
    post = b.make_post()
    holder = b.make_holder(post)
    control = b.make_control(b.make_risk(b.make_risk_point(unit=post.unit)), post)
    with pytest.raises(ValidationError) as caught:
        risk_checks.record_check(
            holder,
            control,
            {"result": "failed", "hazard": {"title": "报警仪失效", "level": "general"}},
            now=b.NOW,
            today=b.TODAY,
            photo_files=[b"not an image"],
        )
    assert "photos" in caught.value.fields
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ControlCheck.id))) == 0


def test_effective_check_cannot_carry_a_hazard(app):
    post = b.make_post()
    holder = b.make_holder(post)
    control = b.make_control(b.make_risk(b.make_risk_point(unit=post.unit)), post)
    with pytest.raises(ValidationError) as caught:
        risk_checks.record_check(
            holder,
            control,
            {"result": "effective", "hazard": {"title": "x", "level": "general"}},
            now=b.NOW,
            today=b.TODAY,
        )
    assert "hazard" in caught.value.fields


def test_only_owner_holders_or_admins_check(app):
    post = b.make_post()
    control = b.make_control(b.make_risk(b.make_risk_point(unit=post.unit)), post)
    with pytest.raises(Forbidden):
        risk_checks.record_check(
            b.make_user(), control, {"result": "effective"}, now=b.NOW, today=b.TODAY
        )
    former = b.make_user()
    b.make_holding(post, former, start=date(2020, 1, 1), end=date(2025, 12, 31))
    with pytest.raises(Forbidden):
        risk_checks.record_check(former, control, {"result": "effective"}, now=b.NOW, today=b.TODAY)
    check = risk_checks.record_check(
        b.actor(), control, {"result": "effective"}, now=b.NOW, today=b.TODAY
    )
    assert check.id


# --- the digest's share ----------------------------------------------------------------


def test_digest_items_go_to_owner_then_up_the_chain(app):
    boss_post = b.make_post()
    boss = b.make_holder(boss_post)
    post = b.make_post(unit=boss_post.unit, superior=boss_post)
    holder = b.make_holder(post)
    point = b.make_risk_point(unit=post.unit, name="石灰窑")
    control = b.make_control(
        b.make_risk(point, event="窑气CO中毒"), post, text="CO报警仪每日巡检", now=_at(b.TODAY)
    )
    due = risk_checks.due_checks_for_digest(b.TODAY)
    assert list(due) == [holder.id]
    item = due[holder.id][0]
    assert item["control_id"] == control.id
    assert (item["control_text"], item["risk_point_name"], item["why"]) == (
        "CO报警仪每日巡检",
        "石灰窑",
        "control_check",
    )
    assert (item["role"], item["days_overdue"]) == ("owner", 0)
    later = risk_checks.due_checks_for_digest(b.TODAY + timedelta(days=3))
    assert later[holder.id][0]["days_overdue"] == 3
    assert later[boss.id][0]["role"] == "superior"


def test_digest_vacant_owner_goes_up_or_to_admins(app):
    top = b.make_post()
    vacant = b.make_post(unit=top.unit, superior=top)
    control = b.make_control(b.make_risk(b.make_risk_point(unit=top.unit)), vacant)
    admin = b.actor()
    due = risk_checks.due_checks_for_digest(b.TODAY)
    assert due[admin.id][0]["role"] == "vacant_owner"
    boss = b.make_holder(top)
    due = risk_checks.due_checks_for_digest(b.TODAY)
    assert due[boss.id][0]["control_id"] == control.id
    assert admin.id not in due


def test_gap_queries_do_not_grow_with_the_register(app):
    from tests.test_matrix_services import count_queries

    assert_queries = []
    for n in (1, 6):
        for _ in range(n):
            unit = b.make_unit()
            risk = b.make_risk(b.make_risk_point(unit=unit))
            b.make_control(risk, b.make_post(unit=unit))
            b.make_risk(b.make_risk_point(unit=unit))
        from safety.extensions import db

        db.session.expire_all()
        with count_queries() as statements:
            risks.find_risk_gaps(b.TODAY)
        assert_queries.append(len(statements))
    assert assert_queries[0] == assert_queries[1] <= 3
