"""Input of every report: the period (month, quarter, year, date range), the scope
(a unit subtree), and the unit a reader opens on."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from safety.extensions import db
from safety.models import Post, PostHolder, Responsibility, Unit
from safety.services.errors import ValidationError
from safety.services.reports.common import MAX_PERIOD_DAYS


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates with the text it was parsed from."""

    start: date
    end: date
    kind: str  # "month", "quarter", "year" or "range"
    key: str  # what the URL carries: "2026-03", "2026-Q1", "2026", "2026-01-05..2026-02-03"

    def as_of(self, today: date) -> date:
        """The date figures are "as of": the last day, or today while the period runs."""
        return min(self.end, today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        if self.kind == "month":
            return _("%(year)d-%(month)02d", year=self.start.year, month=self.start.month)
        if self.kind == "quarter":
            return _("Q%(q)d %(year)d", q=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.kind == "year":
            return _("Year %(year)d", year=self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), "month", f"{year}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    last_month = first + 2
    return Period(
        date(year, first, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
        "quarter",
        f"{year}-Q{quarter}",
    )


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), "year", str(year))


def previous_month(today: date) -> Period:
    first = today.replace(day=1) - timedelta(days=1)
    return month_period(first.year, first.month)


def previous_quarter(today: date) -> Period:
    quarter = (today.month - 1) // 3 + 1
    return (
        quarter_period(today.year, quarter - 1)
        if quarter > 1
        else quarter_period(today.year - 1, 4)
    )


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


_QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


_YEAR_RE = re.compile(r"^(\d{4})$")


_RANGE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(
    text: str | None,
    *,
    today: date,
    default: Period | None = None,
    start: str | None = None,
    end: str | None = None,
    field_name: str = "period",
) -> Period:
    """Read ``2026-03``, ``2026-Q1``, ``2026``, ``2026-01-05..2026-02-03`` or start/end dates.

    :raise ValidationError: naming ``field_name`` when the text is not a period
        this module understands, the range is reversed or unreasonably long, or
        the period starts after ``today`` (it would have no as-of date).
    """
    text = (text or "").strip()
    if not text and (start or end):
        text = f"{(start or '').strip()}..{(end or '').strip()}"
    if not text:
        return default or month_period(today.year, today.month)
    bad = ValidationError(
        {
            field_name: _(
                "Not a period: %(text)s. Use a month (2026-03), a quarter (2026-Q1), "
                "a year (2026) or two dates (2026-01-05..2026-02-03).",
                text=text[:40],
            )
        }
    )
    try:
        if match := _MONTH_RE.match(text):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise bad
            period = month_period(year, month)
        elif match := _QUARTER_RE.match(text):
            period = quarter_period(int(match[1]), int(match[2]))
        elif match := _YEAR_RE.match(text):
            period = year_period(int(match[1]))
        elif match := _RANGE_RE.match(text):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            period = Period(first, last, "range", f"{first.isoformat()}..{last.isoformat()}")
        else:
            raise bad
    except ValueError:
        raise bad from None
    if period.start.year < 1990 or period.end.year > 2200:
        raise bad
    if period.end < period.start:
        raise ValidationError({field_name: _("The period ends before it starts.")})
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError({field_name: _("The period is longer than ten years.")})
    if period.start > today:
        raise ValidationError(
            {field_name: _("The period %(period)s has not started yet.", period=period.key)}
        )
    return period


@dataclass(frozen=True)
class Scope:
    """A unit and everything below it, or the whole group when ``unit`` is None."""

    unit: Unit | None
    unit_ids: tuple[int, ...]
    units: dict[int, Unit] = field(compare=False, repr=False)
    children: dict[int | None, list[int]] = field(compare=False, repr=False)

    @property
    def unit_id(self) -> int | None:
        return self.unit.id if self.unit is not None else None

    def name(self) -> str:
        return self.unit.name if self.unit is not None else _("Whole group")

    def subtree(self, unit_id: int) -> list[int]:
        """``unit_id`` and the units below it, from the tree already loaded."""
        result, stack = [], [unit_id]
        while stack:
            uid = stack.pop()
            if uid in result:
                continue
            result.append(uid)
            stack.extend(self.children.get(uid, []))
        return result

    def anchor(self) -> int | None:
        """The unit whose children make the "by unit" rows: the scope's unit, or the
        group's single root (the whole group usually hangs below one headquarters)."""
        if self.unit is not None:
            return self.unit.id
        roots = self.children.get(None, [])
        return roots[0] if len(roots) == 1 else None

    def top_units(self) -> list[int]:
        """The rows of a "by unit" table: the anchor's children (or the roots)."""
        return sorted(self.children.get(self.anchor(), []), key=lambda uid: self.units[uid].code)


def resolve_scope(unit_id: Any) -> Scope:
    """The scope named by a ``unit_id`` URL parameter (blank: the whole group).

    One query loads the unit tree; the subtree is walked in Python.

    :raise ValidationError: ``unit_id`` names no unit.
    """
    units = {u.id: u for u in db.session.scalars(sa.select(Unit)).all()}
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit in units.values():
        children[unit.parent_id if unit.parent_id in units else None].append(unit.id)
    for ids in children.values():
        ids.sort(key=lambda uid: units[uid].code)
    text = "" if unit_id is None else str(unit_id).strip()
    if not text:
        return Scope(None, tuple(units), units, dict(children))
    try:
        unit = units.get(int(text))
    except ValueError:
        unit = None
    if unit is None:
        raise ValidationError({"unit_id": _("No such unit: %(id)s.", id=text[:20])})
    scope = Scope(unit, (), units, dict(children))
    return Scope(unit, tuple(scope.subtree(unit.id)), units, dict(children))


def home_unit_id(user_id: int, today: date, allowed: set[int] | None = None) -> int | None:
    """The unit a reader's reports open on: the highest unit among those of the posts
    they hold today and those their posts answer for (a chief safety officer in
    the safety department answers for the whole group), within ``allowed`` when
    given; ``None`` (the whole group) for someone with no post, such as an admin."""
    from safety.services.org import holding_filter

    held = sa.select(PostHolder.post_id).where(PostHolder.user_id == user_id, holding_filter(today))
    units = set(db.session.scalars(sa.select(Post.unit_id).where(Post.id.in_(held))))
    units |= set(
        db.session.scalars(
            sa.select(Responsibility.unit_id).where(Responsibility.post_id.in_(held))
        )
    )
    own = {uid for uid in units if allowed is None or uid in allowed}
    if not own:
        return min(allowed) if allowed else None
    parents = dict(db.session.execute(sa.select(Unit.id, Unit.parent_id)).tuples().all())

    def depth(uid: int) -> int:
        seen: set[int] = set()
        while parents.get(uid) is not None and uid not in seen:
            seen.add(uid)
            uid = parents[uid]  # type: ignore[assignment]
        return len(seen)

    return min(own, key=lambda uid: (depth(uid), uid))


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight at the start of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight after ``day`` (exclusive end)."""
    return day_start(day + timedelta(days=1), tz)


def month_ends(end: date, count: int) -> list[tuple[date, date]]:
    """(first day, last day) of the ``count`` months ending with ``end``'s month."""
    months: list[tuple[date, date]] = []
    year, month = end.year, end.month
    for _i in range(count):
        first = date(year, month, 1)
        months.append((first, date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def unit_options() -> list[tuple[int, str]]:
    """Units in tree order, indented by depth, for the scope selector (one query)."""
    scope = resolve_scope(None)
    result: list[tuple[int, str]] = []

    def walk(uid: int, depth: int) -> None:
        result.append((uid, "\u3000" * depth + scope.units[uid].name))
        for child in scope.children.get(uid, []):
            walk(child, depth + 1)

    for root in scope.children.get(None, []):
        walk(root, 0)
    return result
