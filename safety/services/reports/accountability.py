"""Accountability (失职追责): who held the post on each overdue day, signed, reminded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import clock
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Hazard,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
    User,
)
from safety.services.errors import ValidationError
from safety.services.overdue import (
    overdue_window,
)
from safety.services.reports.common import _VOID, _in_scope
from safety.services.reports.lines import HazardLine, HolderSpan, _hazard_lines, _holdings
from safety.services.reports.periods import Period, Scope, day_start


@dataclass
class SignatureSpan:
    """Within a holder's overdue days: whether the list then current was signed."""

    start: date
    end: date
    version: int | None
    signed_on: date | None


@dataclass
class ReminderSpan:
    start: date
    end: date
    count: int
    reasons: list[str]


@dataclass
class AccountableSpan:
    """One person's share of a hazard's overdue days."""

    user_id: int
    name: str
    email: str
    start: date
    end: date
    signatures: list[SignatureSpan]
    reminders: list[ReminderSpan]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def reminder_count(self) -> int:
        return sum(r.count for r in self.reminders)


@dataclass
class AccountabilityCase:
    hazard: HazardLine
    overdue_from: date
    overdue_to: date
    spans: list[AccountableSpan]
    vacant: list[tuple[date, date]]
    #: Reminders about the hazard to people other than the post's holders.
    others: list[tuple[str, list[str], ReminderSpan]]
    #: Accountability actions naming the hazard (set by services.duty.actions).
    actions: list[Any] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.overdue_to - self.overdue_from).days + 1


def _ranges(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive dates folded into (first, last) ranges."""
    result: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if result and day == result[-1][1] + timedelta(days=1):
            result[-1] = (result[-1][0], day)
        else:
            result.append((day, day))
    return result


@dataclass
class _Evidence:
    """What the accountability cases are built from, loaded in four queries."""

    holdings: dict[int, list[HolderSpan]]
    versions: dict[int, list[tuple[int, date]]]
    ack_on: dict[tuple[int, int, int], date]
    reminded: dict[tuple[int, int], list[tuple[date, str]]]
    names: dict[int, str]
    #: hazard id → the people reminded about it, in the order first reminded.
    reminded_users: dict[int, list[int]]


def _overdue_where(scope: Scope, period: Period, last: date, tz: ZoneInfo) -> Any:
    """SQL: hazards of ``scope`` that may have been overdue on some day of ``period``."""
    return sa.and_(
        _in_scope(scope),
        Hazard.status != _VOID,
        Hazard.deadline < last,
        Hazard.accountable_post_id.is_not(None),
        sa.or_(Hazard.closed_at.is_(None), Hazard.closed_at >= day_start(period.start, tz)),
        Hazard.deadline.is_not(None),
    )


def _windows(
    lines: list[HazardLine], period: Period | None, last: date, tz: ZoneInfo
) -> dict[int, tuple[date, date] | None]:
    """Each line's overdue days up to ``last``; within ``period`` when one is given."""
    windows = {
        line.id: overdue_window(
            line.deadline, line.status, line.closed_at, line.submitted_at, tz, last
        )
        for line in lines
    }
    if period is not None:
        # Only the part of each overdue stretch inside the period counts.
        for key, window in list(windows.items()):
            if window is not None:
                lo, hi = max(window[0], period.start), min(window[1], last)
                windows[key] = (lo, hi) if hi >= lo else None
    return windows


def _load_evidence(where: Any, post_ids: list[int], lo: date, hi: date, tz: ZoneInfo) -> _Evidence:
    """Holders, list versions, signatures and reminders for the hazards of ``where``.

    ``post_ids`` (the cases' accountable posts, as many as the scope has posts at
    most) are passed as values: a subquery on ``where`` would read the overdue
    hazards again in each of three statements.
    """
    versions = db.session.execute(
        sa.select(
            ResponsibilityListVersion.post_id,
            ResponsibilityListVersion.version,
            ResponsibilityListVersion.created_at,
        )
        .where(ResponsibilityListVersion.post_id.in_(post_ids))
        .order_by(ResponsibilityListVersion.post_id, ResponsibilityListVersion.version)
    ).all()
    acks = db.session.execute(
        sa.select(
            Acknowledgement.post_id,
            Acknowledgement.user_id,
            Acknowledgement.version,
            Acknowledgement.at,
        ).where(Acknowledgement.post_id.in_(post_ids))
    ).all()
    reminders = db.session.execute(
        sa.select(
            ReminderItem.hazard_id,
            ReminderDigest.user_id,
            User.name,
            ReminderDigest.local_date,
            ReminderItem.reason,
        )
        .join(ReminderDigest, ReminderDigest.id == ReminderItem.digest_id)
        .join(User, User.id == ReminderDigest.user_id)
        .join(Hazard, Hazard.id == ReminderItem.hazard_id)
        .where(
            where,
            ReminderDigest.local_date >= lo,
            ReminderDigest.local_date <= hi,
        )
        .order_by(ReminderDigest.local_date)
    ).all()
    evidence = _Evidence(
        _holdings(post_ids, lo, hi), defaultdict(list), {}, defaultdict(list), {}, defaultdict(list)
    )
    for post_id, version, created_at in versions:
        evidence.versions[post_id].append((version, created_at.astimezone(tz).date()))
    for post_id, user_id, version, at in acks:
        evidence.ack_on[(post_id, user_id, version)] = at.astimezone(tz).date()
    for hid, user_id, name, local_date, reason in reminders:
        if (hid, user_id) not in evidence.reminded:
            evidence.reminded_users[hid].append(user_id)
        evidence.reminded[(hid, user_id)].append((local_date, reason))
        evidence.names[user_id] = name
    return evidence


def _gaps(start: date, end: date, covered: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The ranges of [start, end] no range of ``covered`` holds (interval arithmetic,
    so a case costs its number of holders, not its number of days)."""
    gaps: list[tuple[date, date]] = []
    cursor = start
    for lo, hi in sorted(covered):
        if lo > cursor:
            gaps.append((cursor, lo - timedelta(days=1)))
        cursor = max(cursor, hi + timedelta(days=1))
    if cursor <= end:
        gaps.append((cursor, end))
    return gaps


def _case(line: HazardLine, start: date, end: date, ev: _Evidence) -> AccountabilityCase:
    """One hazard's evidence: holders day by day, vacancies, others reminded."""
    post_id = line.accountable_post_id
    assert post_id is not None
    spans: list[AccountableSpan] = []
    covered: list[tuple[date, date]] = []
    holder_ids: set[int] = set()
    for holder in ev.holdings.get(post_id, []):
        s = max(start, holder.start)
        e = min(end, holder.end) if holder.end is not None else end
        if e < s:
            continue
        holder_ids.add(holder.user_id)
        covered.append((s, e))
        signatures = _signature_spans(
            ev.versions.get(post_id, []), ev.ack_on, post_id, holder.user_id, s, e
        )
        reminders = _reminder_spans(ev.reminded.get((line.id, holder.user_id), []), s, e)
        spans.append(
            AccountableSpan(holder.user_id, holder.name, holder.email, s, e, signatures, reminders)
        )
    others = []
    for user_id in ev.reminded_users.get(line.id, []):
        if user_id in holder_ids:
            continue
        for span in _reminder_spans(ev.reminded[(line.id, user_id)], start, end):
            others.append((ev.names[user_id], span.reasons, span))
    others.sort(key=lambda item: (item[2].start, item[0]))
    return AccountabilityCase(line, start, end, spans, _gaps(start, end, covered), others)


def _overdue_spans(
    where: Any, within: Period | None, last: date, tz: Any, limit: int | None
) -> list[tuple[HazardLine, tuple[date, date]]]:
    """The hazards of ``where`` by deadline with their overdue window, the first
    ``limit`` of them (read in batches, so a page does not load the whole register)."""
    # a few more than the cap: a line may have no overdue day in the period
    batch = None if limit is None else limit + 20
    spans: list[tuple[HazardLine, tuple[date, date]]] = []
    offset = 0
    while True:
        lines = _hazard_lines(where, last, order=[Hazard.deadline], limit=batch, offset=offset)
        windows = _windows(lines, within, last, tz)
        spans += [(line, w) for line in lines if (w := windows[line.id]) is not None]
        if batch is None or len(lines) < batch or len(spans) >= limit:
            return spans[:limit]
        offset += batch


def accountability(
    scope: Scope | None,
    period: Period | None,
    *,
    hazard_id: int | None = None,
    today: date,
    limit: int | None = None,
) -> list[AccountabilityCase]:
    """Who held the accountable post on each overdue day, signed or not, reminded or not.

    For one hazard, or every hazard of ``scope`` overdue on some day of
    ``period``. Five queries whatever the number of hazards or days; people are
    given as date ranges, not one row per day. Overdue days run from the day
    after the (last) deadline to the closing day, or to the period's as-of date.

    ``limit`` keeps the first hazards by deadline (the page; the workbook takes
    them all), and the evidence is then read for those hazards only.

    :raise ValidationError: ``hazard_id`` names no hazard.
    """
    tz = clock.tz()
    if hazard_id is not None:
        last, where, within = today, Hazard.id == hazard_id, None
    else:
        assert scope is not None and period is not None
        last = period.as_of(today)
        where, within = _overdue_where(scope, period, last, tz), period
    spans = _overdue_spans(where, within, last, tz, limit)
    if hazard_id is not None and not spans and not _hazard_lines(where, last):
        raise ValidationError({"hazard_id": _("No such hazard: %(id)s.", id=hazard_id)})
    if not spans:
        return []
    if limit is not None:
        where = Hazard.id.in_([line.id for line, _w in spans])
    lo = min(w[0] for _line, w in spans)
    hi = max(w[1] for _line, w in spans)
    post_ids = sorted({line.accountable_post_id for line, _w in spans if line.accountable_post_id})
    evidence = _load_evidence(where, post_ids, lo, hi, tz)
    from safety.services.duty.actions import attach_actions  # 失职追责 actions, one query

    return attach_actions([_case(line, start, end, evidence) for line, (start, end) in spans])


def _signature_spans(
    versions: list[tuple[int, date]],
    ack_on: dict[tuple[int, int, int], date],
    post_id: int,
    user_id: int,
    start: date,
    end: date,
) -> list[SignatureSpan]:
    """Split [start, end] where the current list version or the signature changes."""
    cuts = {start}
    for _version, made in versions:
        if start < made <= end:
            cuts.add(made)
    for version, _made in versions:
        signed = ack_on.get((post_id, user_id, version))
        if signed is not None and start < signed <= end:
            cuts.add(signed)
    points = sorted(cuts)
    spans: list[SignatureSpan] = []
    for i, lo in enumerate(points):
        hi = points[i + 1] - timedelta(days=1) if i + 1 < len(points) else end
        current = [v for v, made in versions if made <= lo]
        version = current[-1] if current else None
        signed = ack_on.get((post_id, user_id, version)) if version is not None else None
        signed_on = signed if signed is not None and signed <= lo else None
        if spans and spans[-1].version == version and bool(spans[-1].signed_on) == bool(signed_on):
            spans[-1].end = hi
        else:
            spans.append(SignatureSpan(lo, hi, version, signed_on))
    return spans


def _reminder_spans(items: list[tuple[date, str]], start: date, end: date) -> list[ReminderSpan]:
    days = [d for d, _r in items if start <= d <= end]
    reasons_by_day: dict[date, set[str]] = defaultdict(set)
    for d, reason in items:
        if start <= d <= end:
            reasons_by_day[d].add(reason)
    result = []
    for lo, hi in _ranges(days):
        reasons: set[str] = set()
        count = 0
        day = lo
        while day <= hi:
            reasons |= reasons_by_day[day]
            count += 1
            day += timedelta(days=1)
        result.append(ReminderSpan(lo, hi, count, sorted(reasons)))
    return result
