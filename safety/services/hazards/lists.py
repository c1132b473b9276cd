"""Lists of hazards (page, API, export), counts, and one hazard's detail."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from safety.extensions import db
from safety.models import (
    OPEN_STATUSES,
    Hazard,
    HazardEvent,
    HazardLevel,
    HazardPhoto,
    HazardStatus,
    HazardStatusCount,
    Post,
    PostHolder,
    Unit,
    User,
)
from safety.models.hazard_search import FAR_FUTURE_SQL, FTS_TABLE
from safety.services.errors import ValidationError
from safety.services.org import holders_on, holding_filter, unit_subtree_ids
from safety.services.overdue import overdue_clause

S = HazardStatus

SORTS = ("id", "found", "deadline")
FAR_FUTURE = date(9999, 12, 31)
#: Spelled exactly as ``ix_hazards_deadline_sort`` (a literal, not a bound value,
#: or the expression index does not match).
DEADLINE_KEY = sa.func.coalesce(Hazard.deadline, sa.literal_column(FAR_FUTURE_SQL, sa.Date))
_SEARCHED = (Hazard.number, Hazard.title, Hazard.description, Hazard.location)
#: The shape of a whole hazard number (services/hazards/numbering.py).
_WHOLE_NUMBER = re.compile(r"YH-\d{4}-\d{4,}", re.IGNORECASE | re.ASCII)


@dataclass
class HazardFilters:
    """What a list (page, API, export) is narrowed to; all optional."""

    status: list[HazardStatus] = field(default_factory=list)
    unit_id: int | None = None
    level: HazardLevel | None = None
    overdue: bool | None = None
    accountable_post_id: int | None = None
    mine: bool = False
    q: str | None = None
    sort: str = "id"


def filtered_query(
    filters: HazardFilters,
    *,
    user: User | None,
    today: date,
    subtree: Sequence[int] | None = None,
    fts: bool = True,
) -> sa.Select[tuple[Hazard]]:
    """SELECT of hazards matching ``filters`` (no order, no limit).

    ``subtree``: the ids under ``filters.unit_id`` when the caller has them
    already (saves a query). ``fts`` False: a text search without SQLite's
    search table, by its substring test alone (:func:`list_hazards` says when).
    """
    stmt = sa.select(Hazard)
    if filters.status:
        stmt = stmt.where(Hazard.status.in_(filters.status))
    if filters.unit_id is not None:
        ids = list(subtree) if subtree is not None else unit_subtree_ids(filters.unit_id)
        stmt = stmt.where(Hazard.unit_id.in_(ids))
    if filters.level is not None:
        stmt = stmt.where(Hazard.level == filters.level)
    if filters.overdue is True:
        stmt = stmt.where(overdue_clause(today))
    elif filters.overdue is False:
        stmt = stmt.where(sa.not_(overdue_clause(today)))
    if filters.accountable_post_id is not None:
        stmt = stmt.where(Hazard.accountable_post_id == filters.accountable_post_id)
    if filters.mine and user is not None:
        held = sa.select(PostHolder.post_id).where(
            PostHolder.user_id == user.id, holding_filter(today)
        )
        # The ids first, from the reporter and post indexes: with the OR in the
        # WHERE the planners walked the whole register in page order looking for
        # one person's hazards (an officer's page: 10 ms at 10k, 82 ms at 100k).
        mine = sa.union_all(
            sa.select(Hazard.id).where(Hazard.reporter_id == user.id).correlate(None),
            sa.select(Hazard.id).where(Hazard.accountable_post_id.in_(held)).correlate(None),
        )
        stmt = stmt.where(Hazard.id.in_(mine))
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        phrase = _fts_phrase(text) if fts else None
        if phrase is not None:
            # Joined rather than ``id IN (…)``, which read every hit before the
            # first row (7 ms for 12,500 hits at 100k): the FTS table hands out
            # its rows in rowid order, so a page sorted by it stops early.
            stmt = stmt.join(_FTS, _FTS.c.rowid == Hazard.id).where(
                sa.literal_column(FTS_TABLE).op("MATCH")(phrase)
            )
        stmt = stmt.where(search_clause(text))
    return stmt


#: The SQLite FTS5 trigram table over the searched columns (rowid = hazard id).
_FTS = sa.table(FTS_TABLE, sa.column("rowid"))


#: A text found at least this often is searched by walking the page order with the
#: substring test: a page then reads at most about ``limit x hazards / DENSE_HITS``
#: rows. Below it the search table's hits are read and sorted (at most this many).
DENSE_HITS = 2000


def _fts_hits_at_least(phrase: str, count: int) -> bool:
    """Whether the search table has ``count`` hits for ``phrase`` (reads at most that many).

    Sorted by date, a page of a frequent text (12,500 hits at 100k) read and sorted
    every hit: 30 ms, where walking the date index stops after the page (0.5 ms);
    a rare text is the other way round (0.02 ms against a walk of the register).
    """
    hits = sa.select(_FTS.c.rowid).where(sa.literal_column(FTS_TABLE).op("MATCH")(phrase))
    first = hits.limit(count).subquery()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(first)) or 0) >= count


def _fts_phrase(text: str) -> str | None:
    """The FTS5 phrase narrowing a search on SQLite; None where it is not used.

    Trigrams need 3 characters; a whole number goes by its unique index.
    """
    if len(text) < 3 or _WHOLE_NUMBER.fullmatch(text):
        return None
    if db.session.get_bind().dialect.name != "sqlite":
        return None
    return '"' + text.replace('"', '""') + '"'


def search_clause(text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive (ASCII) substring of number, title, description or location.

    Index-backed from 3 characters (trigrams need 3): PostgreSQL's GIN trigram
    index serves the ILIKE itself; on SQLite :func:`filtered_query` joins the
    FTS5 trigram table, which narrows the rows first, and this LIKE re-checks
    them, so results are exactly the ILIKE's (a number equal to the text
    contains it, so the FTS table has it too).
    A whole hazard number (``YH-2026-0012``, any case) finds that hazard through
    the unique index alone: its trigrams ("YH-", "202"…) are in every row, so
    the trigram index cannot narrow it and the planner would scan the table.
    """
    if _WHOLE_NUMBER.fullmatch(text):
        return Hazard.number == text.upper()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    like = sa.or_(*(col.ilike(pattern, escape="\\") for col in _SEARCHED))
    if len(text) < 3:
        return like
    if text.isascii():
        return sa.or_(Hazard.number == text.upper(), like)
    return like


def _sort_keys(sort: str) -> tuple[list[Any], list[bool]]:
    """Key columns and whether each sorts descending."""
    if sort == "found":
        return [Hazard.found_on, Hazard.id], [True, True]
    if sort == "deadline":
        return [DEADLINE_KEY, Hazard.id], [False, False]
    return [Hazard.id], [False]


def _cursor_values(hazard: Hazard, sort: str) -> list[Any]:
    if sort == "found":
        return [hazard.found_on.isoformat(), hazard.id]
    if sort == "deadline":
        return [(hazard.deadline or FAR_FUTURE).isoformat(), hazard.id]
    return [hazard.id]


def _parse_cursor(cursor: str, sort: str) -> list[Any]:
    from safety.services.cursors import decode_cursor

    size = 1 if sort == "id" else 2
    values = decode_cursor(cursor, size)
    try:
        if sort == "id":
            return [int(values[0])]
        return [date.fromisoformat(values[0]), int(values[1])]
    except (TypeError, ValueError):
        raise ValidationError({"cursor": _("Invalid cursor.")}) from None


@dataclass
class HazardPage:
    items: list[Hazard]
    next_cursor: str | None
    holders: dict[int, list[User]]


def list_hazards(
    filters: HazardFilters,
    *,
    user: User | None,
    today: date,
    cursor: str | None = None,
    limit: int = 50,
    subtree: Sequence[int] | None = None,
) -> HazardPage:
    """One page of hazards with their unit, post and today's holders.

    Two queries whatever ``limit`` is: the page with its units and posts
    (joined) and holders.

    :raise ValidationError: for a cursor this function did not hand out.
    """
    from safety.services.cursors import encode_cursor

    sort = filters.sort if filters.sort in SORTS else "id"
    keys, desc = _sort_keys(sort)
    if sort == "deadline" and filters.overdue is True:
        # Overdue hazards all have a deadline: the same order, served by
        # ix_hazards_status_deadline instead of sorting every overdue hazard.
        keys = [Hazard.deadline, Hazard.id]
    phrase = _fts_phrase(filters.q.strip()) if filters.q else None
    fts = phrase is not None and (sort == "id" or not _fts_hits_at_least(phrase, DENSE_HITS))
    if sort == "id" and fts:
        # The same order (rowid = id), in which the joined FTS table reads.
        keys = [_FTS.c.rowid]
    stmt = filtered_query(filters, user=user, today=today, subtree=subtree, fts=fts).options(
        joinedload(Hazard.unit), joinedload(Hazard.accountable_post)
    )
    if cursor:
        values = _parse_cursor(cursor, sort)
        if all(desc):
            stmt = stmt.where(sa.tuple_(*keys) < sa.tuple_(*values))
        else:
            stmt = stmt.where(sa.tuple_(*keys) > sa.tuple_(*values))
    order = [k.desc() if d else k.asc() for k, d in zip(keys, desc, strict=True)]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor(_cursor_values(items[-1], sort)) if len(rows) > limit else None
    post_ids = {h.accountable_post_id for h in items if h.accountable_post_id is not None}
    return HazardPage(items=items, next_cursor=next_cursor, holders=holders_on(post_ids, today))


def iter_hazards(
    filters: HazardFilters, *, user: User | None, today: date, batch: int = 500
) -> Iterable[tuple[Hazard, list[User]]]:
    """Every matching hazard with its accountable holders, a page at a time (exports)."""
    cursor: str | None = None
    while True:
        page = list_hazards(filters, user=user, today=today, cursor=cursor, limit=batch)
        for hazard in page.items:
            yield hazard, page.holders.get(hazard.accountable_post_id, [])
        for hazard in page.items:  # keep memory flat on large exports
            db.session.expunge(hazard)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def status_count_statement(unit_ids: Sequence[int] | None, *, today: date) -> sa.Select[Any]:
    """SELECT status, count, overdue count (grouped) over the hazards themselves:
    the definition :func:`status_counts` keeps pre-counted (tests compare them).

    For some units it groups by unit too: that is the order of
    ``ix_hazards_unit_status_deadline``, which then answers from the index
    alone; grouped by status only, SQLite preferred walking the whole
    status index to avoid a sort (106 ms at 100k for a workshop's six units).
    """
    overdue = sa.func.sum(sa.case((overdue_clause(today), 1), else_=0))
    stmt = sa.select(Hazard.status, sa.func.count(), overdue)
    if unit_ids is None:
        return stmt.group_by(Hazard.status)
    return stmt.where(Hazard.unit_id.in_(list(unit_ids))).group_by(Hazard.unit_id, Hazard.status)


def _counted(rows: Iterable[Any]) -> dict[str, int]:
    counts = {s.value: 0 for s in S}
    counts["overdue"] = 0
    for status, count, overdue in rows:
        counts[HazardStatus(status).value] += int(count or 0)
        counts["overdue"] += int(overdue or 0)
    return counts


def scan_status_counts(unit_ids: Sequence[int] | None, *, today: date) -> dict[str, int]:
    """:func:`status_counts` counted over the hazards (the reference)."""
    return _counted(db.session.execute(status_count_statement(unit_ids, today=today)))


def status_counts(unit_ids: Sequence[int] | None, *, today: date) -> dict[str, int]:
    """Hazards per status (plus ``overdue``) in ``unit_ids`` (None: all), one query.

    It reads the counts kept with every hazard change (services/tallies.py): a
    few rows per unit and open deadline, where counting the hazards read every
    hazard of the units (7 ms for a workshop at 100k hazards on SQLite).
    """
    count = HazardStatusCount
    late = overdue_clause(today, count.status, count.deadline)
    stmt = sa.select(
        count.status, sa.func.sum(count.n), sa.func.sum(sa.case((late, count.n), else_=0))
    ).group_by(count.status)
    if unit_ids is not None:
        stmt = stmt.where(count.unit_id.in_(list(unit_ids)))
    return _counted(db.session.execute(stmt))


@dataclass
class HazardDetail:
    hazard: Hazard
    events: list[HazardEvent]
    photos: dict[int | None, list[HazardPhoto]]
    holders: list[User]
    people: dict[int, User]


def hazard_detail(hazard: Hazard, *, today: date) -> HazardDetail:
    """The hazard's history, photos by event and accountable holders.

    Three queries whatever the history: events, photos, and every person the
    page names (actors, reporter, submitter, verifier and today's holders) in
    one, so that ``event.actor`` comes from the identity map.
    """
    events = list(
        db.session.scalars(
            sa.select(HazardEvent)
            .where(HazardEvent.hazard_id == hazard.id)
            .order_by(HazardEvent.id)
        )
    )
    by_event: dict[int | None, list[HazardPhoto]] = {}
    for photo in db.session.scalars(
        sa.select(HazardPhoto).where(HazardPhoto.hazard_id == hazard.id).order_by(HazardPhoto.id)
    ):
        by_event.setdefault(photo.event_id, []).append(photo)
    if None in by_event and events:
        # Photos copied from an inspection belong to no event: show them with the report.
        by_event[events[0].id] = by_event.pop(None) + by_event.get(events[0].id, [])
    named = {hazard.reporter_id, hazard.submitted_by_id, hazard.verified_by_id}
    people_ids = {i for i in named if i}
    everyone = people_ids | {e.actor_id for e in events if e.actor_id}
    post_id = hazard.accountable_post_id
    people: dict[int, User] = {}
    holders: list[User] = []
    if everyone or post_id is not None:
        holding = (
            sa.and_(
                PostHolder.user_id == User.id,
                PostHolder.post_id == post_id,
                holding_filter(today),
            )
            if post_id is not None
            else sa.false()
        )
        rows = db.session.execute(
            sa.select(User, PostHolder.post_id)
            .outerjoin(PostHolder, holding)
            .where(sa.or_(User.id.in_(everyone), PostHolder.post_id.is_not(None)))
            .order_by(User.name, User.id)
        ).all()
        named_users: dict[int, User] = {}
        for user, held in rows:
            named_users[user.id] = user
            if user.id in people_ids:
                people[user.id] = user
            if held is not None and user.active and user not in holders:
                holders.append(user)
        for event in events:  # no lazy load per event
            set_committed_value(event, "actor", named_users.get(event.actor_id))
    return HazardDetail(hazard, events, by_event, holders, people)


def photo_for(name: str) -> HazardPhoto | None:
    """The hazard photo row owning a stored file or thumbnail name."""
    return db.session.scalar(
        sa.select(HazardPhoto).where(
            sa.or_(HazardPhoto.stored_name == name, HazardPhoto.thumb_name == name)
        )
    )


def get_hazard(hazard_id: Any) -> Hazard:
    """The hazard with this id.

    :raise NotFound: when there is none.
    """
    from safety.services.errors import NotFound

    try:
        hazard = db.session.scalar(
            sa.select(Hazard)
            .where(Hazard.id == int(hazard_id))
            .options(joinedload(Hazard.unit), joinedload(Hazard.accountable_post))
        )
    except (TypeError, ValueError, OverflowError):
        hazard = None
    if hazard is None:
        raise NotFound(_("Hazard %(id)s not found", id=hazard_id))
    return hazard


def unit_choices() -> list[tuple[str, str]]:
    """Units in tree order, indented (one query), for selects."""
    return _tree_choices(
        db.session.execute(sa.select(Unit.id, Unit.name, Unit.code, Unit.parent_id)).all()
    )


def _tree_choices(units: Sequence[Any]) -> list[tuple[str, str]]:
    """Rows with ``id, name, code, parent_id`` in tree order, indented."""
    children: dict[int | None, list[Any]] = {}
    for row in units:
        children.setdefault(row.parent_id, []).append(row)
    ids = {row.id for row in units}
    result: list[tuple[str, str]] = []
    seen: set[int] = set()
    stack = [
        (row, 0)
        for row in sorted(
            (r for r in units if r.parent_id is None or r.parent_id not in ids),
            key=lambda r: r.code,
            reverse=True,
        )
    ]
    while stack:
        row, depth = stack.pop()
        if row.id in seen:
            continue
        seen.add(row.id)
        result.append((str(row.id), "\u3000" * depth + row.name))
        for child in sorted(children.get(row.id, []), key=lambda r: r.code, reverse=True):
            stack.append((child, depth + 1))
    return result


@dataclass
class ListChoices:
    """The list's filter selects and the unit filter's subtree, from one query."""

    units: list[tuple[str, str]]
    posts: list[tuple[str, str]]
    subtree: list[int] | None


def list_choices(unit_id: int | None) -> ListChoices:
    """Unit and post choices for the list's filters, and ``unit_id``'s subtree (one query).

    The page used to load units and posts twice and every holder of every
    post; a filter select needs neither.
    """
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.code, Unit.parent_id, Post.id, Post.title)
        .outerjoin(Post, Post.unit_id == Unit.id)
        .order_by(Unit.code, Post.id)
    ).all()
    units = {r[0]: r for r in rows}
    unit_rows = [_UnitRow(r[0], r[1], r[2], r[3]) for r in units.values()]
    posts = [(str(r[4]), f"{r[1]} · {r[5]}") for r in rows if r[4] is not None]
    subtree = None
    if unit_id is not None:
        children: dict[int | None, list[int]] = {}
        for u in unit_rows:
            children.setdefault(u.parent_id, []).append(u.id)
        subtree, stack = [], [unit_id]
        while stack:
            uid = stack.pop()
            if uid not in subtree:
                subtree.append(uid)
                stack.extend(children.get(uid, []))
    return ListChoices(_tree_choices(unit_rows), posts, subtree)


@dataclass
class _UnitRow:
    id: int
    name: str
    code: str
    parent_id: int | None


@dataclass
class PostOption:
    """One choice of the 五定 post picker: the post, its unit and who holds it today."""

    id: int
    title: str
    unit: str
    holders: list[str]
    own_unit: bool

    @property
    def label(self) -> str:
        names = ", ".join(self.holders) if self.holders else _("vacant")
        return f"{self.unit} · {self.title} ({names})"


def post_options(unit_id: int | None, today: date) -> list[PostOption]:
    """Every post with today's holders; those of ``unit_id`` first (two queries)."""
    rows = db.session.execute(
        sa.select(Post.id, Post.title, Post.unit_id, Unit.name)
        .join(Unit, Unit.id == Post.unit_id)
        .order_by(Unit.code, Post.id)
    ).all()
    holders = holders_on([r.id for r in rows], today)
    options = [
        PostOption(
            id=r.id,
            title=r.title,
            unit=r.name,
            holders=[u.name for u in holders.get(r.id, [])],
            own_unit=r.unit_id == unit_id,
        )
        for r in rows
    ]
    return sorted(options, key=lambda o: not o.own_unit)


@dataclass
class BoardRow:
    """One open major hazard on the 重大隐患动态清零 board."""

    hazard: Hazard
    holders: list[User]
    days_left: int | None


def major_board(today: date) -> list[BoardRow]:
    """Every open major hazard, the most at risk of missing its deadline first.

    Overdue ones lead (most days late first), then by days left; hazards
    without a deadline yet (not assigned) come last. Three queries.
    """
    rows = list(
        db.session.scalars(
            sa.select(Hazard)
            .where(Hazard.level == HazardLevel.MAJOR, Hazard.status.in_(OPEN_STATUSES))
            .options(selectinload(Hazard.unit), selectinload(Hazard.accountable_post))
        )
    )
    holders = holders_on({h.accountable_post_id for h in rows if h.accountable_post_id}, today)
    board = [
        BoardRow(
            h,
            holders.get(h.accountable_post_id, []),
            (h.deadline - today).days if h.deadline is not None else None,
        )
        for h in rows
    ]
    board.sort(key=lambda r: (r.days_left is None, r.days_left or 0, r.hazard.id))
    return board
