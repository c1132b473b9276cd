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

The parts live in their own modules, their names importable from here:
:mod:`.reminders_plan` (the digest's data, the escalation ladder, the facts),
:mod:`.reminders_render` (subjects, labels, text and HTML), and the lines
beyond hazard deadlines: :mod:`.reminders_major` (a major hazard's step
waiting) and :mod:`.reminders_agreements` (agreements to sign).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from safety.extensions import db
from safety.models import (
    Checklist,
    EmailStatus,
    Hazard,
    InspectionPlan,
    OutboxEmail,
    ReminderDigest,
    ReminderItem,
    Unit,
    User,
)
from safety.services.inspections import due_plans
from safety.services.matrix import unsigned_lists
from safety.services.outbox import KIND_DIGEST, FlushResult, flush_outbox
from safety.services.reminders_agreements import add_unsigned_agreements
from safety.services.reminders_major import add_waiting_majors
from safety.services.reminders_plan import (
    ALL_REASONS,
    DUE_SOON_DAYS,
    REASON_ORDER,
    SUPERIOR_AFTER,
    SUPERVISION_AFTER,
    Facts,
    HazardFact,
    Item,
    Plan,
    Recipient,
    Tally,
    _hazard_item,
    above_the_unreachable,
    ladder,
    load_facts,
    usable_email,
    who_hears,
)
from safety.services.reminders_render import (
    RenderedDigest,
    days_label,
    days_text,
    digest_labels,
    digest_subject,
    kind_labels,
    reason_label,
    render_digests,
)

#: The names callers import from here (the decision and the rendering live in
#: :mod:`.reminders_plan` and :mod:`.reminders_render`).
__all__ = [
    "ALL_REASONS",
    "CHECK_REASONS",
    "CLAIM_PAGE_SIZE",
    "DUE_SOON_DAYS",
    "REASON_ORDER",
    "SUPERIOR_AFTER",
    "SUPERVISION_AFTER",
    "DigestView",
    "Facts",
    "HazardFact",
    "Item",
    "LogEntry",
    "Plan",
    "Recipient",
    "ReminderSummary",
    "RenderedDigest",
    "above_the_unreachable",
    "days_label",
    "days_text",
    "digest_key",
    "digest_labels",
    "digest_subject",
    "digests_without_email",
    "hazard_reminder_log",
    "kind_labels",
    "ladder",
    "load_facts",
    "my_digests",
    "plan_reminders",
    "reason_label",
    "render_digests",
    "run_reminders",
    "usable_email",
    "who_hears",
]

log = logging.getLogger(__name__)

#: Claims per multi-row INSERT (3 parameters a row, under SQLite's 32766).
CLAIM_PAGE_SIZE = 10_000


def plan_reminders(now: datetime, *, skip_already: bool = False) -> Plan:
    """Decide today's reminders (no writes). A constant number of queries.

    ``skip_already`` leaves out the people whose digest for today exists
    (a repeat pass then does little more than read).
    """
    facts = load_facts(now)
    tally = Tally(facts, skip_already)
    hazard_ids: set[int] = set()
    untold: list[str] = []
    for hazard in facts.hazards:
        groups: list[tuple[list[int], str]] = []
        for post_id, users, reason in who_hears(hazard, facts):
            groups.append((users, reason))
            if not facts.emailable.issuperset(users):
                instead = above_the_unreachable(post_id, facts)
                if instead is not None:
                    groups.append(instead)
        if tally.tell_groups(groups, partial(_hazard_item, hazard, facts)):
            hazard_ids.add(hazard.id)
        else:
            untold.append(facts.details(hazard.id)[0])
    _add_unsigned_lists(facts, tally)
    _add_due_inspections(facts, tally)
    _add_due_control_checks(facts, tally)
    add_waiting_majors(facts, tally)
    add_unsigned_agreements(facts, tally)
    return Plan(
        facts.today, tally.recipients, hazard_ids, facts.already, untold, tally.told_already
    )


def _add_unsigned_lists(facts: Facts, tally: Tally) -> None:
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


def _add_due_inspections(facts: Facts, tally: Tally) -> None:
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


def _add_due_control_checks(facts: Facts, tally: Tally) -> None:
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
    with _collector_paused():
        summary = _plan_and_queue(now, dry_run, step)
    if dry_run:
        return summary
    if deliver:
        summary.flush = flush_outbox(now=now)
        step("delivered")
    return summary


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a pass builds its digests.

    The pass makes hundreds of thousands of objects that live until it ends
    (items, recipients, rendered emails) and few cycles; each full collection
    walked all of them again: at 100k hazards a quarter of the pass (2.5 of
    9 s), a tenth at 10k. Reference counting still frees what goes; what the
    collector would have found is collected after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan_and_queue(now: datetime, dry_run: bool, step: Callable[[str], None]) -> ReminderSummary:
    """Decide, then write one digest per person (not on a dry run); the summary."""
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
