"""The risk register (安全风险分级管控): risk points, risks, assessments, controls, checks.

The first half of 双重预防: risks are graded and controlled here; a control
that fails on a check raises a hazard (:mod:`safety.models.hazards`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column
from safety.models.org import Post, Unit, User


class RiskPointKind(enum.StrEnum):
    INSTALLATION = "installation"  # 装置、设施
    PLACE = "place"  # 场所
    ACTIVITY = "activity"  # 作业活动


class AssessmentMethod(enum.StrEnum):
    LEC = "lec"  # 作业条件危险性分析法
    LS = "ls"  # 风险矩阵法


class RiskLevel(enum.StrEnum):
    MAJOR = "major"  # 重大风险, red
    HIGH = "high"  # 较大风险, orange
    MEDIUM = "medium"  # 一般风险, yellow
    LOW = "low"  # 低风险, blue


class ControlKind(enum.StrEnum):
    ENGINEERING = "engineering"
    MANAGEMENT = "management"
    TRAINING = "training"
    PPE = "ppe"
    EMERGENCY = "emergency"


class ControlTier(enum.StrEnum):
    COMPANY = "company"
    PLANT = "plant"
    WORKSHOP = "workshop"
    TEAM = "team"


class CheckResult(enum.StrEnum):
    EFFECTIVE = "effective"
    FAILED = "failed"


class RiskPoint(IdMixin, CreatedMixin, Base):
    """风险点 (风险分析单元): an installation, a place or an activity of a unit."""

    __tablename__ = "risk_points"
    __table_args__ = (sa.Index("ix_risk_points_unit", "unit_id", "id"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[RiskPointKind] = mapped_column(enum_column(RiskPointKind))
    description: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(300))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()


class Risk(IdMixin, CreatedMixin, Base):
    """风险事件: what can happen at a risk point; its grade is the latest assessment."""

    __tablename__ = "risks"
    __table_args__ = (sa.Index("ix_risks_point", "risk_point_id", "id"),)

    risk_point_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_points.id"))
    event: Mapped[str] = mapped_column(sa.String(300))
    consequence: Mapped[str | None] = mapped_column(sa.String(300))
    #: Copied from the latest assessment, so lists and maps need no sub-query.
    method: Mapped[AssessmentMethod] = mapped_column(enum_column(AssessmentMethod))
    score: Mapped[float]
    level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel), index=True)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    risk_point: Mapped[RiskPoint] = relationship()


class RiskAssessment(IdMixin, Base):
    """One grading of a risk (LEC, LS or 直接判定); append-only history."""

    __tablename__ = "risk_assessments"
    __table_args__ = (sa.Index("ix_risk_assessments_risk", "risk_id", "id"),)

    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risks.id"))
    method: Mapped[AssessmentMethod] = mapped_column(enum_column(AssessmentMethod))
    l: Mapped[float]  # noqa: E741
    e: Mapped[float | None]
    c: Mapped[float | None]
    s: Mapped[float | None]
    direct_major_reason: Mapped[str | None] = mapped_column(sa.Text)
    score: Mapped[float]
    level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    by: Mapped[User | None] = relationship()


class RiskControl(IdMixin, CreatedMixin, Base):
    """管控措施: one measure against a risk, owned by a post, checked every N days.

    Its tier is not stored: it follows where the owner post sits in the unit
    tree today (see :func:`safety.services.risks.tier_of_depth`).
    """

    __tablename__ = "risk_controls"
    __table_args__ = (
        sa.Index("ix_risk_controls_risk", "risk_id", "id"),
        sa.Index("ix_risk_controls_next_due", "next_due", "id"),
    )

    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risks.id"))
    kind: Mapped[ControlKind] = mapped_column(enum_column(ControlKind))
    text: Mapped[str] = mapped_column(sa.Text)
    owner_post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    check_every_days: Mapped[int]
    #: The date (TIMEZONE) the next check is due: creation day, then last check + N.
    next_due: Mapped[date]
    last_checked_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    risk: Mapped[Risk] = relationship()
    owner_post: Mapped[Post] = relationship()


class ControlCheck(IdMixin, Base):
    """排查: one check of a control; a failed one may raise a hazard."""

    __tablename__ = "control_checks"
    __table_args__ = (sa.Index("ix_control_checks_control", "control_id", "id"),)

    control_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_controls.id"))
    result: Mapped[CheckResult] = mapped_column(enum_column(CheckResult))
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_on: Mapped[date]
    #: The date the check was due when it was done (for "on time" figures).
    due_on: Mapped[date]
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazards.id"), index=True)

    control: Mapped[RiskControl] = relationship()
    by: Mapped[User | None] = relationship()


class ControlCheckPhoto(IdMixin, CreatedMixin, Base):
    """A re-encoded photo of a check, stored like hazard photos."""

    __tablename__ = "control_check_photos"

    check_id: Mapped[int] = mapped_column(sa.ForeignKey("control_checks.id"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    thumb_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
