"""The matrix (posts x units) and its gaps."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety.extensions import db
from safety.models import (
    Post,
    PostHolder,
    PostLevel,
    Responsibility,
    ResponsibilityKind,
    Unit,
    User,
)

#: Display order of kinds, and the one-letter mark shown in cells (主/领/监/直).
from safety.services.matrix.common import KIND_ORDER, LEVEL_ORDER
from safety.services.matrix.lists import _unsigned_rows
from safety.services.org import holding_filter
from safety.services.validation import MAX_ID, load, load_or_404  # noqa: F401  (re-exported)
from safety.services.validation import choice as _enum
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

# --- the matrix and its gaps ---------------------------------------------------------------


def units_in_tree_order() -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before children, siblings by code."""
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            if unit.id in seen:
                continue
            seen.add(unit.id)
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    ordered.extend((u, 0) for u in units if u.id not in seen)  # cycles, never expected
    return ordered


def _subtree(parents: dict[int, int | None], root: int) -> set[int]:
    below: dict[int | None, list[int]] = {}
    for uid, parent in parents.items():
        below.setdefault(parent, []).append(uid)
    result, stack = set(), [root]
    while stack:
        uid = stack.pop()
        if uid not in result:
            result.add(uid)
            stack.extend(below.get(uid, []))
    return result


def matrix_data(
    *, unit_id: int | None = None, level: str | PostLevel | None = None, today: date
) -> dict[str, Any]:
    """Posts × units with the kinds in each cell, and the gaps (a handful of queries).

    ``unit_id`` keeps that unit's subtree (posts in it, or answering for a unit
    in it); ``level`` keeps posts of that level.

    :raise ValidationError: an unknown ``unit_id`` or ``level``.
    """
    errors: dict[str, str] = {}
    if unit_id is not None:
        _ref(errors, "unit_id", Unit, unit_id, False)
    level_value = _enum(errors, "level", PostLevel, level) if level not in (None, "") else None
    _raise(errors)
    tree = units_in_tree_order()
    parents = {u.id: u.parent_id for u, _d in tree}
    keep_units = _subtree(parents, int(unit_id)) if unit_id is not None else set(parents)
    units = [(u, d) for u, d in tree if u.id in keep_units]
    resp_rows = db.session.execute(
        sa.select(Responsibility.post_id, Responsibility.unit_id, Responsibility.kind).distinct()
    ).all()
    cells: dict[tuple[int, int], set[ResponsibilityKind]] = {}
    for post_id, uid, kind in resp_rows:
        if uid in keep_units:
            cells.setdefault((post_id, uid), set()).add(kind)
    answering = {pid for pid, _u in cells}
    stmt = sa.select(Post)
    if level_value is not None:
        stmt = stmt.where(Post.level == level_value)
    unit_rank = {u.id: i for i, (u, _d) in enumerate(tree)}
    level_rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    posts = [
        p
        for p in db.session.scalars(stmt)
        if unit_id is None or p.unit_id in keep_units or p.id in answering
    ]
    posts.sort(key=lambda p: (level_rank[p.level], unit_rank.get(p.unit_id, 0), p.id))
    post_ids = {p.id for p in posts}
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    cell_list = [
        {
            "post_id": pid,
            "unit_id": uid,
            "kinds": [k.value for k in sorted(kinds, key=kind_rank.__getitem__)],
        }
        for (pid, uid), kinds in sorted(
            cells.items(), key=lambda c: (c[0][0], unit_rank.get(c[0][1], 0))
        )
        if pid in post_ids
    ]
    gaps = [
        g
        for g in find_gaps(today)
        if ("unit_id" not in g or g["unit_id"] in keep_units)
        and ("post_id" not in g or g["post_id"] in post_ids)
    ]
    return {
        "posts": posts,
        "units": units,
        "cells": cell_list,
        "gaps": gaps,
        "unit_names": {u.id: u.name for u, _d in tree},
    }


def find_gaps(today: date) -> list[dict[str, Any]]:
    """Everything the matrix misses on ``today``, in a fixed order (about five queries).

    Each gap is ``{type, unit_id?, post_id?, user_id?, message}``; ``type`` is
    one of :data:`GAP_TYPES`. See the module docstring for how responsibilities
    on a unit count for the units below it.
    """
    tree = units_in_tree_order()
    parents = {u.id: u.parent_id for u, _d in tree}
    resp_rows = db.session.execute(
        sa.select(Responsibility.post_id, Responsibility.unit_id, Responsibility.kind).distinct()
    ).all()
    with_main = {uid for _p, uid, kind in resp_rows if kind == ResponsibilityKind.MAIN}
    supervised_roots = {uid for _p, uid, k in resp_rows if k == ResponsibilityKind.SUPERVISION}
    supervised: set[int] = set()
    for root in supervised_roots:
        if root in parents:
            supervised |= _subtree(parents, root)
    gaps: list[dict[str, Any]] = []
    for unit, _depth in tree:
        if unit.id not in with_main:
            gaps.append(
                {
                    "type": "unit_without_main",
                    "unit_id": unit.id,
                    "message": _("No post has main responsibility for %(unit)s.", unit=unit.name),
                }
            )
    for unit, _depth in tree:
        if unit.id not in supervised:
            gaps.append(
                {
                    "type": "unit_without_supervision",
                    "unit_id": unit.id,
                    "message": _(
                        "No post supervises %(unit)s (no supervision responsibility "
                        "for it or a unit above it).",
                        unit=unit.name,
                    ),
                }
            )
    responsible_posts = sorted({pid for pid, _u, _k in resp_rows})
    unsigned = _unsigned_rows(today)
    post_ids = set(responsible_posts) | {r[1] for r in unsigned}
    posts = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.unit))
        )
    }
    held = set(
        db.session.scalars(
            sa.select(PostHolder.post_id)
            .join(User, User.id == PostHolder.user_id)
            .where(
                PostHolder.post_id.in_(responsible_posts),
                holding_filter(today),
                User.active.is_(True),
            )
            .distinct()
        )
    )
    unit_rank = {u.id: i for i, (u, _d) in enumerate(tree)}

    def post_key(pid: int) -> tuple[int, int]:
        return (unit_rank.get(posts[pid].unit_id, 0), pid)

    for pid in sorted(responsible_posts, key=post_key):
        if pid not in held:
            post = posts[pid]
            gaps.append(
                {
                    "type": "post_vacant",
                    "unit_id": post.unit_id,
                    "post_id": pid,
                    "message": _(
                        "%(post)s (%(unit)s) has responsibilities but nobody holds it today.",
                        post=post.title,
                        unit=post.unit.name,
                    ),
                }
            )
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_({r[0] for r in unsigned}))
        ).all()
    )
    for user_id, pid, version in sorted(unsigned, key=lambda r: (post_key(r[1]), r[0])):
        post = posts[pid]
        gaps.append(
            {
                "type": "unacknowledged",
                "unit_id": post.unit_id,
                "post_id": pid,
                "user_id": user_id,
                "version": version,
                "message": _(
                    "%(user)s has not signed version %(version)d of the list of "
                    "%(post)s (%(unit)s).",
                    user=names.get(user_id, user_id),
                    version=version,
                    post=post.title,
                    unit=post.unit.name,
                ),
            }
        )
    return gaps
