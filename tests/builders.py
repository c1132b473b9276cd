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

