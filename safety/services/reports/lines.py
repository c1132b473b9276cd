"""Lists of hazards (overdue, major) with who held the accountable post."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
    Post,
    PostHolder,
    Unit,
    User,
)
from safety.services.overdue import (
    days_overdue_on,
    overdue_on_clause,
)
from safety.services.reports.common import _VOID, OPEN_STATES, PLAN_FIELDS, _in_scope, _state_at
from safety.services.reports.periods import Period, Scope, day_end


@dataclass
class HolderSpan:
    """A person holding a post from ``start`` to ``end`` (inclusive, None: still)."""

    user_id: int
    name: str
    email: str
    start: date
    end: date | None


@dataclass
class HazardLine:
    id: int
    number: str
    title: str
    unit_id: int
    unit_name: str
    level: str
    state: str
    status: str
    found_on: date
    deadline: date | None
    closed_at: datetime | None
    submitted_at: datetime | None
    funds: Decimal | None
    category: str | None
    accountable_post_id: int | None
    post_title: str | None
    plan: dict[str, Any] | None
    days_overdue: int = 0
    holders: list[HolderSpan] = field(default_factory=list)

    @property
    def plan_status(self) -> str:
        """ "complete", "incomplete" or "none": the 治理方案 of a major hazard."""
        if not self.plan:
            return "none"
        filled = all(str(self.plan.get(k) or "").strip() for k in PLAN_FIELDS)
        return "complete" if filled else "incomplete"


def _hazard_lines(
    where: Any,
    as_of: date,
    *,
    order: Sequence[Any] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[HazardLine]:
    tz = clock.tz()
    state = _state_at(day_end(as_of, tz)).label("state")
    rows = db.session.execute(
        sa.select(
            Hazard.id,
            Hazard.number,
            Hazard.title,
            Hazard.unit_id,
            Unit.name,
            Hazard.level,
            state,
            Hazard.status,
            Hazard.found_on,
            Hazard.deadline,
            Hazard.closed_at,
            Hazard.submitted_at,
            Hazard.funds,
            Hazard.category,
            Hazard.accountable_post_id,
            Post.title,
            Hazard.plan,
        )
        .join(Unit, Unit.id == Hazard.unit_id)
        .outerjoin(Post, Post.id == Hazard.accountable_post_id)
        .where(where)
        .order_by(*order, Hazard.id)
        .limit(limit)
        .offset(offset or None)
    ).all()
    lines = []
    for row in rows:
        values = list(row)
        values[5] = getattr(values[5], "value", values[5])
        values[7] = getattr(values[7], "value", values[7])
        lines.append(HazardLine(*values))
    return lines


def _holdings(post_ids: Any, first: date, last: date) -> dict[int, list[HolderSpan]]:
    """Who held each post of ``post_ids`` (ids, or a subquery) on some day of
    [first, last], by post, in order of their start (one query)."""
    rows = db.session.execute(
        sa.select(
            PostHolder.post_id,
            User.id,
            User.name,
            User.email,
            PostHolder.start_date,
            PostHolder.end_date,
        )
        .join(User, User.id == PostHolder.user_id)
        .where(
            PostHolder.post_id.in_(post_ids),
            PostHolder.start_date <= last,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= first),
        )
        .order_by(PostHolder.post_id, PostHolder.start_date, User.name)
    ).all()
    by_post: dict[int, list[HolderSpan]] = defaultdict(list)
    for post_id, *rest in rows:
        by_post[post_id].append(HolderSpan(*rest))
    return by_post


def _attach_holders(lines: list[HazardLine], post_ids: Any, first: date, last: date) -> None:
    """Who held each line's accountable post between the deadline and ``last`` (one query)."""
    by_post = _holdings(post_ids, first, last)
    for line in lines:
        if line.accountable_post_id is None or line.deadline is None:
            continue
        lo = line.deadline + timedelta(days=1)
        line.holders = [
            span
            for span in by_post.get(line.accountable_post_id, [])
            if span.start <= last and (span.end is None or span.end >= lo)
        ]


def overdue_hazards(scope: Scope, *, on: date, limit: int | None = None) -> list[HazardLine]:
    """Hazards overdue at the end of ``on``, the most overdue first (``limit``: only
    the first so many), with who held the post while overdue (two queries)."""
    tz = clock.tz()
    where = sa.and_(_in_scope(scope), overdue_on_clause(on, tz))
    lines = _hazard_lines(where, on, order=[Hazard.deadline], limit=limit)
    for line in lines:
        line.days_overdue = days_overdue_on(line.deadline, on)
    if lines:
        # The lines' posts as values (no more than the scope's posts): a subquery
        # would read every overdue hazard again, past ``limit``.
        post_ids = sorted({line.accountable_post_id for line in lines if line.accountable_post_id})
        earliest = min(line.deadline for line in lines if line.deadline) + timedelta(days=1)
        _attach_holders(lines, post_ids, earliest, on)
    return lines


def _major_where(scope: Scope, period: Period, as_of: date) -> Any:
    state = _state_at(day_end(as_of, clock.tz()))
    return sa.and_(
        _in_scope(scope),
        Hazard.level == HazardLevel.MAJOR,
        Hazard.status != _VOID,
        Hazard.found_on <= as_of,
        sa.or_(Hazard.found_on >= period.start, state.in_(OPEN_STATES)),
    )


def major_hazards(
    scope: Scope, period: Period, *, today: date, limit: int | None = None
) -> list[HazardLine]:
    """Major hazards found in the period or still open at its as-of date, oldest
    first (``limit``: only the first so many; one query)."""
    as_of = period.as_of(today)
    return _hazard_lines(
        _major_where(scope, period, as_of), as_of, order=[Hazard.found_on], limit=limit
    )


def count_major_hazards(scope: Scope, period: Period, *, today: date) -> int:
    """How many :func:`major_hazards` lists without a limit (from the tallies for
    whole months, else one count)."""
    from safety.services.reports.tally_figures import tally_count_majors

    counted = tally_count_majors(scope, period, period.as_of(today))
    if counted is not None:
        return counted
    return scan_count_major_hazards(scope, period, today=today)


def scan_count_major_hazards(scope: Scope, period: Period, *, today: date) -> int:
    """The same count from the hazards (the definition; ragged periods)."""
    where = _major_where(scope, period, period.as_of(today))
    return db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(where)) or 0
