"""Hazard numbers (YH-2026-0001): one counter row per year, bumped atomically."""

from __future__ import annotations

import sqlalchemy as sa

from safety.extensions import db
from safety.models import HazardCounter
from safety.services.db import insert_or_ignore


def next_number(year: int) -> tuple[int, str]:
    """Claim the next sequence number of ``year`` (atomic across processes).

    The year row is created if missing, then bumped with one UPDATE that
    reads back the new value, so two reporters never get the same number.
    """
    insert_or_ignore(HazardCounter, {"year": year, "last": 0}, ["year"])
    seq = db.session.execute(
        sa.update(HazardCounter)
        .where(HazardCounter.year == year)
        .values(last=HazardCounter.last + 1)
        .returning(HazardCounter.last),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return seq, f"YH-{year}-{seq:04d}"
