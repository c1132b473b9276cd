"""The reports' tallies (models/tallies.py), kept in step with the hazards.

What a hazard adds is a pure function of a few of its columns
(:func:`deltas`); a flush that changes those columns takes away what the
hazard added before and adds what it adds now, in the same transaction, so a
report never sees a hazard change without its tallies. Bulk loads that write
with Core (``demo scale``) call :func:`rebuild_all`. The definitions match
the reports' SQL over the hazards (services/reports/common.py,
services/overdue.py), which stays the reference: tests compare the two.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import event
from sqlalchemy.orm import Session

from safety import clock
from safety.models import (
    NEVER_DUE,
    NO_COHORT,
    Hazard,
    HazardStatus,
    HazardStatusCount,
    HazardTallyDay,
    HazardTallyMonth,
)

#: Flows: counted on one day.
FOUND, VOID, CLOSED = "found", "void", "closed"
#: Stocks: +1 on entering, -1 on leaving; the open states of the reports.
OPEN_STATES = ("reported", "rectifying", "pending_verification")
#: Overdue by at least k days (k = 1 is "overdue"); the ageing buckets are differences.
LATE_DAYS = (1, 4, 8, 31)
LATE = {k: f"late{k}" for k in LATE_DAYS}
#: Cohort kinds: the state of a hazard found in the cohort month (closed included),
#: closed by its deadline, and its funds from the day it was assigned.
COHORT_STATES = ("reported", "rectifying", "pending_verification", "closed")
COHORT = {state: f"c_{state}" for state in COHORT_STATES}
ON_TIME, FUNDS = "c_on_time", "c_funds"

#: Submitted and not sent back (services/overdue.py says the same for SQL).
_RESOLVED = (
    HazardStatus.PENDING_VERIFICATION,
    HazardStatus.PENDING_WRITEOFF,
    HazardStatus.CLOSED,
)
#: The columns the tallies depend on.
COLUMNS = (
    "unit_id",
    "level",
    "status",
    "found_on",
    "deadline",
    "funds",
    "assigned_at",
    "submitted_at",
    "closed_at",
)


#: (unit_id, level, kind, cohort, day, n, amount): what a hazard adds on a day.
Delta = tuple[int, str, str, date, date, int, Decimal]
_ZERO = Decimal("0")
_NEVER = date.max


def _local(instant: datetime | None, tz: ZoneInfo) -> date:
    return _NEVER if instant is None else instant.astimezone(tz).date()


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def deltas(row: Any, tz: ZoneInfo) -> list[Delta]:
    """What one hazard (anything with :data:`COLUMNS`) adds to the tallies.

    Its state at the end of a day (services/reports/common.py's ``_state_at``)
    is closed from the day it was closed, else pending from the day it was
    submitted (if not sent back), else rectifying from the day it was assigned,
    else reported: each state is one interval of days, and so is "overdue by at
    least k days" (services/overdue.py's ``overdue_on_clause``).
    """
    status = _value(row.status)
    unit, level, found = row.unit_id, _value(row.level), row.found_on
    if status == HazardStatus.VOID:
        return [(unit, level, VOID, NO_COHORT, found, 1, _ZERO)]
    assigned = _local(row.assigned_at, tz)
    submitted = _local(row.submitted_at, tz) if status in _RESOLVED else _NEVER
    closed = _local(row.closed_at, tz)
    cohort = found.replace(day=1)
    out: list[Delta] = [(unit, level, FOUND, NO_COHORT, found, 1, _ZERO)]

    def span(kind: str, group: date, first: date, end: date) -> None:
        if first < end:
            out.append((unit, level, kind, group, first, 1, _ZERO))
            if end is not _NEVER:
                out.append((unit, level, kind, group, end, -1, _ZERO))

    if closed is not _NEVER:
        out.append((unit, level, CLOSED, NO_COHORT, closed, 1, _ZERO))
        if row.deadline is not None and closed <= row.deadline:
            out.append((unit, level, ON_TIME, cohort, closed, 1, _ZERO))
    if assigned is not _NEVER:
        out.append((unit, level, FUNDS, cohort, assigned, 1, Decimal(str(row.funds or 0))))
    states = {
        "reported": (found, min(assigned, submitted, closed)),
        "rectifying": (max(found, assigned), min(submitted, closed)),
        "pending_verification": (max(found, submitted), closed),
        "closed": (max(found, closed), _NEVER),
    }
    for state, (first, end) in states.items():
        if state in OPEN_STATES:
            span(state, NO_COHORT, first, end)
        span(COHORT[state], cohort, first, end)
    if row.deadline is not None and assigned is not _NEVER:
        for k, kind in LATE.items():
            span(
                kind,
                NO_COHORT,
                max(found, row.deadline + timedelta(days=k), assigned),
                min(closed, submitted),
            )
    return out


def _sum(items: Iterable[Delta], sign: int, days: dict[tuple, list]) -> None:
    for unit, level, kind, cohort, day, n, amount in items:
        cell = days[(unit, level, kind, cohort, day)]
        cell[0] += sign * n
        if amount:
            cell[1] += sign * amount


def _months(days: dict[tuple, list]) -> dict[tuple, list]:
    """The day cells summed by month (keyed by the month's first day)."""
    months = _cells()
    for (unit, level, kind, cohort, day), (n, amount) in days.items():
        cell = months[(unit, level, kind, cohort, day.replace(day=1))]
        cell[0] += n
        cell[1] += amount
    return months


def _rows(cells: dict, ordered: bool = True) -> list[tuple[Any, ...]]:
    """(unit_id, level, kind, cohort, month or day, n, amount), zeros left out; in key
    order when ``ordered`` (concurrent writers then lock rows in one order)."""
    items = sorted(cells.items()) if ordered else cells.items()
    return [(*key, n, amount) for key, (n, amount) in items if n or amount]


def _cells() -> defaultdict:
    return defaultdict(lambda: [0, Decimal("0")])


def _mark(conn: Any) -> str:
    """The driver's parameter marker, for the plain SQL written here."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _differ(fresh: dict, stored: dict) -> int:
    """Keys whose values differ between a fresh count and the stored rows."""
    return sum(1 for k in fresh.keys() | stored.keys() if fresh.get(k) != stored.get(k))


def _insert_sql(conn: Any, model: type, time_key: str, upsert: bool) -> str:
    """Plain SQL for many rows at once (the driver's executemany, no per-row compiling)."""
    mark = _mark(conn)
    columns = ("unit_id", "level", "kind", "cohort", time_key, "n", "amount")
    sql = (
        f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    if upsert:
        sql += (
            f" ON CONFLICT (unit_id, level, kind, cohort, {time_key}) DO UPDATE SET"
            f" n = {model.__tablename__}.n + excluded.n,"
            f" amount = {model.__tablename__}.amount + excluded.amount"
        )
    return sql


def _write(conn: Any, rows: list[tuple[Any, ...]], model: type, key: str, upsert: bool) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql" and not upsert:  # a rebuild: COPY is many times faster
        sql = f"COPY {model.__tablename__} (unit_id, level, kind, cohort, {key}, n, amount)"
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor, cursor.copy(sql + " FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":  # dates as ISO text and money as text, as SQLAlchemy does
        rows = [(*r[:3], r[3].isoformat(), r[4].isoformat(), r[5], str(r[6])) for r in rows]
    sql = _insert_sql(conn, model, key, upsert)
    for start in range(0, len(rows), 10_000):
        conn.exec_driver_sql(sql, rows[start : start + 10_000])


def apply_deltas(conn: Any, removed: Iterable[Delta], added: Iterable[Delta]) -> None:
    """Take ``removed`` away from the tallies and add ``added``, netted first
    (keys sorted: concurrent writers lock rows in one order)."""
    days = _cells()
    _sum(removed, -1, days)
    _sum(added, 1, days)
    _write(conn, _rows(_months(days)), HazardTallyMonth, "month", upsert=True)
    _write(conn, _rows(days), HazardTallyDay, "day", upsert=True)


# --- the current status counts (models/tallies.py HazardStatusCount) ----------------

#: (unit_id, status, deadline): the count row a hazard adds one to.
CountKey = tuple[int, str, date]


def count_key(row: Any) -> CountKey:
    """The count row of one hazard: in rectification by its deadline, else NEVER_DUE."""
    status = _value(row.status)
    due = row.deadline if status == HazardStatus.RECTIFYING and row.deadline else NEVER_DUE
    return (row.unit_id, status, due)


def _count_params(conn: Any, keys: Iterable[tuple]) -> list[tuple]:
    if conn.dialect.name == "sqlite":  # dates as ISO text, as SQLAlchemy stores them
        return [(unit, status, due.isoformat(), *rest) for unit, status, due, *rest in keys]
    return list(keys)


def apply_counts(conn: Any, removed: Iterable[CountKey], added: Iterable[CountKey]) -> None:
    """Move the status counts by what changed, netted, keys sorted (one lock order);
    rows that fall to zero go, so the rows stay those of hazards that exist."""
    net = Counter(added)
    net.subtract(removed)
    moved = sorted((key, n) for key, n in net.items() if n)
    if not moved:
        return
    mark = _mark(conn)
    table = HazardStatusCount.__tablename__
    conn.exec_driver_sql(
        f"INSERT INTO {table} (unit_id, status, deadline, n)"
        f" VALUES ({mark}, {mark}, {mark}, {mark})"
        f" ON CONFLICT (unit_id, status, deadline) DO UPDATE SET n = {table}.n + excluded.n",
        _count_params(conn, [(*key, n) for key, n in moved]),
    )
    fallen = [key for key, n in moved if n < 0]
    if fallen:
        conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE unit_id = {mark} AND status = {mark}"
            f" AND deadline = {mark} AND n = 0",
            _count_params(conn, fallen),
        )


def _count_statement() -> sa.Select:
    """The status counts from the hazards themselves (rebuild and check)."""
    due = sa.case(
        (
            sa.and_(Hazard.status == HazardStatus.RECTIFYING, Hazard.deadline.is_not(None)),
            Hazard.deadline,
        ),
        else_=sa.literal(NEVER_DUE, sa.Date),
    ).label("due")
    return sa.select(Hazard.unit_id, Hazard.status, due, sa.func.count()).group_by(
        Hazard.unit_id, Hazard.status, due
    )


def rebuild_counts(conn: Any) -> None:
    """Count the hazards per unit, status and deadline again."""
    conn.execute(sa.delete(HazardStatusCount))
    table = HazardStatusCount.__table__
    conn.execute(
        table.insert().from_select(["unit_id", "status", "deadline", "n"], _count_statement())
    )


def _count_differences(conn: Any) -> int:
    fresh = {(u, _value(s), d): int(n) for u, s, d, n in conn.execute(_count_statement())}
    columns = (HazardStatusCount.unit_id, HazardStatusCount.status, HazardStatusCount.deadline)
    stored = {
        (u, s, d): int(n) for u, s, d, n in conn.execute(sa.select(*columns, HazardStatusCount.n))
    }
    return _differ(fresh, stored)


def _facts(conn: Any, where: Any) -> Iterator[Any]:
    columns = [getattr(Hazard, name) for name in COLUMNS]
    yield from conn.execute(sa.select(*columns).where(where)).yield_per(5000)


def _count_all(conn: Any, tz: ZoneInfo | None) -> tuple[dict[tuple, list], int]:
    """Every hazard's deltas summed by day, and the number of hazards."""
    tz = tz or clock.tz()
    days = _cells()
    count = 0
    for row in _facts(conn, sa.true()):
        _sum(deltas(row, tz), 1, days)
        count += 1
    return days, count


def rebuild_tallies(conn: Any, tz: ZoneInfo | None = None) -> int:
    """Recompute every tally from the hazards (in the migration that made them)."""
    conn.execute(sa.delete(HazardTallyMonth))
    conn.execute(sa.delete(HazardTallyDay))
    days, count = _count_all(conn, tz)
    _write(conn, _rows(_months(days), False), HazardTallyMonth, "month", upsert=False)
    _write(conn, _rows(days, False), HazardTallyDay, "day", upsert=False)
    return count


def rebuild_all(conn: Any, tz: ZoneInfo | None = None) -> int:
    """The tallies and the status counts from the hazards (after bulk loads with Core);
    the number of hazards."""
    rebuild_counts(conn)
    return rebuild_tallies(conn, tz)


def _stored(conn: Any, model: type, key: str) -> dict[tuple, tuple[int, Decimal]]:
    columns = [model.unit_id, model.level, model.kind, model.cohort, getattr(model, key)]
    rows = conn.execute(
        sa.select(*columns, model.n, model.amount).where(sa.or_(model.n != 0, model.amount != 0))
    )
    return {tuple(r[:5]): (int(r[5]), Decimal(str(r[6])).quantize(Decimal("0.01"))) for r in rows}


def count_differences(conn: Any, tz: ZoneInfo | None = None) -> int:
    """Tally cells and status counts that differ from a fresh count (0 when in step)."""
    days, _count = _count_all(conn, tz)
    differ = _count_differences(conn)
    for model, key, cells in (
        (HazardTallyMonth, "month", _months(days)),
        (HazardTallyDay, "day", days),
    ):
        fresh = {
            k: (n, Decimal(amount).quantize(Decimal("0.01")))
            for k, (n, amount) in cells.items()
            if n or amount
        }
        differ += _differ(fresh, _stored(conn, model, key))
    return differ


def recount_tallies() -> int:
    """Rebuild the tallies and commit (after hazards were written past the session,
    or after ``TIMEZONE`` changed); the number of hazards counted."""
    from safety.extensions import db

    count = rebuild_all(db.session.connection())
    db.session.commit()
    return count


# --- kept in step by the session ---------------------------------------------------

_BEFORE = "tallies_before"


def _changed(obj: Hazard) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in COLUMNS)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Remember what the changed hazards added, read from the database before the write.

    Statements that write hazards past the session (``sa.update(Hazard)``) are
    not seen: the services use them only for columns the tallies ignore
    (the version guard in hazards/loop.py).
    """
    session.info.pop(_BEFORE, None)  # a flush that failed half-way left its note
    deleted = [obj for obj in session.deleted if isinstance(obj, Hazard)]
    changed = [obj for obj in session.dirty if isinstance(obj, Hazard) and _changed(obj)]
    ids = [obj.id for obj in changed + deleted if obj.id is not None]
    touched = [obj for obj in session.new if isinstance(obj, Hazard)]
    if not ids and not touched:
        return
    tz = clock.tz()
    rows = list(_facts(session.connection(), Hazard.id.in_(ids))) if ids else []
    old = [d for row in rows for d in deltas(row, tz)]
    session.info[_BEFORE] = (old, [count_key(row) for row in rows], set(ids), touched)


def _after_flush(session: Session, _context: Any) -> None:
    """Add what the hazards add now; the difference is what changed."""
    pending = session.info.pop(_BEFORE, None)
    if pending is None:
        return
    old, old_keys, ids, new_objects = pending
    # deleted hazards are gone from the table: they add nothing now
    ids |= {obj.id for obj in new_objects if obj.id is not None}
    tz = clock.tz()
    conn = session.connection()
    rows = list(_facts(conn, Hazard.id.in_(ids))) if ids else []
    apply_deltas(conn, old, [d for row in rows for d in deltas(row, tz)])
    apply_counts(conn, old_keys, [count_key(row) for row in rows])


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_BEFORE, None)


if not event.contains(FsaSession, "before_flush", _before_flush):
    event.listen(FsaSession, "before_flush", _before_flush)
    event.listen(FsaSession, "after_flush", _after_flush)
    event.listen(FsaSession, "after_rollback", _forget)
