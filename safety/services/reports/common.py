"""Constants and SQL pieces every report shares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardLevel,
    HazardStatus,
)
from safety.services.overdue import RESOLVED_STATES

if TYPE_CHECKING:  # periods imports this module
    from safety.services.reports.periods import Scope

#: Ageing buckets of overdue hazards: (key, first day, last day or None).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-3", 1, 3),
    ("4-7", 4, 7),
    ("8-30", 8, 30),
    (">30", 31, None),
)


#: Hazard states in display order (void is counted apart).
STATES = ("reported", "rectifying", "pending_verification", "closed")


OPEN_STATES = ("reported", "rectifying", "pending_verification")


LEVELS = (HazardLevel.GENERAL.value, HazardLevel.MAJOR.value)


#: Months in the dashboard's trend.
TREND_MONTHS = 12


#: Longest period a report accepts, days (ten years).
MAX_PERIOD_DAYS = 3660


#: Target metrics the reports can measure, and whether higher is better.
TARGET_METRICS: dict[str, bool] = {
    "rectification_rate": True,
    "on_time_rate": True,
    "overdue_hazards": False,
    "open_major_hazards": False,
}


#: The fields of a major hazard's 治理方案.
PLAN_FIELDS = ("objective", "methods", "resources", "organisation", "schedule", "safety_measures")


_VOID = HazardStatus.VOID


_CLOSED = HazardStatus.CLOSED


_PENDING = HazardStatus.PENDING_VERIFICATION


def _local_date_sql(column: Any, tz: ZoneInfo) -> Any:
    """``column`` (a UTC instant) as a local date in SQL.

    PostgreSQL converts exactly; SQLite has no time zones, so the zone's offset
    is applied (exact for zones without daylight saving, such as Asia/Shanghai).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(tz.key, column), sa.Date)
    offset = datetime(2000, 1, 15, tzinfo=tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return sa.func.date(column, f"{minutes:+d} minutes")


def _state_at(instant: datetime) -> Any:
    """SQL: the hazard's state at ``instant`` (see the module docstring)."""
    return sa.case(
        (Hazard.closed_at < instant, "closed"),
        (
            sa.and_(
                Hazard.submitted_at < instant,
                Hazard.status.in_(RESOLVED_STATES),
            ),
            "pending_verification",
        ),
        (Hazard.assigned_at < instant, "rectifying"),
        else_="reported",
    )


def _count(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _in_scope(scope: Scope) -> Any:
    if scope.unit is None:
        return sa.true()
    return Hazard.unit_id.in_(scope.unit_ids)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in [0, 1], or None when there is nothing to divide."""
    return numerator / denominator if denominator else None
