"""Pre-aggregated hazard figures for the reports (安全生产统计), kept by
:mod:`safety.services.reports.tallies` in the transaction of every hazard change.

A hazard adds deltas: +1 on the day it is found, closed, enters a state or
becomes k days overdue, -1 on the day it leaves that state. A figure as of a
day is the sum of deltas up to that day: one row per month for whole months,
one row per day for the rest, so a report reads a few thousand rows however
many hazards there are. ``cohort`` is the first day of the month the hazard
was found in, for the figures about "hazards found in the period"
(``NO_COHORT`` for the others).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from safety.models.base import Base

#: The cohort of the figures that are not about a found-month cohort.
NO_COHORT = date(1, 1, 1)


class _Tally:
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    cohort: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    #: Money (the 五定 funds) where the kind carries it, else 0.
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0"))


class HazardTallyMonth(_Tally, Base):
    """The deltas of one month (``month`` is its first day)."""

    __tablename__ = "hazard_tally_months"
    month: Mapped[date] = mapped_column(primary_key=True)
    __table_args__ = (sa.Index("ix_hazard_tally_months_month", "month", "cohort"),)


class HazardTallyDay(_Tally, Base):
    """The deltas of one day (the same deltas as the month rows, finer)."""

    __tablename__ = "hazard_tally_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    __table_args__ = (sa.Index("ix_hazard_tally_days_day", "day", "cohort"),)


#: The deadline of a count row whose hazards cannot be overdue (not in
#: rectification, or without a deadline): later than any today.
NEVER_DUE = date(9999, 12, 31)


class HazardStatusCount(Base):
    """How many hazards of a unit are in each status now, kept like the tallies.

    Hazards in rectification are counted per deadline (the others under
    :data:`NEVER_DUE`), so "overdue today" is the rows before today: the
    register's and My work's counts read a few rows per unit (bounded by the
    open deadlines) instead of every hazard of the units.
    """

    __tablename__ = "hazard_status_counts"
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    deadline: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
