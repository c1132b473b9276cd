"""The daily reminder pass (contract section 5).

A pass as of ``now`` decides, for every hazard in ``rectifying`` that is due
soon or overdue, who must hear about it today, then writes one digest per
person per local date:

- the decision is set-based: a fixed handful of queries (hazards, posts,
  holdings, units, supervision responsibilities, admins, today's claims)
  whatever the number of hazards or people; the rest is done in memory;
- the claim is the unique (user_id, local_date) of ``ReminderDigest``,
  inserted with ``ON CONFLICT DO NOTHING``: of any number of passes,
  processes or machines, one inserts it, and only that one writes the
  email and the items, in the same transaction;
- rendering happens between the read and the write transaction, so on
  SQLite the write lock is held only while rows are inserted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from safety import clock, permissions
from safety.extensions import db
from safety.models import (
    Checklist,
    EmailStatus,
    Hazard,
    HazardLevel,
    HazardStatus,
    InspectionPlan,
    OutboxEmail,
    Post,
    PostHolder,
    ReminderDigest,
    ReminderItem,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.services.inspections import due_plans
from safety.services.matrix import unsigned_lists
from safety.services.org import holding_filter
from safety.services.outbox import KIND_DIGEST, FlushResult, flush_outbox

log = logging.getLogger(__name__)

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
#: Claims per multi-row INSERT (3 parameters a row, under SQLite's 32766).
CLAIM_PAGE_SIZE = 10_000


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
        if old is None or REASON_ORDER.index(item.reason) < REASON_ORDER.index(old.reason):
            self.items[key] = item

    def sorted_items(self) -> list[Item]:
        order = {
            "overdue": 0,
            "due_soon": 1,
            "inspection_due": 2,
            "control_check": 2,
            "unsigned": 3,
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
    """A hazard as the pass needs it: one row of the pass's first query."""

    id: int
    number: str
    title: str
    unit_id: int
    unit: str
    level: str
    deadline: date
    accountable_post_id: int | None


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

    def superior_of(self, post_id: int) -> int | None:
        return self.posts.get(post_id, (None, ""))[0]

    def has_holder(self, post_id: int) -> bool:
        return bool(self.holders.get(post_id))

    def reachable(self, user_id: int) -> bool:
        return user_id in self.people and usable_email(self.people[user_id][1])

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
                Hazard.number,
                Hazard.title,
                Hazard.unit_id,
                Unit.name,
                sa.type_coerce(Hazard.level, sa.String),  # raw values: no enum per row
                Hazard.deadline,
                Hazard.accountable_post_id,
            )
            .join(Unit, Unit.id == Hazard.unit_id)
            .where(
                Hazard.status == HazardStatus.RECTIFYING,
                Hazard.deadline.is_not(None),
                Hazard.deadline <= today + timedelta(days=DUE_SOON_DAYS),
            )
            .order_by(Hazard.deadline, Hazard.id)
        )
    ]
    posts = {
        pid: (superior, title)
        for pid, superior, title in conn.execute(
            sa.select(Post.id, Post.superior_post_id, Post.title)
        )
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
    ):
        people[user_id] = (name, email, locale)
        if user_id not in holders[post_id]:
            holders[post_id].append(user_id)
    return people, holders


class _Tally:
    """The digests being built: each person's items, and who already has today's."""

    def __init__(self, facts: Facts, skip_already: bool) -> None:
        self.facts = facts
        self.skip_already = skip_already
        self.recipients: dict[int, Recipient] = {}
        self.told_already: set[int] = set()

    def tell(self, user_ids: Iterable[int], item: Item, reason: str) -> int:
        """Add ``item`` (told for ``reason``) to each person's digest; how many were told."""
        told = 0
        people = self.facts.people
        for user_id in user_ids:
            if user_id not in people:
                continue
            told += 1
            if self.skip_already and user_id in self.facts.already:
                self.told_already.add(user_id)
                continue
            recipient = self.recipients.get(user_id)
            if recipient is None:
                name, email, locale = people[user_id]
                recipient = self.recipients[user_id] = Recipient(user_id, name, email, locale)
            recipient.add(replace(item, reason=reason))
        return told


def _hazard_item(hazard: HazardFact, facts: Facts) -> Item:
    days = (facts.today - hazard.deadline).days
    return Item(
        object_type="hazard",
        object_id=hazard.id,
        kind="overdue" if days > 0 else "due_soon",
        reason="",
        days=days,
        number=hazard.number,
        title=hazard.title,
        unit=hazard.unit,
        deadline=hazard.deadline,
        link=f"{facts.base_url}/hazards/{hazard.id}",
        level=hazard.level,
    )


def plan_reminders(now: datetime, *, skip_already: bool = False) -> Plan:
    """Decide today's reminders (no writes). A constant number of queries.

    ``skip_already`` leaves out the people whose digest for today exists
    (a repeat pass then does little more than read).
    """
    facts = load_facts(now)
    tally = _Tally(facts, skip_already)
    hazard_ids: set[int] = set()
    untold: list[str] = []
    for hazard in facts.hazards:
        item = _hazard_item(hazard, facts)
        told = 0
        for post_id, users, reason in who_hears(hazard, facts):
            told += tally.tell(users, item, reason)
            if not all(facts.reachable(user_id) for user_id in users):
                instead = above_the_unreachable(post_id, facts)
                if instead is not None:
                    told += tally.tell(instead[0], item, instead[1])
        if told:
            hazard_ids.add(hazard.id)
        else:
            untold.append(hazard.number)
    _add_unsigned_lists(facts, tally)
    _add_due_inspections(facts, tally)
    _add_due_control_checks(facts, tally)
    return Plan(
        facts.today, tally.recipients, hazard_ids, facts.already, untold, tally.told_already
    )


def _add_unsigned_lists(facts: Facts, tally: _Tally) -> None:
    for user_id, post_id, version in unsigned_lists(facts.today):
        item = Item(
            object_type="responsibility_list",
            object_id=post_id,
            kind="unsigned",
            reason="holder",
            days=None,
            number=f"v{version}",
            title=facts.posts.get(post_id, (None, ""))[1],
            unit="",
            deadline=None,
            link=f"{facts.base_url}/matrix/",
        )
        tally.tell([user_id], item, "holder")


def _add_due_inspections(facts: Facts, tally: _Tally) -> None:
    rows = [row for row in due_plans(facts.today) if row[0] in facts.people]
    if not rows:
        return
    info = {
        pid: (checklist, unit)
        for pid, checklist, unit in db.session.execute(
            sa.select(InspectionPlan.id, Checklist.name, Unit.name)
            .join(Checklist, Checklist.id == InspectionPlan.checklist_id)
            .join(Unit, Unit.id == InspectionPlan.unit_id)
            .where(InspectionPlan.id.in_({row[1] for row in rows}))
        )
    }
    for user_id, plan_id, next_due in rows:
        checklist, unit = info.get(plan_id, ("", ""))
        item = Item(
            object_type="inspection_plan",
            object_id=plan_id,
            kind="inspection_due",
            reason="holder",
            days=(facts.today - next_due).days if next_due else None,
            number="",
            title=checklist,
            unit=unit,
            deadline=next_due,
            link=f"{facts.base_url}/inspections/",
        )
        tally.tell([user_id], item, "holder")


#: A control check's share (contract §6) by who hears: the owner post's holders,
#: the superior post once it is late, or the superior chain for a vacant owner.
CHECK_REASONS = {"owner": "holder", "superior": "superior", "vacant_owner": "vacant"}


def _add_due_control_checks(facts: Facts, tally: _Tally) -> None:
    """Risk-control checks due today or late join their people's digest (why: control check)."""
    from safety.services.risk_checks import due_checks_for_digest  # the register builds on this

    for user_id, dues in due_checks_for_digest(facts.today).items():
        if user_id not in facts.people:
            continue
        for due in dues:
            reason = CHECK_REASONS.get(due["role"], "holder")
            item = Item(
                object_type="risk_control",
                object_id=due["control_id"],
                kind="control_check",
                reason=reason,
                days=due["days_overdue"],
                number="",
                title=due["control_text"],
                unit=due["risk_point_name"],
                deadline=due["due_on"],
                link=f"{facts.base_url}/risks/controls/{due['control_id']}/check",
            )
            tally.tell([user_id], item, reason)


# --- rendering ---------------------------------------------------------------


def reason_label(reason: str) -> str:
    labels = {
        "accountable": _("accountable: you hold the accountable post"),
        "vacant": _("superior: the accountable post is vacant"),
        "superior": _("superior: you hold the accountable post's superior post"),
        "supervision": _("supervision: your post supervises this unit"),
        "no_email": _("superior: a holder of the post below has no usable email address"),
        "admin": _("administrator: nobody holds the accountable post or a post above it"),
        "holder": _("you hold the post"),
    }
    return labels.get(reason, reason)


def days_text(days: int | None) -> str:
    """ "3 days overdue", "due today", "2 days left" (``days`` as stored on items)."""
    if days is None:
        return ""
    if days > 0:
        return ngettext("%(num)d day overdue", "%(num)d days overdue", days)
    if days == 0:
        return _("due today")
    return ngettext("%(num)d day left", "%(num)d days left", -days)


def days_label(item: Item) -> str:
    if item.kind == "unsigned":
        return _("not signed yet")
    return days_text(item.days)


def digest_subject(items: list[Item]) -> str:
    hazards = [i for i in items if i.object_type == "hazard"]
    overdue = sum(1 for i in hazards if i.kind == "overdue")
    soon = len(hazards) - overdue
    others = len(items) - len(hazards)
    if not hazards:
        return ngettext(
            "Safety reminder: %(num)d item to do", "Safety reminder: %(num)d items to do", others
        )
    subject = _(
        "Safety reminder: %(overdue)d overdue, %(soon)d due soon", overdue=overdue, soon=soon
    )
    if len(hazards) == 1:
        subject += " — " + hazards[0].number
    if others:
        subject += ngettext(", %(num)d other item", ", %(num)d other items", others)
    return subject


@dataclass
class RenderedDigest:
    recipient: Recipient
    items: list[Item]
    subject: str
    text: str
    html: str


def digest_labels() -> dict[str, str]:
    """Every fixed string of the digest templates, in the current locale.

    Looked up once per language per pass, not once per line: Flask-Babel's
    per-call overhead dominated rendering thousands of digests.
    """
    return {
        "hello": _("Hello %(name)s,"),
        "intro": _("Your safety reminders for %(date)s:"),
        "hazards": _("Hazards"),
        "number": _("Number"),
        "title": _("Title"),
        "unit": _("Unit"),
        "deadline": _("Deadline"),
        "status": _("Status"),
        "why": _("Why you are told"),
        "also": _("Also to do"),
        "footer": _(
            "You receive at most one reminder email a day. Your reminders are also listed at "
            "%(url)s"
        ),
    }


def render_digests(recipients: list[Recipient], today: date) -> list[RenderedDigest]:
    """Subject, text and HTML of each digest, in each recipient's language."""
    env = current_app.jinja_env
    text_template = env.get_template("email/digest.txt")
    html_template = env.get_template("email/digest.html")
    base_url = current_app.config["BASE_URL"].rstrip("/")
    by_locale: dict[str, list[Recipient]] = defaultdict(list)
    for recipient in recipients:
        by_locale[recipient.locale].append(recipient)
    rendered: dict[int, RenderedDigest] = {}
    for locale, group in by_locale.items():
        with force_locale(locale):
            labels = digest_labels()
            reasons = {reason: reason_label(reason) for reason in REASON_ORDER}
            whens: dict[tuple[str, int | None], str] = {}
            for recipient in group:
                items = recipient.sorted_items()
                rows = []
                for item in items:
                    key = (item.kind, item.days)
                    if key not in whens:
                        whens[key] = days_label(item)
                    rows.append(
                        {
                            "item": item,
                            "why": reasons.get(item.reason, item.reason),
                            "when": whens[key],
                            "what": _what(item) if item.object_type != "hazard" else item.title,
                        }
                    )
                context = {
                    "labels": labels,
                    "recipient": recipient,
                    "today": today,
                    "hazard_rows": [r for r in rows if r["item"].object_type == "hazard"],
                    "other_rows": [r for r in rows if r["item"].object_type != "hazard"],
                    "base_url": base_url,
                }
                rendered[recipient.user_id] = RenderedDigest(
                    recipient,
                    items,
                    digest_subject(items),
                    text_template.render(context),
                    html_template.render(context),
                )
    return [rendered[r.user_id] for r in recipients]


def _what(item: Item) -> str:
    if item.object_type == "responsibility_list":
        return _(
            "Responsibility list to sign: %(post)s (%(version)s)",
            post=item.title,
            version=item.number,
        )
    if item.object_type == "inspection_plan":
        return _("Inspection due: %(checklist)s, %(unit)s", checklist=item.title, unit=item.unit)
    if item.object_type == "risk_control":
        return _(
            "Control check due: %(control)s, at %(point)s", control=item.title, point=item.unit
        )
    return item.title


# --- the pass ----------------------------------------------------------------


def digest_key(user_id: int, day: date) -> str:
    """The outbox business key of a person's digest for a local date."""
    return f"digest:{user_id}:{day.isoformat()}"


@dataclass
class ReminderSummary:
    today: date
    recipients: int = 0
    hazards: int = 0
    queued: int = 0
    already: int = 0
    without_email: int = 0
    untold: int = 0
    dry_run: bool = False
    flush: FlushResult | None = None

    def line(self) -> str:
        flush = self.flush or FlushResult()
        if self.dry_run:
            text = (
                f"reminders {self.today} (dry run): {self.recipients} recipients, "
                f"{self.hazards} hazards, {self.queued} would be queued"
            )
        else:
            text = (
                f"reminders {self.today}: {self.recipients} recipients, {self.hazards} hazards, "
                f"{self.queued} queued, {flush.sent} sent, {flush.failed} failed, "
                f"{flush.deferred} deferred"
            )
        if self.without_email:
            text += f", {self.without_email} without email"
        if self.untold:
            text += f", {self.untold} hazards with nobody to tell"
        return text


def _insert(table: sa.Table) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def run_reminders(
    *,
    now: datetime,
    dry_run: bool = False,
    deliver: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ReminderSummary:
    """One pass as of ``now``: decide, queue one digest per person per date, deliver.

    ``dry_run`` decides and reports, writing and sending nothing. ``deliver``
    False leaves the queued emails to the next flush (benchmarks). Never
    raises for SMTP trouble. ``progress`` is told each step reached (the
    scheduler records it on its claim).
    """
    step = progress or (lambda _step: None)
    plan = plan_reminders(now, skip_already=True)
    db.session.rollback()  # end the read transaction before rendering
    step("planned")
    summary = ReminderSummary(
        today=plan.today,
        recipients=plan.recipient_count,
        hazards=len(plan.hazard_ids),
        already=len(plan.told_already | (plan.already & set(plan.recipients))),
        without_email=len(plan.without_email),
        untold=len(plan.untold),
        dry_run=dry_run,
    )
    for number in plan.untold:
        log.warning("reminders %s: nobody to tell about hazard %s", plan.today, number)
    fresh = [r for uid, r in sorted(plan.recipients.items()) if uid not in plan.already]
    if dry_run:
        summary.queued = sum(1 for r in fresh if r.has_usable_email)
        return summary
    if fresh:
        rendered = render_digests([r for r in fresh if r.has_usable_email], plan.today)
        summary.queued = _write_digests(now, plan.today, fresh, rendered)
    step("digests written")
    if deliver:
        summary.flush = flush_outbox(now=now)
        step("delivered")
    return summary


def _write_digests(
    now: datetime, today: date, fresh: list[Recipient], rendered: list[RenderedDigest]
) -> int:
    """Claim each (user, date) and write emails and items for the claims won.

    One transaction; a handful of statements (multi-row, batched by the driver).
    """
    digests = ReminderDigest.__table__
    won = dict(
        (user_id, digest_id)
        for digest_id, user_id in db.session.execute(
            _insert(digests)
            .on_conflict_do_nothing(index_elements=["user_id", "local_date"])
            .returning(digests.c.id, digests.c.user_id)
            .execution_options(insertmanyvalues_page_size=CLAIM_PAGE_SIZE),
            [{"user_id": r.user_id, "local_date": today, "created_at": now} for r in fresh],
        )
    )
    if not won:
        db.session.rollback()
        return 0
    to_queue = [d for d in rendered if d.recipient.user_id in won]
    if to_queue:
        db.session.execute(
            _insert(OutboxEmail.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"]),
            [
                {
                    "dedupe_key": digest_key(d.recipient.user_id, today),
                    "kind": KIND_DIGEST,
                    "to_user_id": d.recipient.user_id,
                    "to_addr": d.recipient.email.strip(),
                    "subject": d.subject[:300],
                    "text_body": d.text,
                    "html_body": d.html,
                    "status": EmailStatus.QUEUED.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for d in to_queue
            ],
        )
        # Link each new digest to its email by the email's business key.
        key = (
            sa.literal("digest:")
            + sa.cast(digests.c.user_id, sa.String)
            + sa.literal(":" + today.isoformat())
        )
        db.session.execute(
            sa.update(digests)
            .where(digests.c.local_date == today, digests.c.email_id.is_(None))
            .values(
                email_id=sa.select(OutboxEmail.id)
                .where(OutboxEmail.dedupe_key == key)
                .scalar_subquery()
            )
        )
    items = [
        {
            "digest_id": won[r.user_id],
            "object_type": item.object_type,
            "hazard_id": item.hazard_id,
            "object_id": item.object_id,
            "kind": item.kind,
            "reason": item.reason,
            "days": item.days,
        }
        for r in fresh
        if r.user_id in won
        for item in r.sorted_items()
    ]
    if items:
        db.session.execute(sa.insert(ReminderItem.__table__), items)
    db.session.commit()
    return len(to_queue)


# --- what people see afterwards ----------------------------------------------


@dataclass
class LogEntry:
    local_date: date
    user_id: int
    user_name: str
    kind: str
    reason: str
    days: int | None
    email_status: str | None


def hazard_reminder_log(hazard_id: int) -> list[LogEntry]:
    """Who was told about a hazard on which days, newest first (one query)."""
    rows = db.session.execute(
        sa.select(
            ReminderDigest.local_date,
            User.id,
            User.name,
            ReminderItem.kind,
            ReminderItem.reason,
            ReminderItem.days,
            OutboxEmail.status,
        )
        .join(ReminderDigest, ReminderDigest.id == ReminderItem.digest_id)
        .join(User, User.id == ReminderDigest.user_id)
        .outerjoin(OutboxEmail, OutboxEmail.id == ReminderDigest.email_id)
        .where(ReminderItem.hazard_id == hazard_id)
        .order_by(ReminderDigest.local_date.desc(), User.name)
    ).all()
    return [
        LogEntry(d, uid, name, kind, reason, days, status.value if status else None)
        for d, uid, name, kind, reason, days, status in rows
    ]


@dataclass
class DigestView:
    local_date: date
    email_status: str | None
    subject: str | None
    items: list[dict[str, Any]]


def my_digests(user: User, *, limit: int = 30) -> list[DigestView]:
    """What the person's recent digests said (two queries)."""
    digests = db.session.execute(
        sa.select(
            ReminderDigest.id, ReminderDigest.local_date, OutboxEmail.status, OutboxEmail.subject
        )
        .outerjoin(OutboxEmail, OutboxEmail.id == ReminderDigest.email_id)
        .where(ReminderDigest.user_id == user.id)
        .order_by(ReminderDigest.local_date.desc())
        .limit(limit)
    ).all()
    if not digests:
        return []
    by_digest: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(
            ReminderItem.digest_id,
            ReminderItem.object_type,
            ReminderItem.object_id,
            ReminderItem.hazard_id,
            ReminderItem.kind,
            ReminderItem.reason,
            ReminderItem.days,
            Hazard.number,
            Hazard.title,
            Hazard.status,
        )
        .outerjoin(Hazard, Hazard.id == ReminderItem.hazard_id)
        .where(ReminderItem.digest_id.in_([d[0] for d in digests]))
        .order_by(ReminderItem.id)
    )
    for digest_id, obj_type, obj_id, hazard_id, kind, reason, days, number, title, status in rows:
        by_digest[digest_id].append(
            {
                "object_type": obj_type,
                "object_id": obj_id,
                # The hazard's key is ``hazard_id``; ``object_id`` may be empty
                # (rows written by the demo history) and names other things too.
                "hazard_id": hazard_id,
                "kind": kind,
                "reason": reason,
                "days": days,
                "number": number,
                "title": title,
                "status": status.value if status else None,
            }
        )
    return [
        DigestView(d, status.value if status else None, subject, by_digest.get(did, []))
        for did, d, status, subject in digests
    ]


def digests_without_email(since: date) -> list[tuple[date, int, str, str]]:
    """(date, user id, name, address) of digests that could not be mailed: a warning.

    A digest without an email whose recipient's address is unusable (digests
    written by other means, such as demo history, have no email either).
    """
    rows = db.session.execute(
        sa.select(ReminderDigest.local_date, User.id, User.name, User.email)
        .join(User, User.id == ReminderDigest.user_id)
        .where(ReminderDigest.email_id.is_(None), ReminderDigest.local_date >= since)
        .order_by(ReminderDigest.local_date.desc(), User.name)
    ).all()
    return [(day, uid, name, email) for day, uid, name, email in rows if not usable_email(email)]
