"""The hazard register (隐患排查治理) and its closed loop."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column, utcnow
from safety.models.org import Post, Unit, User


class HazardLevel(enum.StrEnum):
    GENERAL = "general"  # 一般隐患
    MAJOR = "major"  # 重大隐患


class HazardStatus(enum.StrEnum):
    REPORTED = "reported"
    RECTIFYING = "rectifying"
    PENDING_VERIFICATION = "pending_verification"
    CLOSED = "closed"
    VOID = "void"
    #: A listed (挂牌督办) major hazard, verified, waiting for the authority's 核销.
    PENDING_WRITEOFF = "pending_writeoff"


OPEN_STATUSES = (
    HazardStatus.REPORTED,
    HazardStatus.RECTIFYING,
    HazardStatus.PENDING_VERIFICATION,
    HazardStatus.PENDING_WRITEOFF,
)


#: The columns of ``ix_hazards_found_cover``: what the reports ask of the hazards
#: found in a period.
FOUND_COVER = (
    *("found_on", "status", "unit_id", "level", "category", "deadline", "repeat"),
    *("assigned_at", "submitted_at", "closed_at"),
)


#: The reminder pass's due hazards (in rectification, by deadline) with the
#: columns it decides from: read from the index alone.
STATUS_DEADLINE_COVER = ("status", "deadline", "id", "unit_id", "level", "accountable_post_id")


class Hazard(IdMixin, CreatedMixin, Base):
    __tablename__ = "hazards"
    __table_args__ = (
        sa.UniqueConstraint("year", "seq"),
        # Lists by status and deadline; the reminder pass reads its due hazards'
        # columns from it alone (migration 0022).
        sa.Index("ix_hazards_status_deadline", *STATUS_DEADLINE_COVER),
        # A unit's hazards by status and deadline (unit filters; the status counts'
        # reference scan reads it alone; the counts themselves are kept, migration 0019).
        sa.Index("ix_hazards_unit_status_deadline", "unit_id", "status", "deadline"),
        # A level filter (major hazards are few) in found-date order.
        sa.Index("ix_hazards_level_found", "level", "found_on", "id"),
        sa.Index("ix_hazards_found_on", "found_on", "id"),
        # My work: hazards to verify, oldest submission first (migration 0016).
        sa.Index("ix_hazards_status_submitted", "status", "submitted_at", "id"),
        # My work for a unit's people: its hazards to verify and to assign in the
        # lists' order, the first 20 without sorting all of them (migration 0021).
        sa.Index("ix_hazards_unit_status_submitted", "unit_id", "status", "submitted_at", "id"),
        sa.Index("ix_hazards_unit_status_found", "unit_id", "status", "found_on", "id"),
        # My work: open extension requests (few) in date order (migrations 0016,
        # 0021): only the requests are in it, so the planners see how few they are.
        sa.Index(
            "ix_hazards_extension_requested",
            "extension_requested",
            "id",
            sqlite_where=sa.text("extension_requested IS NOT NULL"),
            postgresql_where=sa.text("extension_requested IS NOT NULL"),
        ),
        sa.Index("ix_hazards_closed_at", "closed_at"),  # reports: closed since a date
        # the hazards found in a period (categories, repeats, ragged periods), read
        # from the index alone (migrations 0014, 0018)
        sa.Index("ix_hazards_found_cover", *FOUND_COVER),
        sa.Index("ix_hazards_closed_cover", "closed_at", "status", "unit_id"),
        sa.Index(
            "ix_hazards_deadline_cover",
            *("deadline", "status", "unit_id", "assigned_at", "submitted_at", "closed_at"),
        ),
    )

    #: Human-readable, e.g. YH-2026-0001.
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(300))
    category: Mapped[str | None] = mapped_column(sa.String(64))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    level: Mapped[HazardLevel] = mapped_column(enum_column(HazardLevel))
    status: Mapped[HazardStatus] = mapped_column(
        enum_column(HazardStatus), default=HazardStatus.REPORTED
    )
    #: When it was found (the reporter's "found_at"), and its local date.
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    found_on: Mapped[date]
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: A major hazard's item of the 判定标准 (e.g. ``HG2017-05``); a general
    #: hazard may name the rule or standard it breaks in ``basis``.
    criterion: Mapped[str | None] = mapped_column(sa.String(64))
    basis: Mapped[str | None] = mapped_column(sa.String(500))
    #: 重复隐患: like one closed in the same unit within the last 90 days.
    repeat: Mapped[bool] = mapped_column(default=False)
    repeat_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazards.id"))

    # LEC risk assessment: D = L x E x C.
    risk_l: Mapped[float | None]
    risk_e: Mapped[float | None]
    risk_c: Mapped[float | None]
    #: Where it came from in the risk register (a failed control check), if anywhere.
    risk_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk_points.id"), index=True)
    control_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk_controls.id"), index=True)

    # 五定: accountable post, measures, funds, deadline, contingency plan.
    accountable_post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    measures: Mapped[str | None] = mapped_column(sa.Text)
    funds: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    deadline: Mapped[date | None]
    contingency_plan: Mapped[str | None] = mapped_column(sa.Text)
    #: 治理方案 of a major hazard: objective, methods, resources, organisation,
    #: schedule, safety_measures.
    plan: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether people were withdrawn or work stopped (major hazards, 停产停业).
    stop_work: Mapped[bool] = mapped_column(default=False)
    plan_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Granted extensions (at most MAX_EXTENSIONS), and an open request if any.
    extension_count: Mapped[int] = mapped_column(default=0)
    extension_requested: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)

    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Major hazards: reporting to the authority, 挂牌督办, final 核销.
    reported_to_authority_on: Mapped[date | None]
    listed_for_supervision: Mapped[bool] = mapped_column(default=False)
    supervising_authority: Mapped[str | None] = mapped_column(sa.String(200))
    supervision_deadline: Mapped[date | None]
    #: 评估 after a major hazard's fix, required to verify it.
    evaluation: Mapped[str | None] = mapped_column(sa.Text)
    written_off_on: Mapped[date | None]
    write_off_authority: Mapped[str | None] = mapped_column(sa.String(200))
    write_off_document: Mapped[str | None] = mapped_column(sa.String(100))

    #: Optimistic lock: every action carries the version the user saw.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    accountable_post: Mapped[Post | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    repeat_of: Mapped[Hazard | None] = relationship(remote_side="Hazard.id")
    events: WriteOnlyMapped[HazardEvent] = relationship(
        order_by="HazardEvent.id", passive_deletes=True
    )


class HazardEvent(IdMixin, Base):
    """One step of a hazard's history; append-only."""

    __tablename__ = "hazard_events"
    __table_args__ = (sa.Index("ix_hazard_events_hazard", "hazard_id", "id"),)

    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazards.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class HazardPhoto(IdMixin, CreatedMixin, Base):
    """A re-encoded photo stored outside static under a random name."""

    __tablename__ = "hazard_photos"

    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazards.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard_events.id"))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    thumb_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class HazardCounter(Base):
    """Next sequence number per year, bumped atomically for hazard numbers."""

    __tablename__ = "hazard_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class CriteriaSet(IdMixin, CreatedMixin, Base):
    """A published set of 重大事故隐患判定标准; a revision is a new version."""

    __tablename__ = "criteria_sets"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[str] = mapped_column(sa.String(32))
    published: Mapped[bool] = mapped_column(default=True)

    items: Mapped[list[CriteriaItem]] = relationship(
        order_by="CriteriaItem.position", cascade="all, delete-orphan"
    )


class CriteriaItem(IdMixin, Base):
    """One situation that makes a hazard major (判定情形)."""

    __tablename__ = "criteria_items"
    __table_args__ = (sa.UniqueConstraint("set_id", "code"),)

    set_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_sets.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
