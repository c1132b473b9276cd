"""The one place that reads the clock.

Services take ``now``/``today`` as arguments; views, CLI commands and jobs
call these helpers. "Today" is always the organisation's date in TIMEZONE,
never the database's or the server's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def tz() -> ZoneInfo:
    """The organisation's time zone (config ``TIMEZONE``)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_date(instant: datetime) -> date:
    """The date in TIMEZONE at ``instant``."""
    return instant.astimezone(tz()).date()


def today() -> date:
    """Today's date in TIMEZONE."""
    return local_date(now())


def parse_instant(text: str) -> datetime:
    """Parse ISO-8601; a time without an offset is read in TIMEZONE.

    :raise ValueError: when ``text`` is not ISO-8601.
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz())
    return value.astimezone(UTC)
