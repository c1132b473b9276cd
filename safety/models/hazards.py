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


OPEN_STATUSES = (
    HazardStatus.REPORTED,
    HazardStatus.RECTIFYING,
    HazardStatus.PENDING_VERIFICATION,
)


class Hazard(IdMixin, CreatedMixin, Base):
    __tablename__ = "hazards"
    __table_args__ = (
        sa.UniqueConstraint("year", "seq"),
        sa.Index("ix_hazards_status_deadline", "status", "deadline", "id"),
        sa.Index("ix_hazards_unit_status", "unit_id", "status"),
        sa.Index("ix_hazards_found_on", "found_on", "id"),
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

    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Major hazards: reporting to the authority, 挂牌督办, final 核销.
    reported_to_authority_on: Mapped[date | None]
    listed_for_supervision: Mapped[bool] = mapped_column(default=False)
    supervising_authority: Mapped[str | None] = mapped_column(sa.String(200))
    written_off_on: Mapped[date | None]

    #: Optimistic lock: every action carries the version the user saw.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    accountable_post: Mapped[Post | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
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
