"""The matrix (posts x units) and its gaps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
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
from safety.services.matrix.common import KIND_ORDER, LEVEL_ORDER
from safety.services.matrix.lists import _unsigned_rows
from safety.services.org import holding_filter
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


@dataclass
class GapFacts:
    """What every gap check reads, loaded once per :func:`find_gaps` (a few queries)."""

    today: date
    tree: list[tuple[Unit, int]]
    parents: dict[int, int | None]
    #: (post_id, unit_id, kind), distinct.
    responsibilities: list[tuple[int, int, ResponsibilityKind]]
    #: Posts held today by an active person.
    held: set[int]
    #: (user_id, post_id, version) of current holders missing the current signature.
    unsigned: list[tuple[int, int, int]]
    posts: dict[int, Post] = field(default_factory=dict)
    unit_rank: dict[int, int] = field(default_factory=dict)

    def post_key(self, post_id: int) -> tuple[int, int]:
        """Posts in unit tree order, then by id."""
        return (self.unit_rank.get(self.posts[post_id].unit_id, 0), post_id)


def load_gap_facts(today: date) -> GapFacts:
    """Read the tree, the responsibilities, who holds what today and what is unsigned."""
    tree = units_in_tree_order()
    responsibilities = [
        (pid, uid, kind)
        for pid, uid, kind in db.session.execute(
            sa.select(
                Responsibility.post_id, Responsibility.unit_id, Responsibility.kind
            ).distinct()
        )
    ]
    held = set(
        db.session.scalars(
            sa.select(PostHolder.post_id)
            .join(User, User.id == PostHolder.user_id)
            .where(holding_filter(today), User.active.is_(True))
            .distinct()
        )
    )
    unsigned = [(r[0], r[1], r[2]) for r in _unsigned_rows(today)]
    wanted = held | {pid for pid, _u, _k in responsibilities} | {r[1] for r in unsigned}
    posts = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Post).where(Post.id.in_(wanted)).options(selectinload(Post.unit))
        )
    }
    return GapFacts(
        today=today,
        tree=tree,
        parents={u.id: u.parent_id for u, _d in tree},
        responsibilities=responsibilities,
        held=held,
        unsigned=unsigned,
        posts=posts,
        unit_rank={u.id: i for i, (u, _d) in enumerate(tree)},
    )


def _post_gap(facts: GapFacts, kind: str, post_id: int, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "unit_id": facts.posts[post_id].unit_id,
        "post_id": post_id,
        "message": message,
    }


def gaps_unit_without_main(facts: GapFacts) -> list[dict[str, Any]]:
    """Main responsibility is per unit: each unit names its own first responsible post."""
    with_main = {uid for _p, uid, kind in facts.responsibilities if kind == ResponsibilityKind.MAIN}
    return [
        {
            "type": "unit_without_main",
            "unit_id": unit.id,
            "message": _("No post has main responsibility for %(unit)s.", unit=unit.name),
        }
        for unit, _depth in facts.tree
        if unit.id not in with_main
    ]


def gaps_unit_without_supervision(facts: GapFacts) -> list[dict[str, Any]]:
    """Supervision of a unit covers every unit below it."""
    supervised: set[int] = set()
    for _p, uid, kind in facts.responsibilities:
        if kind == ResponsibilityKind.SUPERVISION and uid in facts.parents:
            supervised |= _subtree(facts.parents, uid)
    return [
        {
            "type": "unit_without_supervision",
            "unit_id": unit.id,
            "message": _(
                "No post supervises %(unit)s (no supervision responsibility "
                "for it or a unit above it).",
                unit=unit.name,
            ),
        }
        for unit, _depth in facts.tree
        if unit.id not in supervised
    ]


def gaps_post_vacant(facts: GapFacts) -> list[dict[str, Any]]:
    """A post with responsibilities that nobody (active) holds today."""
    responsible = {pid for pid, _u, _k in facts.responsibilities}
    return [
        _post_gap(
            facts,
            "post_vacant",
            pid,
            _(
                "%(post)s (%(unit)s) has responsibilities but nobody holds it today.",
                post=facts.posts[pid].title,
                unit=facts.posts[pid].unit.name,
            ),
        )
        for pid in sorted(responsible - facts.held, key=facts.post_key)
    ]


def gaps_unacknowledged(facts: GapFacts) -> list[dict[str, Any]]:
    """A current holder who has not signed the current version of the list."""
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_({r[0] for r in facts.unsigned}))
        ).all()
    )
    result = []
    for user_id, pid, version in sorted(facts.unsigned, key=lambda r: (facts.post_key(r[1]), r[0])):
        post = facts.posts[pid]
        gap = _post_gap(
            facts,
            "unacknowledged",
            pid,
            _(
                "%(user)s has not signed version %(version)d of the list of %(post)s (%(unit)s).",
                user=names.get(user_id, user_id),
                version=version,
                post=post.title,
                unit=post.unit.name,
            ),
        )
        result.append({**gap, "user_id": user_id, "version": version})
    return result


def gaps_post_without_duties(facts: GapFacts) -> list[dict[str, Any]]:
    """Someone holds the post today, but its list has no duty to sign."""
    responsible = {pid for pid, _u, _k in facts.responsibilities}
    return [
        _post_gap(
            facts,
            "post_without_duties",
            pid,
            _(
                "%(post)s (%(unit)s) is held today but its list has no duty.",
                post=facts.posts[pid].title,
                unit=facts.posts[pid].unit.name,
            ),
        )
        for pid in sorted(facts.held - responsible, key=facts.post_key)
    ]


def gaps_party_government_unpaired(facts: GapFacts) -> list[dict[str, Any]]:
    """党政同责: at depth 0 and 1, main is held by a party post and an administrative one."""
    if not current_app.config.get("PARTY_GOVERNMENT", True):
        return []
    sides: dict[int, set[bool]] = {}
    for pid, uid, kind in facts.responsibilities:
        if kind == ResponsibilityKind.MAIN and pid in facts.posts:
            sides.setdefault(uid, set()).add(bool(facts.posts[pid].party))
    return [
        {
            "type": "party_government_unpaired",
            "unit_id": unit.id,
            "message": _(
                "The main responsibility for %(unit)s is not held jointly by a party post "
                "and an administrative post.",
                unit=unit.name,
            ),
        }
        for unit, depth in facts.tree
        if depth <= 1 and sides.get(unit.id, set()) != {True, False}
    ]


#: The gap checks in the order gaps are shown; a new gap type is one line here.
def gaps_of_the_risk_register(facts: GapFacts) -> list[dict[str, Any]]:
    """分级管控 (contract §6): risks without a control at their tier, vacant owners."""
    from safety.services.risks import find_risk_gaps  # the register builds on the matrix

    return find_risk_gaps(facts.today, facts.parents)


GAP_CHECKS: list[tuple[str, Callable[[GapFacts], list[dict[str, Any]]]]] = [
    ("unit_without_main", gaps_unit_without_main),
    ("unit_without_supervision", gaps_unit_without_supervision),
    ("post_vacant", gaps_post_vacant),
    ("unacknowledged", gaps_unacknowledged),
    ("post_without_duties", gaps_post_without_duties),
    ("party_government_unpaired", gaps_party_government_unpaired),
    ("risk_register", gaps_of_the_risk_register),
]
#: Every gap ``type`` (the risk register's check gives three).
GAP_TYPES = (
    *(kind for kind, _check in GAP_CHECKS[:-1]),
    "risk_without_control",
    "risk_tier_too_low",
    "control_owner_vacant",
)


def find_gaps(today: date) -> list[dict[str, Any]]:
    """Everything the matrix misses on ``today``, in the order of :data:`GAP_CHECKS`.

    Each gap is ``{type, unit_id?, post_id?, user_id?, message}``.
    """
    facts = load_gap_facts(today)
    return [gap for _kind, check in GAP_CHECKS for gap in check(facts)]
