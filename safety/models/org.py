"""The organisation: units (a tree), posts, people and who holds which post."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime, enum_column


class PostLevel(enum.StrEnum):
    DECISION = "decision"
    MANAGEMENT = "management"
    OPERATION = "operation"


class Locale(enum.StrEnum):
    ZH_CN = "zh_CN"
    EN = "en"


class Unit(IdMixin, CreatedMixin, Base):
    __tablename__ = "units"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Post(IdMixin, CreatedMixin, Base):
    __tablename__ = "posts"

    title: Mapped[str] = mapped_column(sa.String(200))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    superior_post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    level: Mapped[PostLevel] = mapped_column(enum_column(PostLevel))
    #: The post's business duties, shown beside its safety duties (一岗双责).
    business_duties: Mapped[str | None] = mapped_column(sa.Text)
    #: A 党组织 post (书记, 副书记, 纪委书记, 工会主席…); 党政同责 pairs it with an
    #: administrative post for the main responsibility of the group and its units.
    party: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    unit: Mapped[Unit] = relationship()
    superior: Mapped[Post | None] = relationship(remote_side="Post.id")

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title}>"


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[Locale] = mapped_column(enum_column(Locale), default=Locale.ZH_CN)
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: From this date (TIMEZONE) the person holds nothing and cannot sign in.
    deactivated_on: Mapped[date | None]
    #: Part of the session id: rotating it signs out every session.
    session_nonce: Mapped[str] = mapped_column(sa.String(64))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Secret of the private calendar (.ics) URL; None when revoked.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    # Flask-Login protocol, written out so that ``active`` is the column.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class PostHolder(IdMixin, CreatedMixin, Base):
    """A person holding a post from ``start_date`` to ``end_date`` (inclusive).

    Rows are history: ending an assignment sets ``end_date``; nothing is
    overwritten or deleted.
    """

    __tablename__ = "post_holders"
    __table_args__ = (sa.Index("ix_post_holders_post_dates", "post_id", "start_date", "end_date"),)

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    post: Mapped[Post] = relationship()
    user: Mapped[User] = relationship()


class ApiToken(IdMixin, CreatedMixin, Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
