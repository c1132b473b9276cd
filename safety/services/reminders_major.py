"""Major hazards waiting for a step of their procedure join the daily digest.

Three steps wait on people other than the accountable post (contract §7):

- the approval of the 治理方案 (``plan_approval``), from the assignment, by the
  holders of a post with ``main`` responsibility for the unit or a unit above;
- the report to the authority (``authority_report``), from the report, and
- the record of the authority's write-off (``write_off``) of a listed hazard
  in ``pending_writeoff``, from its verification, both by the managers (a post
  with main, leadership or supervision responsibility for the unit or above).

Each step has :data:`STEP_DAYS` to be done; after that it escalates like an
overdue hazard (contract §5): from ``SUPERIOR_AFTER["major"]`` days late the
superior posts of the acting posts hear, from ``SUPERVISION_AFTER`` days the
supervision posts of the unit. A vacant acting post sends its share up the
chain of superiors (:func:`~safety.services.reminders_plan.ladder`); with
nobody up the chain, or no acting post at all, the admins hear.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import partial

import sqlalchemy as sa

from safety import clock, permissions
from safety.extensions import db
from safety.models import Hazard, HazardLevel, HazardStatus, ResponsibilityKind, Unit
from safety.services.reminders_plan import (
    SUPERIOR_AFTER,
    SUPERVISION_AFTER,
    Facts,
    Item,
    Tally,
    ladder,
)

S = HazardStatus
K = ResponsibilityKind

#: Days a step may wait before it escalates (counted from the day it became due).
STEP_DAYS = {"plan_approval": 3, "authority_report": 3, "write_off": 7}
#: Who acts on each step, and the reason they are given.
STEP_KINDS = {
    "plan_approval": (frozenset({K.MAIN}), "approver"),
    "authority_report": (permissions.MANAGE_KINDS, "manager"),
    "write_off": (permissions.MANAGE_KINDS, "manager"),
}
#: The digest line's object type per step: one line per hazard and step.
STEP_OBJECTS = {
    "plan_approval": "major_approval",
    "authority_report": "major_report",
    "write_off": "major_writeoff",
}


@dataclass(frozen=True)
class Waiting:
    """A major hazard's step waiting since ``since`` (a local date)."""

    step: str
    hazard_id: int
    number: str
    title: str
    unit_id: int
    unit: str
    since: date


def waiting_steps(today: date) -> list[Waiting]:
    """Every major hazard's step that waits today (one query)."""
    rows = db.session.execute(
        sa.select(
            Hazard.id,
            Hazard.number,
            Hazard.title,
            Hazard.unit_id,
            Unit.name,
            sa.type_coerce(Hazard.status, sa.String).label("status"),  # raw: no enum per row
            Hazard.plan,
            Hazard.plan_approved_at,
            Hazard.reported_to_authority_on,
            Hazard.created_at,
            Hazard.assigned_at,
            Hazard.verified_at,
        )
        .join(Unit, Unit.id == Hazard.unit_id)
        .where(
            Hazard.level == HazardLevel.MAJOR,
            Hazard.status.in_(
                [S.REPORTED, S.RECTIFYING, S.PENDING_VERIFICATION, S.PENDING_WRITEOFF]
            ),
        )
        .order_by(Hazard.id)
    ).all()
    waiting = []
    for row in rows:
        steps = []
        if row.status == S.RECTIFYING and row.plan and row.plan_approved_at is None:
            steps.append(("plan_approval", row.assigned_at))
        if row.reported_to_authority_on is None and row.status != S.PENDING_WRITEOFF:
            steps.append(("authority_report", row.created_at))
        if row.status == S.PENDING_WRITEOFF:
            steps.append(("write_off", row.verified_at))
        for step, since in steps:
            day = clock.local_date(since) if since is not None else today
            waiting.append(Waiting(step, row.id, row.number, row.title, row.unit_id, row.name, day))
    return waiting


def add_waiting_majors(facts: Facts, tally: Tally) -> None:
    """Add each waiting step to the digests of those who must act, escalating when late."""
    waiting = waiting_steps(facts.today)
    if not waiting:
        return
    units = {w.unit_id for w in waiting}
    actors = {
        kinds: permissions.posts_covering_units(units, kinds)
        for kinds, _reason in STEP_KINDS.values()
    }
    supervision = permissions.posts_covering_units(units, [K.SUPERVISION])
    for w in waiting:
        kinds, reason = STEP_KINDS[w.step]
        late = (facts.today - w.since).days - STEP_DAYS[w.step]
        posts = sorted(actors[kinds].get(w.unit_id, ()))
        groups = _who_acts(posts, reason, late, supervision.get(w.unit_id, ()), facts)
        tally.tell_groups(groups, partial(_step_item, w, reason, late, facts.base_url))


def _step_item(w: Waiting, reason: str, late: int, base_url: str) -> Item:
    return Item(
        object_type=STEP_OBJECTS[w.step],
        object_id=w.hazard_id,
        kind=w.step,
        reason=reason,
        days=late,
        number=w.number,
        title=w.title,
        unit=w.unit,
        deadline=None,
        link=f"{base_url}/hazards/{w.hazard_id}",
        level=HazardLevel.MAJOR.value,
    )


def _who_acts(
    posts: list[int], reason: str, late: int, supervision: Collection[int], facts: Facts
) -> list[tuple[list[int], str]]:
    """(user ids, reason) groups for a step whose acting posts are ``posts``."""
    groups: list[tuple[list[int], str]] = []
    for post_id in posts:
        post, why = ladder(post_id, facts.superior_of, facts.has_holder)
        if post is None:
            groups.append((facts.admins, "admin"))
        else:
            groups.append((facts.holders[post], reason if why == "accountable" else why))
    if not posts:
        groups.append((facts.admins, "admin"))
    if late >= SUPERIOR_AFTER[HazardLevel.MAJOR.value]:
        for post_id in posts:
            superior = facts.superior_of(post_id)
            if superior is not None and superior not in posts:
                groups.append((facts.holders.get(superior, []), "superior"))
    if late >= SUPERVISION_AFTER:
        for post_id in sorted(supervision):
            groups.append((facts.holders.get(post_id, []), "supervision"))
    return groups
