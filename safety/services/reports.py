"""Reports: the dashboard, the monthly meeting report, accountability and statutory statistics.

Everything here only reads. Figures are computed with aggregate SQL (``SUM(CASE
…)`` and ``GROUP BY``) so the number of queries does not depend on the number
of hazards; Python only loops over units, posts, plans and the rows a report
lists.

Definitions (also shown on the pages):

- A hazard's **state at an instant** *t* is rebuilt from its timestamps:
  closed when ``closed_at < t``; pending verification when it was submitted
  before *t* and is now pending or closed; rectifying when assigned before *t*;
  else reported. Void hazards are left out of every figure except the void count.
- **As of**: the period's last day, or today when the period is not over.
  "At the end of day *d*" is the instant of local midnight after *d* in TIMEZONE.
- **Overdue at the end of day *d***: rectifying at that instant and ``deadline < d``
  (the same rule as the hazard list's ``overdue`` for today). Days overdue is
  ``d - deadline``; buckets 1-3, 4-7, 8-30 and >30 days.
- **Rectification rate**: of the hazards found in the period (not void), the
  share closed by the as-of date. **On-time rate**: of those closed, the share
  closed (local date) on or before their deadline (the last, possibly extended one).
- **Funds committed**: the sum of ``funds`` of the hazards found in the period
  that had been assigned (五定) by the as-of date.
- **Inspections done**: submitted inspections performed in the period.
  **Planned**: the due dates of the active plans that fall in the period, by
  the inspections area's schedule (daily, weekly, monthly and quarterly from the
  plan's start date; seasonal on the first day of March, June, September and
  December; holiday checks yearly on the start date; one-off plans once).
- **Sign-off coverage**: of the people holding, on the as-of date, a post of the
  scope that has a responsibility list, the share who signed the version current
  then.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import clock
from safety.extensions import db
from safety.models import (
    Acknowledgement,
    Hazard,
    HazardLevel,
    HazardStatus,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PlanKind,
    Post,
    PostHolder,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
    SafetyTarget,
    Unit,
    User,
)
from safety.services.errors import ValidationError
from safety.services.overdue import (
    days_overdue_on,
    overdue_on_clause,
    overdue_on_days_buckets,
    overdue_window,
)

#: Ageing buckets of overdue hazards: (key, first day, last day or None).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-3", 1, 3),
    ("4-7", 4, 7),
    ("8-30", 8, 30),
    (">30", 31, None),
)
#: Hazard states in display order (void is counted apart).
STATES = ("reported", "rectifying", "pending_verification", "closed")
OPEN_STATES = ("reported", "rectifying", "pending_verification")
LEVELS = (HazardLevel.GENERAL.value, HazardLevel.MAJOR.value)
#: Months in the dashboard's trend.
TREND_MONTHS = 12
#: Longest period a report accepts, days (ten years).
MAX_PERIOD_DAYS = 3660
#: Target metrics the reports can measure, and whether higher is better.
TARGET_METRICS: dict[str, bool] = {
    "rectification_rate": True,
    "on_time_rate": True,
    "overdue_hazards": False,
    "open_major_hazards": False,
}
#: The fields of a major hazard's 治理方案.
PLAN_FIELDS = ("objective", "methods", "resources", "organisation", "schedule", "safety_measures")

_VOID = HazardStatus.VOID
_CLOSED = HazardStatus.CLOSED
_PENDING = HazardStatus.PENDING_VERIFICATION


# --- input: period and scope ---------------------------------------------------


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
    """The unit a reader's reports open on: the highest unit among the posts they
    hold today (within ``allowed`` when given); ``None`` (the whole group) for
    someone who holds no post, such as an administrator."""
    from safety.services.org import holding_filter

    rows = db.session.execute(
        sa.select(Unit.id, Unit.parent_id)
        .join(Post, Post.unit_id == Unit.id)
        .join(PostHolder, PostHolder.post_id == Post.id)
        .where(PostHolder.user_id == user_id, holding_filter(today))
    ).all()
    own = {uid for uid, _parent in rows if allowed is None or uid in allowed}
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


# --- time helpers --------------------------------------------------------------


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


def _local_date_sql(column: Any, tz: ZoneInfo) -> Any:
    """``column`` (a UTC instant) as a local date in SQL.

    PostgreSQL converts exactly; SQLite has no time zones, so the zone's offset
    is applied (exact for zones without daylight saving, such as Asia/Shanghai).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(tz.key, column), sa.Date)
    offset = datetime(2000, 1, 15, tzinfo=tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return sa.func.date(column, f"{minutes:+d} minutes")


def _state_at(instant: datetime) -> Any:
    """SQL: the hazard's state at ``instant`` (see the module docstring)."""
    return sa.case(
        (Hazard.closed_at < instant, "closed"),
        (
            sa.and_(
                Hazard.submitted_at < instant,
                Hazard.status.in_([_PENDING, _CLOSED]),
            ),
            "pending_verification",
        ),
        (Hazard.assigned_at < instant, "rectifying"),
        else_="reported",
    )


def _count(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _in_scope(scope: Scope) -> Any:
    if scope.unit is None:
        return sa.true()
    return Hazard.unit_id.in_(scope.unit_ids)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in [0, 1], or None when there is nothing to divide."""
    return numerator / denominator if denominator else None


# --- the core aggregate --------------------------------------------------------


@dataclass
class Figures:
    """The headline figures of a scope and period (one aggregate query)."""

    found: int = 0
    void: int = 0
    closed_of_found: int = 0
    on_time_of_found: int = 0
    closed_in_period: int = 0
    funds: Decimal = Decimal("0")
    open_total: int = 0
    open_major: int = 0
    overdue: int = 0
    overdue_major: int = 0
    ageing: dict[str, int] = field(default_factory=dict)
    #: Hazards open at the as-of date: {state: {level: n}} for the open states.
    states: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def rectification_rate(self) -> float | None:
        return rate(self.closed_of_found, self.found)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time_of_found, self.closed_of_found)


def _figure_columns(period: Period, as_of: date, tz: ZoneInfo) -> list[Any]:
    """The ``SUM(CASE …)`` columns behind :class:`Figures`, in its field order."""
    end = day_end(as_of, tz)
    not_void = Hazard.status != _VOID
    in_period = sa.and_(Hazard.found_on >= period.start, Hazard.found_on <= period.end)
    known = sa.and_(not_void, Hazard.found_on <= as_of)
    closed_by = sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)
    state = _state_at(end)
    overdue = overdue_on_clause(as_of, tz)
    columns: list[Any] = [
        _count(sa.and_(in_period, not_void)),
        _count(sa.and_(in_period, Hazard.status == _VOID)),
        _count(sa.and_(in_period, not_void, closed_by)),
        _count(
            sa.and_(
                in_period,
                not_void,
                closed_by,
                _local_date_sql(Hazard.closed_at, tz) <= Hazard.deadline,
            )
        ),
        _count(
            sa.and_(
                not_void,
                Hazard.closed_at >= day_start(period.start, tz),
                Hazard.closed_at < end,
            )
        ),
        sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (sa.and_(in_period, not_void, Hazard.assigned_at < end), Hazard.funds),
                    else_=0,
                )
            ),
            0,
        ),
        _count(overdue),
        _count(sa.and_(overdue, Hazard.level == HazardLevel.MAJOR)),
    ]
    for _key, first, last in AGEING_BUCKETS:
        bucket = Hazard.deadline <= as_of - timedelta(days=first)
        if last is not None:
            bucket = sa.and_(bucket, Hazard.deadline >= as_of - timedelta(days=last))
        columns.append(_count(sa.and_(overdue, bucket)))
    for state_name in OPEN_STATES:
        for level in LEVELS:
            columns.append(
                _count(sa.and_(known, Hazard.level == HazardLevel(level), state == state_name))
            )
    return columns


def _relevant(period: Period, as_of: date, tz: ZoneInfo) -> Any:
    """SQL: the rows any figure can count; hazards found before the period and
    closed before it started are left out, so years of closed history cost little."""
    known = Hazard.found_on <= as_of
    # One OR of three index ranges (found_on; closed_at IS NULL; closed_at >= start),
    # so both databases read them through their indexes instead of all history.
    return sa.or_(
        sa.and_(Hazard.found_on >= period.start, known),
        sa.and_(Hazard.closed_at.is_(None), known),
        sa.and_(Hazard.closed_at >= day_start(period.start, tz), known),
    )


def _figures_from_row(row: Sequence[Any]) -> Figures:
    values = [int(v or 0) for v in row[:5]]
    figures = Figures(
        found=values[0],
        void=values[1],
        closed_of_found=values[2],
        on_time_of_found=values[3],
        closed_in_period=values[4],
        funds=Decimal(str(row[5] or 0)).quantize(Decimal("0.01")),
        overdue=int(row[6] or 0),
        overdue_major=int(row[7] or 0),
    )
    figures.ageing = {key: int(row[8 + i] or 0) for i, (key, _f, _l) in enumerate(AGEING_BUCKETS)}
    i = 8 + len(AGEING_BUCKETS)
    for state_name in OPEN_STATES:
        figures.states[state_name] = {}
        for level in LEVELS:
            figures.states[state_name][level] = int(row[i] or 0)
            i += 1
    figures.open_total = sum(sum(by_level.values()) for by_level in figures.states.values())
    figures.open_major = sum(by_level["major"] for by_level in figures.states.values())
    return figures


def figures(scope: Scope, period: Period, *, today: date) -> Figures:
    """Headline figures for ``scope`` over ``period`` (one query)."""
    tz = clock.tz()
    as_of = period.as_of(today)
    row = db.session.execute(
        sa.select(*_figure_columns(period, as_of, tz)).where(
            _in_scope(scope), _relevant(period, as_of, tz)
        )
    ).one()
    return _figures_from_row(row)


def figures_by_unit(scope: Scope, period: Period, *, today: date) -> dict[int, Figures]:
    """Figures per unit of the scope, each unit alone (one grouped query)."""
    tz = clock.tz()
    as_of = period.as_of(today)
    rows = db.session.execute(
        sa.select(Hazard.unit_id, *_figure_columns(period, as_of, tz))
        .where(_in_scope(scope), _relevant(period, as_of, tz))
        .group_by(Hazard.unit_id)
    ).all()
    return {row[0]: _figures_from_row(row[1:]) for row in rows}


def _add(total: Figures, part: Figures) -> None:
    for name in (
        "found",
        "void",
        "closed_of_found",
        "on_time_of_found",
        "closed_in_period",
        "funds",
        "open_total",
        "open_major",
        "overdue",
        "overdue_major",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for key, value in part.ageing.items():
        total.ageing[key] = total.ageing.get(key, 0) + value
    for state_name, by_level in part.states.items():
        into = total.states.setdefault(state_name, {lv: 0 for lv in LEVELS})
        for level, value in by_level.items():
            into[level] = into.get(level, 0) + value


def roll_up(
    scope: Scope, per_unit: dict[int, Figures], unit_ids: Iterable[int]
) -> dict[int, Figures]:
    """Each of ``unit_ids`` with the figures of its whole subtree (Python over units only)."""
    result: dict[int, Figures] = {}
    for uid in unit_ids:
        total = Figures(ageing={key: 0 for key, _f, _l in AGEING_BUCKETS})
        for sub in scope.subtree(uid):
            if sub in per_unit:
                _add(total, per_unit[sub])
        result[uid] = total
    return result


@dataclass
class TrendPoint:
    first: date
    last: date
    found: int
    closed: int
    overdue: int


def _first_index(conditions: Sequence[Any]) -> Any:
    """SQL: the index of the first true condition, or ``len(conditions)`` when none is."""
    return sa.case(*[(c, i) for i, c in enumerate(conditions)], else_=len(conditions))


def trend(
    scope: Scope, period: Period, *, today: date, months: int = TREND_MONTHS
) -> list[TrendPoint]:
    """Found, closed and overdue (at month end, or as of today) per month (two queries).

    Each hazard is put in buckets by SQL (the month it was found in, closed
    in, became overdue in, was resolved in) and the buckets are grouped, so
    the rows returned depend on the number of months, not of hazards; a
    hazard is overdue at the end of every month from the one its deadline and
    assignment lie before up to the one it was resolved in.
    """
    tz = clock.tz()
    spans = month_ends(period.as_of(today), months)
    n = len(spans)
    as_ofs = [min(last, today) for _first, last in spans]
    found_b = _first_index(
        [Hazard.found_on < spans[0][0]] + [Hazard.found_on <= last for _first, last in spans]
    ).label("found_b")
    closed_b = _first_index(
        [Hazard.closed_at < day_start(spans[0][0], tz)]
        + [Hazard.closed_at < day_end(last, tz) for _first, last in spans]
    ).label("closed_b")
    base = sa.and_(
        _in_scope(scope),
        Hazard.status != _VOID,
        sa.or_(
            Hazard.found_on >= spans[0][0],
            Hazard.closed_at.is_(None),
            Hazard.closed_at >= day_start(spans[0][0], tz),
        ),
    )
    found = [0] * n
    closed = [0] * n
    for f_b, c_b, count in db.session.execute(
        sa.select(found_b, closed_b, sa.func.count()).where(base).group_by(found_b, closed_b)
    ).all():
        if 1 <= f_b <= n:
            found[f_b - 1] += count
        if 1 <= c_b <= n:
            closed[c_b - 1] += count
    late, assigned, resolved = overdue_on_days_buckets(as_ofs, tz)
    late_b, assigned_b, resolved_b = (
        late.label("late_b"),
        assigned.label("assigned_b"),
        resolved.label("resolved_b"),
    )
    overdue = [0] * n
    for l_b, a_b, r_b, count in db.session.execute(
        sa.select(late_b, assigned_b, resolved_b, sa.func.count())
        .where(base, Hazard.deadline.is_not(None))
        .group_by(late_b, assigned_b, resolved_b)
    ).all():
        for i in range(max(l_b, a_b), min(r_b, n)):
            overdue[i] += count
    return [
        TrendPoint(first, last, found[i], closed[i], overdue[i])
        for i, (first, last) in enumerate(spans)
    ]


def by_category(scope: Scope, period: Period, *, today: date) -> list[dict[str, Any]]:
    """Found, closed and open per hazard category, for hazards found in the period."""
    tz = clock.tz()
    as_of = period.as_of(today)
    end = day_end(as_of, tz)
    category = sa.func.coalesce(Hazard.category, "").label("category")
    rows = db.session.execute(
        sa.select(
            category,
            sa.func.count(),
            _count(sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)),
            _count(overdue_on_clause(as_of, tz)),
        )
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= period.end,
        )
        .group_by(category)
        .order_by(sa.func.count().desc(), category)
    ).all()
    return [
        {"category": name, "found": int(found), "closed": int(closed), "overdue": int(overdue)}
        for name, found, closed, overdue in rows
    ]


# --- inspections, sign-off, targets -------------------------------------------


def plan_occurrences(plan: InspectionPlan, first: date, last: date) -> int:
    """How many times ``plan`` falls due in [first, last].

    The due dates are the inspections area's own (:func:`next_occurrence`);
    daily and weekly plans are counted in closed form, the others step through
    their few due dates, so the cost depends on plans, not on hazards.
    """
    from safety.services.inspections import next_occurrence

    start = plan.start_date
    if last < start:
        return 0
    kind = PlanKind(plan.kind)
    lo = max(first, start)
    if kind == PlanKind.DAILY:
        return (last - lo).days + 1
    if kind == PlanKind.WEEKLY:
        offset = (lo - start).days
        first_due = start + timedelta(days=-(-offset // 7) * 7)
        return 0 if first_due > last else (last - first_due).days // 7 + 1
    count = 0
    due = next_occurrence(kind, start, first - timedelta(days=1))
    while due is not None and due <= last:
        count += 1
        due = next_occurrence(kind, start, due)
    return count


@dataclass
class InspectionFigures:
    done: int
    planned: int
    done_by_unit: dict[int, int]
    planned_by_unit: dict[int, int]

    @property
    def rate(self) -> float | None:
        return rate(self.done, self.planned)


def inspections(scope: Scope, period: Period, *, today: date) -> InspectionFigures:
    """Done vs planned in the period (two queries: inspections grouped, active plans)."""
    tz = clock.tz()
    unit_filter = Inspection.unit_id.in_(scope.unit_ids) if scope.unit is not None else sa.true()
    done_rows = db.session.execute(
        sa.select(Inspection.unit_id, sa.func.count())
        .where(
            unit_filter,
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.performed_at >= day_start(period.start, tz),
            Inspection.performed_at < day_end(period.end, tz),
        )
        .group_by(Inspection.unit_id)
    ).all()
    plan_filter = (
        InspectionPlan.unit_id.in_(scope.unit_ids) if scope.unit is not None else sa.true()
    )
    plans = db.session.scalars(
        sa.select(InspectionPlan).where(plan_filter, InspectionPlan.active.is_(True))
    ).all()
    planned_by_unit: dict[int, int] = defaultdict(int)
    for plan in plans:
        planned_by_unit[plan.unit_id] += plan_occurrences(plan, period.start, period.end)
    done_by_unit = {uid: int(n) for uid, n in done_rows}
    return InspectionFigures(
        done=sum(done_by_unit.values()),
        planned=sum(planned_by_unit.values()),
        done_by_unit=done_by_unit,
        planned_by_unit=dict(planned_by_unit),
    )


@dataclass
class SignOff:
    post_id: int
    post_title: str
    unit_id: int
    unit_name: str
    user_id: int
    user_name: str
    version: int
    signed_at: datetime | None


def sign_offs(scope: Scope, *, on: date) -> list[SignOff]:
    """Each holder on ``on`` of a scope post with a list, and their signature (one query).

    The version that counts is the latest made by the end of ``on``.
    """
    tz = clock.tz()
    end = day_end(on, tz)
    current = (
        sa.select(
            ResponsibilityListVersion.post_id.label("post_id"),
            sa.func.max(ResponsibilityListVersion.version).label("version"),
        )
        .where(ResponsibilityListVersion.created_at < end)
        .group_by(ResponsibilityListVersion.post_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Post.id,
            Post.title,
            Unit.id,
            Unit.name,
            User.id,
            User.name,
            current.c.version,
            Acknowledgement.at,
        )
        .join(current, current.c.post_id == Post.id)
        .join(Unit, Unit.id == Post.unit_id)
        .join(PostHolder, PostHolder.post_id == Post.id)
        .join(User, User.id == PostHolder.user_id)
        .outerjoin(
            Acknowledgement,
            sa.and_(
                Acknowledgement.post_id == Post.id,
                Acknowledgement.user_id == User.id,
                Acknowledgement.version == current.c.version,
                Acknowledgement.at < end,
            ),
        )
        .where(
            PostHolder.start_date <= on,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= on),
            User.active.is_(True),
        )
        .order_by(Unit.code, Post.title, User.name)
    )
    if scope.unit is not None:
        stmt = stmt.where(Post.unit_id.in_(scope.unit_ids))
    seen: set[tuple[int, int]] = set()
    result: list[SignOff] = []
    for row in db.session.execute(stmt).all():
        if (row[0], row[4]) in seen:  # two overlapping holdings of one person
            continue
        seen.add((row[0], row[4]))
        result.append(SignOff(*row))
    return result


@dataclass
class TargetRow:
    unit_id: int
    unit_name: str
    title: str
    metric: str | None
    target_value: str | None
    actual: float | int | None
    achieved: bool | None


def _parse_target(text: str | None) -> float | None:
    match = re.search(r"-?\d+(?:\.\d+)?", text or "")
    if not match:
        return None
    value = float(match[0])
    return value / 100 if "%" in (text or "") else value


def targets(scope: Scope, period: Period, *, today: date) -> list[TargetRow]:
    """The units' targets for the period's year against the year-to-date actuals.

    Two queries: the targets, and the year's figures grouped by unit (rolled
    up per target unit in Python).
    """
    year = period.end.year
    stmt = sa.select(SafetyTarget).where(SafetyTarget.year == year).order_by(SafetyTarget.id)
    if scope.unit is not None:
        stmt = stmt.where(SafetyTarget.unit_id.in_(scope.unit_ids))
    rows = db.session.scalars(stmt).all()
    if not rows:
        return []
    ytd = Period(date(year, 1, 1), min(period.end, date(year, 12, 31)), "range", "")
    whole = Scope(None, tuple(scope.units), scope.units, scope.children)
    per_unit = figures_by_unit(whole, ytd, today=today)
    rolled = roll_up(whole, per_unit, {t.unit_id for t in rows})
    result = []
    for target in rows:
        fig = rolled[target.unit_id]
        actual: float | int | None = {
            "rectification_rate": fig.rectification_rate,
            "on_time_rate": fig.on_time_rate,
            "overdue_hazards": fig.overdue,
            "open_major_hazards": fig.open_major,
        }.get(target.metric or "")
        goal = _parse_target(target.target_value)
        achieved = None
        if actual is not None and goal is not None and target.metric in TARGET_METRICS:
            achieved = actual >= goal if TARGET_METRICS[target.metric] else actual <= goal
        unit = scope.units.get(target.unit_id)
        result.append(
            TargetRow(
                target.unit_id,
                unit.name if unit else "",
                target.title,
                target.metric,
                target.target_value,
                actual,
                achieved,
            )
        )
    return result


# --- dashboard -----------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    name: str
    figures: Figures
    inspections_done: int
    inspections_planned: int


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    as_of: date
    figures: Figures
    states: dict[str, dict[str, int]]
    trend: list[TrendPoint]
    units: list[UnitRow]
    categories: list[dict[str, Any]]
    inspections: InspectionFigures
    sign_offs: list[SignOff]
    targets: list[TargetRow]

    @property
    def signed(self) -> int:
        return sum(1 for s in self.sign_offs if s.signed_at is not None)

    @property
    def sign_off_rate(self) -> float | None:
        return rate(self.signed, len(self.sign_offs))

    @property
    def unsigned(self) -> list[SignOff]:
        return [s for s in self.sign_offs if s.signed_at is None]

    @property
    def is_empty(self) -> bool:
        """Nothing at all to show: no hazard, inspection, plan or list in scope."""
        f = self.figures
        return not (
            f.found
            or f.void
            or f.open_total
            or f.closed_in_period
            or any(p.found or p.closed or p.overdue for p in self.trend)
            or self.inspections.done
            or self.inspections.planned
            or self.sign_offs
        )


def dashboard(scope: Scope, period: Period, *, today: date) -> Dashboard:
    """Everything the dashboard shows; a fixed number of queries whatever the data."""
    as_of = period.as_of(today)
    per_unit = figures_by_unit(scope, period, today=today)
    top = scope.top_units()
    rolled = roll_up(scope, per_unit, top)
    total = Figures(ageing={key: 0 for key, _f, _l in AGEING_BUCKETS})
    for part in per_unit.values():
        _add(total, part)
    insp = inspections(scope, period, today=today)
    units = []
    own_id = scope.anchor()
    if own_id is not None and own_id in per_unit:
        units.append(
            UnitRow(
                own_id,
                _("%(unit)s (itself)", unit=scope.units[own_id].name),
                per_unit[own_id],
                insp.done_by_unit.get(own_id, 0),
                insp.planned_by_unit.get(own_id, 0),
            )
        )
    for uid in top:
        sub = scope.subtree(uid)
        units.append(
            UnitRow(
                uid,
                scope.units[uid].name,
                rolled[uid],
                sum(insp.done_by_unit.get(u, 0) for u in sub),
                sum(insp.planned_by_unit.get(u, 0) for u in sub),
            )
        )
    return Dashboard(
        scope=scope,
        period=period,
        as_of=as_of,
        figures=total,
        states={st: total.states.get(st, {lv: 0 for lv in LEVELS}) for st in OPEN_STATES},
        trend=trend(scope, period, today=today),
        units=units,
        categories=by_category(scope, period, today=today),
        inspections=insp,
        sign_offs=sign_offs(scope, on=as_of),
        targets=targets(scope, period, today=today),
    )


# --- lists of hazards: major, overdue -----------------------------------------


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
    where: Any, as_of: date, *, order: Sequence[Any] = (), limit: int | None = None
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
    ).all()
    lines = []
    for row in rows:
        values = list(row)
        values[5] = getattr(values[5], "value", values[5])
        values[7] = getattr(values[7], "value", values[7])
        lines.append(HazardLine(*values))
    return lines


def _holdings(post_ids_stmt: Any, first: date, last: date) -> dict[int, list[HolderSpan]]:
    """Who held each post of ``post_ids_stmt`` on some day of [first, last], by post,
    in order of their start (one query)."""
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
            PostHolder.post_id.in_(post_ids_stmt),
            PostHolder.start_date <= last,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= first),
        )
        .order_by(PostHolder.post_id, PostHolder.start_date, User.name)
    ).all()
    by_post: dict[int, list[HolderSpan]] = defaultdict(list)
    for post_id, *rest in rows:
        by_post[post_id].append(HolderSpan(*rest))
    return by_post


def _attach_holders(lines: list[HazardLine], post_ids_stmt: Any, first: date, last: date) -> None:
    """Who held each line's accountable post between the deadline and ``last`` (one query)."""
    by_post = _holdings(post_ids_stmt, first, last)
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
        post_ids = sa.select(Hazard.accountable_post_id).where(where).scalar_subquery()
        earliest = min(line.deadline for line in lines if line.deadline) + timedelta(days=1)
        _attach_holders(lines, post_ids, earliest, on)
    return lines


def major_hazards(scope: Scope, period: Period, *, today: date) -> list[HazardLine]:
    """Major hazards found in the period or still open at its as-of date (one query)."""
    tz = clock.tz()
    as_of = period.as_of(today)
    state = _state_at(day_end(as_of, tz))
    where = sa.and_(
        _in_scope(scope),
        Hazard.level == HazardLevel.MAJOR,
        Hazard.status != _VOID,
        Hazard.found_on <= as_of,
        sa.or_(Hazard.found_on >= period.start, state.in_(OPEN_STATES)),
    )
    return _hazard_lines(where, as_of, order=[Hazard.found_on])


# --- monthly meeting report ------------------------------------------------------


@dataclass
class MonthlyReport:
    dashboard: Dashboard
    major: list[HazardLine]
    overdue: list[HazardLine]

    @property
    def is_empty(self) -> bool:
        return self.dashboard.is_empty and not self.major and not self.overdue


def monthly_report(
    scope: Scope, period: Period, *, today: date, overdue_limit: int | None = None
) -> MonthlyReport:
    """The monthly meeting report: dashboard figures plus the hazards to answer for.

    ``overdue_limit`` caps the overdue list (the page); the exports take it all.
    ``figures.overdue`` always counts every one.
    """
    board = dashboard(scope, period, today=today)
    return MonthlyReport(
        dashboard=board,
        major=major_hazards(scope, period, today=today),
        overdue=overdue_hazards(scope, on=board.as_of, limit=overdue_limit),
    )


# --- statutory statistics --------------------------------------------------------


@dataclass
class StatutoryReport:
    scope: Scope
    period: Period
    as_of: date
    #: {unit_id: {level: {state: n}}} for hazards found in the period, each unit alone.
    matrix: dict[int, dict[str, dict[str, int]]]
    unit_ids: list[int]
    figures: Figures
    major: list[HazardLine]

    def unit_total(self, unit_id: int, level: str | None = None) -> int:
        levels = [level] if level else list(LEVELS)
        return sum(sum(self.matrix.get(unit_id, {}).get(lv, {}).values()) for lv in levels)

    def cell(self, unit_id: int, level: str, state: str) -> int:
        return self.matrix.get(unit_id, {}).get(level, {}).get(state, 0)

    def column_total(self, level: str, state: str) -> int:
        return sum(self.cell(uid, level, state) for uid in self.unit_ids)

    def level_total(self, level: str) -> int:
        return sum(self.unit_total(uid, level) for uid in self.unit_ids)

    @property
    def is_empty(self) -> bool:
        return not self.figures.found and not self.major


def statutory_report(scope: Scope, period: Period, *, today: date) -> StatutoryReport:
    """Counts by unit × grade × state of hazards found in the period, and the major ones.

    Three queries; each unit is counted alone (no double counting), so the
    table's total equals the register's count for the scope and period.
    """
    tz = clock.tz()
    as_of = period.as_of(today)
    state = _state_at(day_end(as_of, tz)).label("state")
    rows = db.session.execute(
        sa.select(Hazard.unit_id, Hazard.level, state, sa.func.count())
        .where(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= period.end,
        )
        .group_by(Hazard.unit_id, Hazard.level, state)
    ).all()
    matrix: dict[int, dict[str, dict[str, int]]] = {}
    for unit_id, level, state_value, count in rows:
        level_key = getattr(level, "value", level)
        matrix.setdefault(unit_id, {lv: {s: 0 for s in STATES} for lv in LEVELS})
        matrix[unit_id][level_key][state_value] = int(count)
    unit_ids = sorted(matrix, key=lambda uid: scope.units[uid].code)
    major = _hazard_lines(
        sa.and_(
            _in_scope(scope),
            Hazard.level == HazardLevel.MAJOR,
            Hazard.status != _VOID,
            Hazard.found_on >= period.start,
            Hazard.found_on <= period.end,
        ),
        as_of,
        order=[Hazard.found_on],
    )
    return StatutoryReport(
        scope=scope,
        period=period,
        as_of=as_of,
        matrix=matrix,
        unit_ids=unit_ids,
        figures=_found_figures(scope, period, as_of, tz),
        major=major,
    )


def _found_figures(scope: Scope, period: Period, as_of: date, tz: ZoneInfo) -> Figures:
    """The figures about the hazards found in the period only (an index range scan):
    found, void, closed by the as-of date, on time, funds."""
    end = day_end(as_of, tz)
    not_void = Hazard.status != _VOID
    closed_by = sa.and_(Hazard.closed_at.is_not(None), Hazard.closed_at < end)
    row = db.session.execute(
        sa.select(
            _count(not_void),
            _count(Hazard.status == _VOID),
            _count(sa.and_(not_void, closed_by)),
            _count(
                sa.and_(
                    not_void, closed_by, _local_date_sql(Hazard.closed_at, tz) <= Hazard.deadline
                )
            ),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((sa.and_(not_void, Hazard.assigned_at < end), Hazard.funds), else_=0)
                ),
                0,
            ),
        ).where(
            _in_scope(scope),
            Hazard.found_on >= period.start,
            Hazard.found_on <= min(period.end, as_of),
        )
    ).one()
    return Figures(
        found=int(row[0]),
        void=int(row[1]),
        closed_of_found=int(row[2]),
        on_time_of_found=int(row[3]),
        funds=Decimal(str(row[4] or 0)).quantize(Decimal("0.01")),
    )


# --- accountability (失职追责) -----------------------------------------------------


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


def accountability(
    scope: Scope | None,
    period: Period | None,
    *,
    hazard_id: int | None = None,
    today: date,
) -> list[AccountabilityCase]:
    """Who held the accountable post on each overdue day, signed or not, reminded or not.

    For one hazard, or every hazard of ``scope`` overdue on some day of
    ``period``. Five queries whatever the number of hazards or days; people are
    given as date ranges, not one row per day. Overdue days run from the day
    after the (last) deadline to the closing day, or to the period's as-of date.

    :raise ValidationError: ``hazard_id`` names no hazard.
    """
    tz = clock.tz()
    if hazard_id is not None:
        last = today
        where = Hazard.id == hazard_id
    else:
        assert scope is not None and period is not None
        last = period.as_of(today)
        first_end = day_start(period.start, tz)
        where = sa.and_(
            _in_scope(scope),
            Hazard.status != _VOID,
            Hazard.deadline < last,
            Hazard.accountable_post_id.is_not(None),
            sa.or_(Hazard.closed_at.is_(None), Hazard.closed_at >= first_end),
            Hazard.deadline.is_not(None),
        )
    lines = _hazard_lines(where, last, order=[Hazard.deadline])
    if hazard_id is not None and not lines:
        raise ValidationError({"hazard_id": _("No such hazard: %(id)s.", id=hazard_id)})
    windows = {
        line.id: overdue_window(
            line.deadline, line.status, line.closed_at, line.submitted_at, tz, last
        )
        for line in lines
    }
    if period is not None and hazard_id is None:
        # Only the part of each overdue stretch inside the period counts.
        for key, window in list(windows.items()):
            if window is not None:
                lo, hi = max(window[0], period.start), min(window[1], last)
                windows[key] = (lo, hi) if hi >= lo else None
    lines = [line for line in lines if windows[line.id] is not None]
    if not lines:
        return []
    post_ids = sa.select(Hazard.accountable_post_id).where(where).scalar_subquery()
    hazard_ids = sa.select(Hazard.id).where(where).scalar_subquery()
    lo = min(w[0] for w in windows.values() if w)
    hi = max(w[1] for w in windows.values() if w)
    holdings_by_post = _holdings(post_ids, lo, hi)
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
        .where(
            ReminderItem.hazard_id.in_(hazard_ids),
            ReminderDigest.local_date >= lo,
            ReminderDigest.local_date <= hi,
        )
        .order_by(ReminderDigest.local_date)
    ).all()

    versions_by_post: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for post_id, version, created_at in versions:
        versions_by_post[post_id].append((version, created_at.astimezone(tz).date()))
    ack_on: dict[tuple[int, int, int], date] = {}
    for post_id, user_id, version, at in acks:
        ack_on[(post_id, user_id, version)] = at.astimezone(tz).date()
    reminded: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
    names: dict[int, str] = {}
    for hid, user_id, name, local_date, reason in reminders:
        reminded[(hid, user_id)].append((local_date, reason))
        names[user_id] = name

    cases = []
    for line in lines:
        window = windows[line.id]
        assert window is not None and line.accountable_post_id is not None
        start, end = window
        post_id = line.accountable_post_id
        spans: list[AccountableSpan] = []
        covered: list[date] = []
        holder_ids: set[int] = set()
        for holder in holdings_by_post.get(post_id, []):
            user_id, name, email = holder.user_id, holder.name, holder.email
            h_start, h_end = holder.start, holder.end
            s = max(start, h_start)
            e = min(end, h_end) if h_end is not None else end
            if e < s:
                continue
            holder_ids.add(user_id)
            covered += [s + timedelta(days=i) for i in range((e - s).days + 1)]
            spans.append(
                AccountableSpan(
                    user_id,
                    name,
                    email,
                    s,
                    e,
                    _signature_spans(
                        versions_by_post.get(post_id, []), ack_on, post_id, user_id, s, e
                    ),
                    _reminder_spans(reminded.get((line.id, user_id), []), s, e),
                )
            )
        all_days = {start + timedelta(days=i) for i in range((end - start).days + 1)}
        vacant = _ranges(sorted(all_days - set(covered)))
        others = []
        for (hid, user_id), items in reminded.items():
            if hid != line.id or user_id in holder_ids:
                continue
            for span in _reminder_spans(items, start, end):
                others.append((names[user_id], span.reasons, span))
        others.sort(key=lambda item: (item[2].start, item[0]))
        cases.append(AccountabilityCase(line, start, end, spans, vacant, others))
    return cases


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
