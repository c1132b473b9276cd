"""Sign-in throttling state, in the database so every worker and restart sees it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from safety.models.base import Base, UTCDateTime


class LoginThrottle(Base):
    """Failed sign-ins for one key: ``account:<email>`` or ``address:<ip>``.

    Unknown emails get a row like known ones, so the answer never tells them
    apart. ``blocked_until`` is when the next attempt for the key is heard.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
