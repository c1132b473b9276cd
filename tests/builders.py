"""Test data built through the services layer, with defaults that work.

Each ``make_*`` takes keyword overrides. An admin actor is created on demand.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import Post, PostHolder, Unit, User
from safety.services import org

PASSWORD = "correct horse 1"
#: Every test's "now" unless it travels: a Thursday morning in Shanghai.
NOW = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def actor() -> User:
    """The builders' admin (created once per test database)."""
    user = db.session.scalar(sa.select(User).where(User.email == "builder-admin@example.com"))
    if user is None:
        user = org.create_user(
            None,
            email="builder-admin@example.com",
            name="Builder",
            password=PASSWORD,
            is_admin=True,
            now=NOW,
            bootstrap=True,
        )
    return user


def make_user(**over: Any) -> User:
    n = _n()
    values = {
        "email": f"user{n}@example.com",
        "name": f"用户{n}",
        "password": PASSWORD,
        "locale": "zh_CN",
        "is_admin": False,
    }
    values.update(over)
    return org.create_user(None, **values, now=NOW, bootstrap=True)


def make_unit(**over: Any) -> Unit:
    n = _n()
    values: dict[str, Any] = {"name": f"单位{n}", "code": f"U{n:04d}", "parent_id": None}
    if "parent" in over:
        parent = over.pop("parent")
        values["parent_id"] = parent.id if parent else None
    values.update(over)
    return org.create_unit(actor(), **values, now=NOW)


def make_post(**over: Any) -> Post:
    n = _n()
    unit = over.pop("unit", None)
    superior = over.pop("superior", None)
    values: dict[str, Any] = {
        "title": f"岗位{n}",
        "unit_id": (unit or make_unit()).id if "unit_id" not in over else over.pop("unit_id"),
        "level": "management",
        "superior_post_id": superior.id if superior else None,
    }
    values.update(over)
    return org.create_post(actor(), **values, now=NOW)


def make_holding(
    post: Post, user: User | None = None, start: date = date(2020, 1, 1), end: date | None = None
) -> PostHolder:
    return org.assign_holder(
        actor(),
        post_id=post.id,
        user_id=(user or make_user()).id,
        start_date=start,
        end_date=end,
        now=NOW,
    )


def make_holder(post: Post | None = None, **user_over: Any) -> User:
    """A new person holding ``post`` (a new post if none) since 2020."""
    user = make_user(**user_over)
    make_holding(post or make_post(), user)
    return user


# --- matrix (appended by the matrix area) ---------------------------------------


def make_duty(**over: Any) -> Any:
    from safety.services import matrix

    n = _n()
    values: dict[str, Any] = {"title": f"职责{n}", "category": "production_operation"}
    values.update(over)
    return matrix.create_duty(actor(), **values, now=NOW)


def make_responsibility(
    post: Post, unit: Unit | None = None, kind: str = "main", **over: Any
) -> Any:
    """``post`` answers for ``unit`` (default: the post's own unit) with ``kind``."""
    from safety.services import matrix

    duty = over.pop("duty", None)
    values: dict[str, Any] = {
        "post_id": post.id,
        "unit_id": (unit.id if unit else post.unit_id),
        "kind": kind,
        "duty_id": duty.id if duty else None,
    }
    values.update(over)
    return matrix.create_responsibility(actor(), **values, now=NOW)


# --- hazards (appended by the hazards area) ---------------------------------

TODAY = date(2026, 3, 12)


def grant_hazard_role(kind: str, unit: Unit, user: User | None = None) -> User:
    """A person holding a new post in ``unit`` with responsibility ``kind`` for it.

    ``kind`` is main, leadership, supervision or direct (the matrix's kinds).
    """
    from safety.models import Responsibility, ResponsibilityKind

    post = make_post(unit=unit)
    user = user or make_user()
    make_holding(post, user)
    try:
        from safety.services.matrix import create_responsibility
    except ImportError:  # the matrix service not written yet: the row itself
        db.session.add(
            Responsibility(post_id=post.id, unit_id=unit.id, kind=ResponsibilityKind(kind))
        )
        db.session.commit()
    else:
        create_responsibility(actor(), post_id=post.id, unit_id=unit.id, kind=kind, now=NOW)
    return user


def make_hazard(status: str = "reported", **over: Any) -> Any:
    """A hazard driven through the services to ``status``.

    Overrides: ``unit``, ``level`` (general|major), ``accountable_post``,
    ``deadline`` (a past one makes an overdue hazard), ``reporter``,
    ``submitter`` (a holder of the accountable post), ``verifier``,
    ``photos`` (bytes), ``now``, ``today``, ``listed`` (a major hazard
    reported to the authority and listed: ``closed`` then means written off);
    anything else goes into the report (``title``, ``description``,
    ``location``, ``category``, ``risk``, ``found_at``, ``criterion``).
    Assign, verify and void are done by the builders' admin; a major
    hazard's plan is approved by a new holder of ``main`` for its unit.
    """
    from datetime import timedelta

    from safety.services import hazards

    now = over.pop("now", NOW)
    today = over.pop("today", TODAY)
    unit = over.pop("unit", None) or make_unit()
    level = over.pop("level", "general")
    post = over.pop("accountable_post", None)
    deadline = over.pop("deadline", today + timedelta(days=14))
    reporter = over.pop("reporter", None) or make_user()
    submitter = over.pop("submitter", None)
    verifier = over.pop("verifier", None) or actor()
    photos = over.pop("photos", ())
    listed = over.pop("listed", False)
    data: dict[str, Any] = {"title": f"隐患{_n()}", "unit_id": unit.id, "level": level}
    if level == "major":
        data["criterion"] = "HG2017-05"
    data.update(over)
    hazard = hazards.report_hazard(reporter, data, now=now, photos=photos)
    if status == "reported":
        return hazard
    if status == "void":
        return hazards.void_hazard(
            actor(), hazard, reason="重复上报", version=hazard.version, now=now, today=today
        )
    if post is None:
        post = make_post(unit=unit)
    if submitter is None:
        holders = db.session.scalars(
            sa.select(User)
            .join(PostHolder, PostHolder.user_id == User.id)
            .where(PostHolder.post_id == post.id)
        ).all()
        submitter = holders[0] if holders else make_holder(post)
    assign = {
        "accountable_post_id": post.id,
        "deadline": deadline,
        "measures": "更换破损护栏并设置警示标志",
        "funds": "5000",
        "contingency_plan": "设置警戒区，专人监护",
    }
    if level == "major":
        assign["plan"] = {part: f"{part} 方案内容" for part in hazards.PLAN_PARTS}
    hazards.assign_hazard(
        actor(), hazard, assign, version=hazard.version, now=now, today=min(today, deadline)
    )
    if level == "major":
        principal = grant_hazard_role("main", unit)
        hazards.approve_plan(
            principal, hazard, {"note": "同意"}, version=hazard.version, now=now, today=today
        )
        if listed:
            hazards.report_authority(
                actor(),
                hazard,
                {"authority": "市应急管理局", "reported_on": today, "listed": True},
                version=hazard.version,
                now=now,
                today=today,
            )
    if status == "rectifying":
        return hazard
    hazards.submit_hazard(
        submitter, hazard, note="已整改完毕", version=hazard.version, now=now, today=today
    )
    if status == "pending_verification":
        return hazard
    if status in ("closed", "pending_writeoff"):
        hazards.verify_hazard(
            verifier,
            hazard,
            note="验收合格",
            evaluation="隐患已消除" if level == "major" else None,
            version=hazard.version,
            now=now,
            today=today,
        )
        if listed and status == "closed":
            hazards.write_off_hazard(
                actor(),
                hazard,
                {"authority": "市应急管理局", "decided_on": today},
                version=hazard.version,
                now=now,
                today=today,
            )
        return hazard
    raise ValueError(f"unknown hazard status {status!r}")


# --- inspections ---------------------------------------------------------------


def make_checklist(**over: Any) -> Any:
    """A checklist (version 1); ``items`` are strings or item dicts."""
    from safety.services import inspections

    n = _n()
    values: dict[str, Any] = {"name": f"检查表{n}", "items": ["消防通道畅通", "灭火器在有效期内"]}
    values.update(over)
    return inspections.create_checklist(actor(), values, now=NOW)


def make_plan(**over: Any) -> Any:
    """An inspection plan (monthly from 2026-01-31 unless told), first due on its start."""
    from safety.services import inspections

    unit = over.pop("unit", None) or make_unit()
    post = over.pop("post", None) or make_post(unit=unit)
    checklist = over.pop("checklist", None) or make_checklist()
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "checklist_id": checklist.id,
        "responsible_post_id": post.id,
        "kind": "monthly",
        "start_date": date(2026, 1, 31),
    }
    values.update(over)
    return inspections.create_plan(actor(), values, today=NOW.date(), now=NOW)


def make_inspection(**over: Any) -> Any:
    """A submitted inspection; pass ``items`` with ``hazard`` to raise hazards."""
    from safety.services import inspections

    inspector = over.pop("inspector", None) or actor()
    submit = over.pop("submit", True)
    unit = over.pop("unit", None) or make_unit()
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "performed_at": NOW,
        "items": [{"text": "消防通道畅通", "result": "pass"}],
    }
    values.update(over)
    return inspections.save_inspection(inspector, values, submit=submit, now=NOW)


# --- risks (appended by the risks area) ------------------------------------------


def make_risk_point(**over: Any) -> Any:
    """A risk point (an installation unless told) of ``unit`` (a new unit if none)."""
    from safety.services import risks

    unit = over.pop("unit", None) or make_unit()
    values: dict[str, Any] = {"unit_id": unit.id, "name": f"风险点{_n()}", "kind": "installation"}
    values.update(over)
    return risks.create_risk_point(actor(), values, now=NOW, today=TODAY)


def make_risk(point: Any = None, **over: Any) -> Any:
    """A risk of ``point``, LEC 3·6·15 = 270 (high) unless told."""
    from safety.services import risks

    point = point or make_risk_point()
    values: dict[str, Any] = {"event": f"风险事件{_n()}", "method": "lec", "l": 3, "e": 6, "c": 15}
    values.update(over)
    return risks.create_risk(actor(), point, values, now=NOW, today=TODAY)


def make_control(risk: Any = None, post: Post | None = None, **over: Any) -> Any:
    """A control of ``risk`` owned by ``post`` (a new post of the point's unit), every 7 days."""
    from safety.services import risks

    risk = risk or make_risk()
    post = post or make_post(unit_id=risk.risk_point.unit_id)
    now = over.pop("now", NOW)
    values: dict[str, Any] = {
        "kind": "engineering",
        "text": f"管控措施{_n()}",
        "owner_post_id": post.id,
        "check_every_days": 7,
    }
    values.update(over)
    return risks.create_control(actor(), risk, values, now=now, today=TODAY)


def workshop_officer() -> User:
    """A 安全员 of a workshop (below a plant) in the organisation ``demo scale`` made."""

    root = db.session.scalar(sa.select(Unit.id).where(Unit.parent_id.is_(None)))
    plants = sa.select(Unit.id).where(Unit.parent_id == root)
    officer = db.session.scalar(
        sa.select(User)
        .join(PostHolder, PostHolder.user_id == User.id)
        .join(Post, Post.id == PostHolder.post_id)
        .where(Post.title == "安全员", Post.unit_id != root, Post.unit_id.not_in(plants))
        .order_by(User.id)
        .limit(1)
    )
    assert officer is not None
    return officer
