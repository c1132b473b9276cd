"""Performance of duty (履职考核): scorecards, the rules that score them, and
accountability actions (失职追责)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column, utcnow
from safety.models.org import Post, User


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    ASSESSED = "assessed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class ActionKind(enum.StrEnum):
    CRITICISM = "criticism"
    ADMONISHMENT = "admonishment"
    FINE = "fine"
    DEMOTION = "demotion"
    DISMISSAL = "dismissal"
    OTHER = "other"


class ScoringRules(IdMixin, CreatedMixin, Base):
    """One version of the scoring rules; a change makes a new version, so an
    assessed scorecard keeps the rules it was scored with."""

    __tablename__ = "scoring_rules"

    version: Mapped[int] = mapped_column(unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Assessment(IdMixin, CreatedMixin, Base):
    """A person's scorecard for the days they held one post in one period."""

    __tablename__ = "assessments"
    __table_args__ = (sa.UniqueConstraint("post_id", "user_id", "period"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: ``2026-Q4`` or ``2026``.
    period: Mapped[str] = mapped_column(sa.String(8), index=True)
    days_held: Mapped[int] = mapped_column(default=0)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    manual: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    total: Mapped[float] = mapped_column(default=0.0)
    grade: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus), default=AssessmentStatus.DRAFT
    )
    rules_version: Mapped[int | None]
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assessed_by: Mapped[User | None] = relationship(foreign_keys=[assessed_by_id])


class AccountabilityAction(IdMixin, CreatedMixin, Base):
    """What was decided against a person for a failure of duty (失职追责)."""

    __tablename__ = "accountability_actions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind))
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date]
    hazard_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    post: Mapped[Post] = relationship()
