"""Assessment periods: a quarter (``2026-Q4``) or a year (``2026``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from safety.services.errors import ValidationError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date

    def days_until(self, today: date) -> tuple[date, date] | None:
        """The part of the period that has happened by ``today`` (None: not begun)."""
        last = min(self.end, today)
        return (self.start, last) if last >= self.start else None


def parse_period(text: str | None) -> Period:
    """:raise ValidationError: naming ``period`` unless it is ``YYYY`` or ``YYYY-Qn``."""
    text = (text or "").strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        if 1900 < year < 3000:
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
            return Period(text, start, end)
    if (match := _YEAR.match(text)) and 1900 < int(match[1]) < 3000:
        year = int(match[1])
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    raise ValidationError({"period": _("A period is a year (2026) or a quarter (2026-Q4).")})


def current_period(today: date) -> Period:
    """The quarter ``today`` falls in."""
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
