"""The decision of the daily reminder pass (contract section 5): who hears about what.

The digest's data (:class:`Item`, :class:`Recipient`, :class:`Plan`), the
escalation ladder (:func:`ladder`), the facts a pass reads in a fixed handful
of queries (:func:`load_facts`) and :class:`Tally`, the digests being built.
:mod:`safety.services.reminders` runs the pass and re-exports these names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from safety import clock, permissions
from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
    HazardStatus,
    Post,
    PostHolder,
    ReminderDigest,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.services.org import holding_filter

#: Due soon: 0 ≤ deadline − today ≤ DUE_SOON_DAYS.
DUE_SOON_DAYS = 3
#: Days overdue from which the superior post hears (general, major).
SUPERIOR_AFTER = {HazardLevel.GENERAL.value: 3, HazardLevel.MAJOR.value: 1}
#: Days overdue from which supervision posts for the unit hear.
SUPERVISION_AFTER = 7
#: When one person is told about one object for several reasons, the first wins.
REASON_ORDER = (
    "accountable",
    "vacant",
    "superior",
    "no_email",
    "supervision",
    "admin",
    "holder",
)
#: Reasons of the lines about other duties than a hazard's deadline (a major
#: hazard's step waiting, an agreement to sign): ranked after REASON_ORDER.
STEP_REASONS = ("approver", "manager", "countersign")
ALL_REASONS = REASON_ORDER + STEP_REASONS


# --- the decision ------------------------------------------------------------


@dataclass
class Item:
    """One line of a digest."""

    object_type: str  # hazard | responsibility_list | inspection_plan
    object_id: int
    kind: str  # due_soon | overdue | unsigned | inspection_due | control_check
    reason: str
    days: int | None  # days overdue (> 0) or minus days left (≤ 0)
    number: str
    title: str
    unit: str
    deadline: date | None
    link: str
    level: str | None = None

    @property
    def hazard_id(self) -> int | None:
        return self.object_id if self.object_type == "hazard" else None


@dataclass
class Recipient:
    user_id: int
    name: str
    email: str
    locale: str
    items: dict[tuple[str, int], Item] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        key = (item.object_type, item.object_id)
        old = self.items.get(key)
        if old is None or ALL_REASONS.index(item.reason) < ALL_REASONS.index(old.reason):
            self.items[key] = item

    def sorted_items(self) -> list[Item]:
        order = {
            "overdue": 0,
            "due_soon": 1,
            "inspection_due": 2,
            "control_check": 2,
            "plan_approval": 2,
            "authority_report": 2,
            "write_off": 2,
            "unsigned": 3,
            "agreement_unsigned": 3,
        }
        return sorted(
            self.items.values(),
            key=lambda i: (order.get(i.kind, 9), -(i.days or 0), i.number, i.object_id),
        )

    @property
    def has_usable_email(self) -> bool:
        return usable_email(self.email)


@dataclass
class Plan:
    """Who must hear about what on ``today``; computed without writing anything."""

    today: date
    recipients: dict[int, Recipient]
    hazard_ids: set[int]
    already: set[int]  # users whose digest for today exists
    #: Hazards nobody could be told about (no holder up the chain, no admin).
    untold: list[str]
    #: People to tell today who already have today's digest (with ``skip_already``,
    #: they are not in ``recipients``: nothing is built for them).
    told_already: set[int] = field(default_factory=set)

    @property
    def recipient_count(self) -> int:
        return len(set(self.recipients) | self.told_already)

    @property
    def without_email(self) -> list[Recipient]:
        return [r for r in self.recipients.values() if not r.has_usable_email]


def usable_email(address: str | None) -> bool:
    text = (address or "").strip()
    local, _sep, domain = text.partition("@")
    return bool(local and domain and " " not in text)


def ladder(
    post_id: int | None,
    superior_of: Callable[[int], int | None],
    has_holder: Callable[[int], bool],
) -> tuple[int | None, str]:
    """Whose holders hear for an accountable post, and why (contract §5).

    The post itself when someone holds it ("accountable"); else the nearest
    superior up the chain that has a holder ("vacant"); else nobody (None,
    "admin": the admins hear). The one home of this rule: the reminder pass
    asks it from loaded facts, event notifications from the database.
    """
    if post_id is not None and has_holder(post_id):
        return post_id, "accountable"
    seen = {post_id}
    current = superior_of(post_id) if post_id is not None else None
    while current is not None and current not in seen:
        if has_holder(current):
            return current, "vacant"
        seen.add(current)
        current = superior_of(current)
    return None, "admin"


@dataclass(frozen=True)
class HazardFact:
    """A hazard as the pass decides from: one row of the pass's first query.

    Its number, title and unit name are read only when a digest line is to be
    written (:meth:`Facts.details`): a repeat pass, where everyone has today's
    digest, reads the register's columns that its own index covers.
    """

    id: int
    unit_id: int
    level: str
    deadline: date
    accountable_post_id: int | None


def _due_hazards(today: date) -> Any:
    """The hazards a pass as of ``today`` is about: in rectification, due soon or overdue."""
    return (
        Hazard.status == HazardStatus.RECTIFYING,
        Hazard.deadline.is_not(None),
        Hazard.deadline <= today + timedelta(days=DUE_SOON_DAYS),
    )


@dataclass
class Facts:
    """Everything a pass decides from, read in a fixed handful of queries."""

    today: date
    base_url: str
    hazards: list[HazardFact]
    #: post id → (superior post id, title)
    posts: dict[int, tuple[int | None, str]]
    #: post id → ids of the active people holding it today
    holders: dict[int, list[int]]
    #: user id → (name, email, locale), for holders and admins
    people: dict[int, tuple[str, str, str]]
    admins: list[int]
    #: unit id → posts with supervision for it or a unit above (asked of permissions)
    supervision: dict[int, set[int]]
    #: users whose digest for today exists
    already: set[int]
    #: people with a usable email address (of ``people``, worked out once: a pass
    #: asks it for every holder of every hazard's posts)
    emailable: set[int] = field(init=False)

    #: hazard id → (number, title, unit name), read once when first needed
    _details: dict[int, tuple[str, str, str]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.emailable = {uid for uid, person in self.people.items() if usable_email(person[1])}

    def details(self, hazard_id: int) -> tuple[str, str, str]:
        """A due hazard's (number, title, unit name): one query for all of them, once.

        A hazard closed since the first query (PostgreSQL reads each statement
        afresh) is read by its id: its line still goes out, as decided.
        """
        details = self._details
        if details is not None and hazard_id in details:
            return details[hazard_id]
        select = sa.select(Hazard.id, Hazard.number, Hazard.title, Unit.name).join(
            Unit, Unit.id == Hazard.unit_id
        )
        if details is None:
            rows = db.session.execute(select.where(*_due_hazards(self.today))).all()
            details = self._details = {row[0]: tuple(row[1:]) for row in rows}
        if hazard_id not in details:
            row = db.session.execute(select.where(Hazard.id == hazard_id)).one()
            details[hazard_id] = tuple(row[1:])
        return details[hazard_id]

    def superior_of(self, post_id: int) -> int | None:
        return self.posts.get(post_id, (None, ""))[0]

    def has_holder(self, post_id: int) -> bool:
        return bool(self.holders.get(post_id))

    def reachable(self, user_id: int) -> bool:
        return user_id in self.emailable

    def has_reachable_holder(self, post_id: int) -> bool:
        return any(self.reachable(user_id) for user_id in self.holders.get(post_id, ()))


def who_hears(hazard: HazardFact, facts: Facts) -> list[tuple[int | None, list[int], str]]:
    """Who must hear about ``hazard`` today and why: (post, user ids, reason) groups.

    Contract §5: the accountable post's holders (vacant: up the chain, else
    the admins); when overdue, from ``SUPERIOR_AFTER`` days the superior
    post's holders and from ``SUPERVISION_AFTER`` days the holders of posts
    with supervision for the unit. ``post`` is the post heard through (None
    for the admins).
    """
    days = (facts.today - hazard.deadline).days
    acc = hazard.accountable_post_id
    post, reason = ladder(acc, facts.superior_of, facts.has_holder)
    groups = [(post, facts.holders[post] if post is not None else facts.admins, reason)]
    if days > 0 and acc is not None:
        superior = facts.superior_of(acc)
        if superior is not None and days >= SUPERIOR_AFTER[hazard.level]:
            groups.append((superior, facts.holders.get(superior, []), "superior"))
        if days >= SUPERVISION_AFTER:
            for post_id in sorted(facts.supervision.get(hazard.unit_id, ())):
                groups.append((post_id, facts.holders.get(post_id, []), "supervision"))
    return groups


def above_the_unreachable(post_id: int | None, facts: Facts) -> tuple[list[int], str] | None:
    """Who hears instead of a holder of ``post_id`` without a usable email address.

    The same ladder, from the post's superior up, to the first post with a
    holder who can be emailed; else the admins. None when nobody is left.
    """
    if post_id is None:
        return None
    superior = facts.superior_of(post_id)
    above, _reason = ladder(superior, facts.superior_of, facts.has_reachable_holder)
    if above is not None:
        return facts.holders[above], "no_email"
    return facts.admins, "admin"


def load_facts(now: datetime) -> Facts:
    """Read what today's pass decides from (no writes; a constant number of queries).

    Core rows, not ORM rows: several times cheaper per row at 100k hazards.
    """
    today = clock.local_date(now)
    conn = db.session.connection()
    hazards = [
        HazardFact(*row)
        for row in conn.execute(
            sa.select(
                Hazard.id,
                Hazard.unit_id,
                sa.type_coerce(Hazard.level, sa.String),  # raw values: no enum per row
                Hazard.deadline,
                Hazard.accountable_post_id,
            )
            .where(*_due_hazards(today))
            .order_by(Hazard.deadline, Hazard.id)
        ).all()  # one fetchall: iterating the result fetches row by row
    ]
    posts = {
        pid: (superior, title)
        for pid, superior, title in conn.execute(
            sa.select(Post.id, Post.superior_post_id, Post.title)
        ).all()
    }
    people, holders = _holders_today(conn, today)
    admins = []
    for user_id, name, email, locale in conn.execute(
        sa.select(User.id, User.name, User.email, sa.type_coerce(User.locale, sa.String))
        .where(User.is_admin.is_(True), User.active.is_(True))
        .order_by(User.id)
    ):
        people[user_id] = (name, email, locale)
        admins.append(user_id)
    supervision = permissions.posts_covering_units(
        {h.unit_id for h in hazards}, [ResponsibilityKind.SUPERVISION]
    )
    already = set(
        conn.execute(
            sa.select(ReminderDigest.user_id).where(ReminderDigest.local_date == today)
        ).scalars()
    )
    base_url = current_app.config["BASE_URL"].rstrip("/")
    return Facts(today, base_url, hazards, posts, holders, people, admins, supervision, already)


def _holders_today(
    conn: Any, today: date
) -> tuple[dict[int, tuple[str, str, str]], dict[int, list[int]]]:
    """(people, post → holders) of every post held today by an active person."""
    people: dict[int, tuple[str, str, str]] = {}
    holders: dict[int, list[int]] = defaultdict(list)
    for post_id, user_id, name, email, locale in conn.execute(
        sa.select(
            PostHolder.post_id,
            User.id,
            User.name,
            User.email,
            sa.type_coerce(User.locale, sa.String),
        )
        .join(User, User.id == PostHolder.user_id)
        .where(
            holding_filter(today),
            User.active.is_(True),
            sa.or_(User.deactivated_on.is_(None), User.deactivated_on > today),
        )
    ).all():
        people[user_id] = (name, email, locale)
        if user_id not in holders[post_id]:
            holders[post_id].append(user_id)
    return people, holders


class Tally:
    """The digests being built: each person's items, and who already has today's."""

    def __init__(self, facts: Facts, skip_already: bool) -> None:
        self.facts = facts
        self.skip_already = skip_already
        self.recipients: dict[int, Recipient] = {}
        self.told_already: set[int] = set()

    def tell(self, user_ids: Iterable[int], item: Item, reason: str) -> int:
        """Add ``item`` (told for ``reason``) to each person's digest; how many were told."""
        return self.tell_groups([(user_ids, reason)], lambda: item)

    def tell_groups(
        self, groups: Iterable[tuple[Iterable[int], str]], make_item: Callable[[], Item]
    ) -> int:
        """Tell each group of people (user ids, reason) about one object; how many were told.

        The item is made only when someone's digest is still to be built: a
        repeat pass, where everyone has today's digest, builds none.
        """
        told = 0
        item: Item | None = None
        people = self.facts.people
        skipped = self.facts.already if self.skip_already else ()
        for user_ids, reason in groups:
            for user_id in user_ids:
                if user_id not in people:
                    continue
                told += 1
                if user_id in skipped:
                    self.told_already.add(user_id)
                    continue
                recipient = self.recipients.get(user_id)
                if recipient is None:
                    name, email, locale = people[user_id]
                    recipient = self.recipients[user_id] = Recipient(user_id, name, email, locale)
                if item is None:
                    item = make_item()
                recipient.add(replace(item, reason=reason))
        return told


def _hazard_item(hazard: HazardFact, facts: Facts) -> Item:
    days = (facts.today - hazard.deadline).days
    number, title, unit = facts.details(hazard.id)
    return Item(
        object_type="hazard",
        object_id=hazard.id,
        kind="overdue" if days > 0 else "due_soon",
        reason="",
        days=days,
        number=number,
        title=title,
        unit=unit,
        deadline=hazard.deadline,
        link=f"{facts.base_url}/hazards/{hazard.id}",
        level=hazard.level,
    )
