"""The transactional outbox, the reminder log and scheduler slot claims."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column, utcnow


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxEmail(IdMixin, CreatedMixin, Base):
    """An email written in the same transaction as the decision to send it."""

    __tablename__ = "outbox_emails"
    __table_args__ = (sa.Index("ix_outbox_emails_status_next", "status", "next_attempt_at"),)

    #: Unique business key ("digest:<user>:<date>") so a decision queues once.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus), default=EmailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A sender holds the lease while it talks to SMTP; others skip the row.
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderDigest(IdMixin, CreatedMixin, Base):
    """One reminder digest per recipient per local date: the unique key."""

    __tablename__ = "reminder_digests"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "local_date"),
        # Who has today's digest (every pass asks): a day's slice, not every
        # digest ever sent (10k a day for 10k people).
        sa.Index("ix_reminder_digests_day", "local_date", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    local_date: Mapped[date]
    email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_emails.id"), index=True)


class ReminderItem(IdMixin, Base):
    """What a digest told its recipient about one object, and why."""

    __tablename__ = "reminder_items"
    __table_args__ = (sa.Index("ix_reminder_items_hazard", "hazard_id", "digest_id"),)

    digest_id: Mapped[int] = mapped_column(sa.ForeignKey("reminder_digests.id"), index=True)
    #: "hazard", "responsibility_list", "inspection_plan".
    object_type: Mapped[str] = mapped_column(sa.String(32), default="hazard")
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazards.id"))
    object_id: Mapped[int | None]
    #: "due_soon" or "overdue" (hazards), "unsigned", "inspection_due".
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: "accountable", "superior", "supervision", "admin", "holder".
    reason: Mapped[str] = mapped_column(sa.String(32))
    #: Days overdue (positive) or days left (negative or zero), as told.
    days: Mapped[int | None]


class JobRun(IdMixin, Base):
    """A claimed (job, slot): the first process to insert it runs the slot."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job_id", "slot"),)

    job_id: Mapped[str] = mapped_column(sa.String(64))
    slot: Mapped[str] = mapped_column(sa.String(64))
    claimed_by: Mapped[str] = mapped_column(sa.String(128))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Real-clock time of the run's last sign of life; a stale unfinished claim
    #: (its process killed) is taken over by the next start or pass.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last step the run recorded ("claimed", "planned", "digests written"…).
    progress: Mapped[str | None] = mapped_column(sa.String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(sa.Text)


class Notice(IdMixin, CreatedMixin, Base):
    """An in-app notice of an event on a hazard, for one person (contract §5).

    The words are rendered when read, in the reader's language; the row keeps
    only what happened (``kind``), to what, by whom and the note given.
    """

    __tablename__ = "notices"
    __table_args__ = (sa.Index("ix_notices_user_read", "user_id", "read_at"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazards.id"), index=True)
    #: The event: "assigned", "rejected", "extension_requested", …
    kind: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
