"""A published notice board: a read-only copy of a unit's 通报 page at a secret link."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from safety.models.base import Base, CreatedMixin, IdMixin, UTCDateTime


class NoticeBoardLink(IdMixin, CreatedMixin, Base):
    """An unguessable token that shows one unit's notice board without sign-in,
    for a screen on the shop floor, until an administrator revokes it."""

    __tablename__ = "notice_board_links"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
