"""The responsibility matrix: duties, post x unit responsibilities, lists, sign-off."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column
from safety.models.org import Post, Unit


class DutyCategory(enum.StrEnum):
    """管行业、管业务、管生产经营必须管安全."""

    INDUSTRY = "industry"
    BUSINESS = "business"
    PRODUCTION_OPERATION = "production_operation"


class ResponsibilityKind(enum.StrEnum):
    MAIN = "main"  # 全面责任（第一责任人）
    LEADERSHIP = "leadership"  # 分管领导责任
    SUPERVISION = "supervision"  # 监督管理责任
    DIRECT = "direct"  # 直接责任


class Duty(IdMixin, CreatedMixin, Base):
    __tablename__ = "duties"

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[DutyCategory] = mapped_column(enum_column(DutyCategory))


class Responsibility(IdMixin, CreatedMixin, Base):
    """Post ``post_id`` answers for unit ``unit_id`` (and the units below it)."""

    __tablename__ = "responsibilities"
    __table_args__ = (sa.Index("ix_responsibilities_unit_kind", "unit_id", "kind"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    kind: Mapped[ResponsibilityKind] = mapped_column(enum_column(ResponsibilityKind))
    duty_id: Mapped[int | None] = mapped_column(sa.ForeignKey("duties.id"), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)

    post: Mapped[Post] = relationship()
    unit: Mapped[Unit] = relationship()
    duty: Mapped[Duty | None] = relationship()


class ResponsibilityListVersion(IdMixin, CreatedMixin, Base):
    """A frozen copy of a post's responsibility list; a change makes a new one."""

    __tablename__ = "responsibility_list_versions"
    __table_args__ = (sa.UniqueConstraint("post_id", "version"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    version: Mapped[int]
    items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Acknowledgement(IdMixin, Base):
    """A holder's signature on one version of a post's list; never edited."""

    __tablename__ = "acknowledgements"
    __table_args__ = (sa.UniqueConstraint("post_id", "user_id", "version"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyTarget(IdMixin, CreatedMixin, Base):
    """A yearly target for a unit, possibly decomposed from its parent's."""

    __tablename__ = "safety_targets"
    __table_args__ = (sa.Index("ix_safety_targets_unit_year", "unit_id", "year"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Machine-readable metric, e.g. "rectification_rate", "major_accidents".
    metric: Mapped[str | None] = mapped_column(sa.String(64))
    target_value: Mapped[str | None] = mapped_column(sa.String(64))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_targets.id"), index=True)

    unit: Mapped[Unit] = relationship()
    parent: Mapped[SafetyTarget | None] = relationship(remote_side="SafetyTarget.id")


class ResponsibilityAgreement(IdMixin, CreatedMixin, Base):
    """A post's yearly 安全生产责任书: its duties and targets, frozen when generated."""

    __tablename__ = "responsibility_agreements"
    __table_args__ = (sa.UniqueConstraint("post_id", "year"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    year: Mapped[int]
    #: ``{"duties": [...], "targets": [...]}`` as generated.
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    post: Mapped[Post] = relationship()


class AgreementSignature(IdMixin, Base):
    """One signature on an agreement: by a holder of the post or of its superior post."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "user_id", "role"),)

    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responsibility_agreements.id"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: ``holder`` (the post's own) or ``superior`` (a holder of the superior post).
    role: Mapped[str] = mapped_column(sa.String(16))
    #: The post the signer held when signing (the post itself or its superior).
    signed_as_post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
