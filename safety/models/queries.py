"""Model-level query helpers shared by permissions and services.

They only read the models (no rule, no commit), so that ``permissions.py``
can use them without importing a service: the layers point down.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from safety.extensions import db
from safety.models.org import PostHolder, Unit


def holding_filter(on: date) -> sa.ColumnElement[bool]:
    """Holdings whose period covers ``on`` (start and end inclusive)."""
    return sa.and_(
        PostHolder.start_date <= on,
        sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= on),
    )


def unit_ancestor_ids(unit_id: int) -> list[int]:
    """Ids from ``unit_id`` up to the root, ``unit_id`` first."""
    parents = dict(db.session.execute(sa.select(Unit.id, Unit.parent_id)).all())
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def unit_subtree_ids(unit_id: int) -> list[int]:
    """``unit_id`` and every unit below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in db.session.execute(sa.select(Unit.id, Unit.parent_id)).all():
        children.setdefault(parent, []).append(uid)
    result, stack = [], [unit_id]
    while stack:
        uid = stack.pop()
        if uid in result:
            continue
        result.append(uid)
        stack.extend(children.get(uid, []))
    return result
