"""Inspections against checklists, and the plans that say when they are due."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column
from safety.models.hazards import HazardLevel
from safety.models.org import Unit, User


class ItemResult(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


class InspectionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class PlanKind(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEASONAL = "seasonal"
    HOLIDAY = "holiday"
    ONE_OFF = "one_off"


class Checklist(IdMixin, CreatedMixin, Base):
    """A checklist template; editing its items makes a new ``version``."""

    __tablename__ = "checklists"

    name: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)

    items: Mapped[list[ChecklistItem]] = relationship(
        order_by="ChecklistItem.position", viewonly=True
    )


class ChecklistItem(IdMixin, Base):
    __tablename__ = "checklist_items"
    __table_args__ = (sa.Index("ix_checklist_items_checklist_version", "checklist_id", "version"),)

    checklist_id: Mapped[int] = mapped_column(sa.ForeignKey("checklists.id"))
    #: The checklist version this item belongs to; old versions stay.
    version: Mapped[int]
    position: Mapped[int]
    section: Mapped[str | None] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    guidance: Mapped[str | None] = mapped_column(sa.Text)
    photo_required_on_fail: Mapped[bool] = mapped_column(default=False)


class InspectionPlan(IdMixin, CreatedMixin, Base):
    __tablename__ = "inspection_plans"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(sa.ForeignKey("checklists.id"))
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind))
    responsible_post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    start_date: Mapped[date]
    next_due: Mapped[date | None] = mapped_column(index=True)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship()
    checklist: Mapped[Checklist] = relationship()


class Inspection(IdMixin, CreatedMixin, Base):
    __tablename__ = "inspections"
    __table_args__ = (sa.Index("ix_inspections_unit_performed", "unit_id", "performed_at"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    checklist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checklists.id"))
    checklist_version: Mapped[int | None]
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_plans.id"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[InspectionStatus] = mapped_column(
        enum_column(InspectionStatus), default=InspectionStatus.SUBMITTED
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    inspector: Mapped[User | None] = relationship()
    items: Mapped[list[InspectionItem]] = relationship(
        order_by="InspectionItem.position", back_populates="inspection"
    )


class InspectionItem(IdMixin, Base):
    __tablename__ = "inspection_items"

    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    #: Empty only on a draft's item kept for its photos before a result was chosen.
    result: Mapped[ItemResult | None] = mapped_column(enum_column(ItemResult))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: Hazard raised by this failed item (one at most).
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazards.id"), unique=True)
    #: The hazard the inspector prepared for this failed item: kept while the
    #: inspection is a draft, and after submitting as a record of what was raised.
    hazard_title: Mapped[str | None] = mapped_column(sa.String(300))
    hazard_level: Mapped[HazardLevel | None] = mapped_column(enum_column(HazardLevel))
    hazard_description: Mapped[str | None] = mapped_column(sa.Text)

    inspection: Mapped[Inspection] = relationship(back_populates="items")


class InspectionPhoto(IdMixin, CreatedMixin, Base):
    __tablename__ = "inspection_photos"

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_items.id"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    thumb_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
