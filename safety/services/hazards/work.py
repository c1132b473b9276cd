"""My work: what one person must act on today among the hazards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from safety import permissions
from safety.extensions import db
from safety.models import Hazard, HazardLevel, HazardStatus, Post, ResponsibilityKind, User
from safety.services.hazards.lists import DEADLINE_KEY, status_counts
from safety.services.org import holders_on
from safety.services.overdue import overdue_clause

S = HazardStatus


@dataclass
class MyWork:
    """What one person must act on today, and the state of their units."""

    to_rectify: list[Hazard]
    to_verify: list[Hazard]
    to_assign: list[Hazard]
    overdue: list[Hazard]
    counts: dict[str, int]
    unit_count: int
    holders: dict[int, list[User]]
    #: Extension requests this person may grant or refuse.
    to_decide: list[Hazard] = field(default_factory=list)
    #: Major hazards' plans waiting for this person's approval (main responsibility).
    to_approve: list[Hazard] = field(default_factory=list)


def my_work(user: User, *, today: date, limit: int = 20) -> MyWork:
    """Hazards ``user`` must rectify, verify or assign, their overdue ones, and counts.

    "My units" are those the user's posts answer for in the matrix (with the
    units below) plus the units of the posts they hold; an admin sees all.
    A fixed number of queries, however many hazards there are.
    """
    held = sorted(permissions.held_post_ids(user, today))
    admin = permissions.is_admin(user)
    # Joined (many-to-one): no extra statement when a list has rows, so the count
    # stays the same whether the lists are empty or full.
    load = (joinedload(Hazard.unit), joinedload(Hazard.accountable_post))

    def fetch(stmt: sa.Select) -> list[Hazard]:
        return list(db.session.scalars(stmt.options(*load).limit(limit)))

    # The deadline sort key as ix_hazards_post_status_deadline_sort spells it (a
    # bound date did not match it: every hazard of the post was sorted).
    deadline_order = (DEADLINE_KEY, Hazard.id)
    mine = sa.select(Hazard).where(
        Hazard.status == S.RECTIFYING, Hazard.accountable_post_id.in_(held or [-1])
    )
    to_rectify = fetch(mine.order_by(*deadline_order))
    # Overdue, and the same said on the sort key: a range of the post's slice of
    # that index (SQLite otherwise read every overdue hazard and sorted them).
    overdue = fetch(
        mine.where(overdue_clause(today), today > DEADLINE_KEY).order_by(*deadline_order)
    )

    pending = sa.select(Hazard).where(
        Hazard.status == S.PENDING_VERIFICATION, permissions.verify_clause(user, today)
    )
    to_verify = fetch(pending.order_by(Hazard.submitted_at, Hazard.id))

    manage_units = (
        None if admin else permissions.covered_unit_ids(user, today, permissions.MANAGE_KINDS)
    )
    reported = sa.select(Hazard).where(Hazard.status == S.REPORTED)
    if manage_units is not None:
        reported = reported.where(Hazard.unit_id.in_(manage_units or [-1]))
    to_assign = fetch(reported.order_by(Hazard.found_on, Hazard.id))
    # The requests first, from their own index (they are few): with the unit and
    # status in the same WHERE, SQLite read every open hazard of the units instead,
    # having no statistics for an index with no rows (4.4 ms for a busy workshop).
    requested = sa.select(Hazard.id).where(Hazard.extension_requested.is_not(None))
    requests = sa.select(Hazard).where(
        Hazard.id.in_(requested.correlate(None)),
        Hazard.status.in_([S.RECTIFYING, S.PENDING_VERIFICATION]),
    )
    if manage_units is not None:
        requests = requests.where(Hazard.unit_id.in_(manage_units or [-1]))
    to_decide = fetch(requests.order_by(Hazard.extension_requested, Hazard.id))
    principal_units = permissions.covered_unit_ids(user, today, {ResponsibilityKind.MAIN})
    to_approve = fetch(
        sa.select(Hazard)
        .where(
            Hazard.level == HazardLevel.MAJOR,
            Hazard.status == S.RECTIFYING,
            Hazard.plan_approved_at.is_(None),
            Hazard.unit_id.in_(sorted(principal_units) or [-1]),
        )
        .order_by(Hazard.assigned_at, Hazard.id)
    )

    if admin:
        my_units: list[int] | None = None
    else:
        units = set(permissions.covered_unit_ids(user, today))
        if held:
            units.update(db.session.scalars(sa.select(Post.unit_id).where(Post.id.in_(held))))
        my_units = sorted(units)
    counts = (
        status_counts(my_units, today=today)
        if my_units != []
        else {
            **{s.value: 0 for s in S},
            "overdue": 0,
        }
    )
    shown = {h.accountable_post_id for h in to_rectify + to_verify + overdue}
    shown.discard(None)
    return MyWork(
        to_rectify=to_rectify,
        to_verify=to_verify,
        to_assign=to_assign,
        overdue=overdue,
        counts=counts,
        unit_count=-1 if my_units is None else len(my_units),
        holders=holders_on(shown, today),
        to_decide=to_decide,
        to_approve=to_approve,
    )
