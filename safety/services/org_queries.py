"""Read-only helpers for the organisation pages (no writes, no commits).

They load whole tables once and arrange them in Python: an organisation has
hundreds of units and posts, not millions, and one query beats one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from wtforms import SelectChoice

from safety.extensions import db
from safety.models import Post, PostHolder, Unit, User
from safety.services.org import (
    holders_on,
    holding_filter,
    superior_chain,
    unit_ancestor_ids,
    unit_subtree_ids,
)


@dataclass
class UnitNode:
    """A unit with its place in the tree and what the pages show about it."""

    unit: Unit
    depth: int
    children: list[UnitNode] = field(default_factory=list)
    posts: int = 0
    vacant: int = 0


def unit_tree(today: date | None = None) -> list[UnitNode]:
    """The roots of the unit tree, children sorted by code.

    With ``today``, each node counts its posts and the posts nobody holds today.
    """
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    nodes = {u.id: UnitNode(unit=u, depth=0) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[unit.id])
    if today is not None:
        posts = list(db.session.execute(sa.select(Post.id, Post.unit_id)).all())
        held = holders_on([p.id for p in posts], today)
        for post_id, unit_id in posts:
            nodes[unit_id].posts += 1
            if not held[post_id]:
                nodes[unit_id].vacant += 1
    _set_depths(roots, 0, set())
    return roots


def _set_depths(nodes: list[UnitNode], depth: int, seen: set[int]) -> None:
    for node in nodes:
        if node.unit.id in seen:  # a cycle cannot be saved, but never loop for ever
            continue
        seen.add(node.unit.id)
        node.depth = depth
        _set_depths(node.children, depth + 1, seen)


def flatten(nodes: Iterable[UnitNode]) -> list[UnitNode]:
    """Depth-first, parents before children."""
    result: list[UnitNode] = []
    stack = list(reversed(list(nodes)))
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node.unit.id in seen:
            continue
        seen.add(node.unit.id)
        result.append(node)
        stack.extend(reversed(node.children))
    return result


def unit_choices(blank: str) -> list[SelectChoice]:
    """Select options for a unit, indented by depth, with ``blank`` first."""
    options = [SelectChoice("", blank)]
    for node in flatten(unit_tree()):
        indent = "\u3000" * node.depth
        options.append(
            SelectChoice(str(node.unit.id), f"{indent}{node.unit.name} ({node.unit.code})")
        )
    return options


def post_choices(blank: str) -> list[SelectChoice]:
    """Select options for a post, "title · unit", in unit-tree order."""
    order = {node.unit.id: i for i, node in enumerate(flatten(unit_tree()))}
    posts = sorted(
        db.session.scalars(sa.select(Post)).all(),
        key=lambda p: (order.get(p.unit_id, 0), p.id),
    )
    return [SelectChoice("", blank)] + [
        SelectChoice(str(p.id), f"{p.title} · {p.unit.name}") for p in posts
    ]


def user_choices(blank: str) -> list[SelectChoice]:
    """Active people, by name."""
    users = db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)
    )
    return [SelectChoice("", blank)] + [
        SelectChoice(str(u.id), f"{u.name} <{u.email}>") for u in users
    ]


@dataclass
class PostRow:
    post: Post
    chain: list[Post]
    holders: list[User]


@dataclass
class UnitPosts:
    node: UnitNode
    posts: list[PostRow]


def posts_by_unit(today: date, unit_id: int | None = None) -> list[UnitPosts]:
    """Posts grouped by unit (tree order), each with its superior chain and holders today.

    With ``unit_id``, only that unit and the units below it.
    """
    nodes = flatten(unit_tree())
    if unit_id is not None:
        keep = set(unit_subtree_ids(unit_id))
        nodes = [n for n in nodes if n.unit.id in keep]
    # All posts in one query: superior_chain then walks the identity map, no more queries.
    posts = list(db.session.scalars(sa.select(Post).order_by(Post.id)))
    held = holders_on([p.id for p in posts], today)
    by_unit: dict[int, list[PostRow]] = {}
    for post in posts:
        row = PostRow(post=post, chain=superior_chain(post), holders=held[post.id])
        by_unit.setdefault(post.unit_id, []).append(row)
    return [UnitPosts(node=n, posts=by_unit.get(n.unit.id, [])) for n in nodes]


def holdings_of_post(post: Post) -> list[PostHolder]:
    """Every holding of ``post``, current and past, latest start first."""
    return list(
        db.session.scalars(
            sa.select(PostHolder)
            .where(PostHolder.post_id == post.id)
            .order_by(PostHolder.start_date.desc(), PostHolder.id.desc())
        )
    )


def holdings_of_user(user: User) -> list[PostHolder]:
    """Every holding of ``user``, latest start first."""
    return list(
        db.session.scalars(
            sa.select(PostHolder)
            .where(PostHolder.user_id == user.id)
            .order_by(PostHolder.start_date.desc(), PostHolder.id.desc())
        )
    )


def is_current(holding: PostHolder, today: date) -> bool:
    return holding.start_date <= today and (holding.end_date is None or holding.end_date >= today)


def subordinates(post: Post) -> list[Post]:
    """Posts whose superior is ``post``."""
    return list(
        db.session.scalars(
            sa.select(Post).where(Post.superior_post_id == post.id).order_by(Post.id)
        )
    )


def ancestors(unit: Unit) -> list[Unit]:
    """From the root down to ``unit``'s parent."""
    ids = unit_ancestor_ids(unit.id)[1:]
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
    return [units[i] for i in reversed(ids) if i in units]


PEOPLE_PAGE = 50


def people_page(
    *, q: str, status: str, after: tuple[str, int] | None
) -> tuple[list[User], tuple[str, int] | None]:
    """People by name, keyset-paginated on (name, id); ``status`` active|inactive|all."""
    stmt = sa.select(User)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    if after is not None:
        stmt = stmt.where(sa.tuple_(User.name, User.id) > sa.tuple_(*after))
    rows = list(db.session.scalars(stmt.order_by(User.name, User.id).limit(PEOPLE_PAGE + 1)))
    more = len(rows) > PEOPLE_PAGE
    rows = rows[:PEOPLE_PAGE]
    return rows, ((rows[-1].name, rows[-1].id) if more else None)


def current_posts(user_ids: list[int], today: date) -> dict[int, list[Post]]:
    """Posts each person holds on ``today``."""
    result: dict[int, list[Post]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return result
    rows = db.session.execute(
        sa.select(PostHolder.user_id, Post)
        .join(Post, Post.id == PostHolder.post_id)
        .where(PostHolder.user_id.in_(user_ids), holding_filter(today))
        .order_by(Post.id)
    ).all()
    for user_id, post in rows:
        result[user_id].append(post)
    return result
