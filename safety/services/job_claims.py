"""Scheduler slot claims: exactly once per (job, slot) across processes and machines.

The first process to insert the (job, slot) row of ``JobRun`` runs the slot
(``INSERT … ON CONFLICT DO NOTHING``). A run records its progress on the
claim; a claim that never finished and shows no sign of life is taken over
by the next start or pass, so a killed scheduler does not lose the day.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from safety import clock
from safety.extensions import db
from safety.models import JobRun

log = logging.getLogger(__name__)


def _insert(table: sa.Table) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


#: An unfinished claim with no sign of life for this long was abandoned (its
#: process killed): the next start or pass takes it over. Taking over a run
#: that was merely slow is harmless: digests and emails are claimed per row.
STALE_CLAIM = timedelta(minutes=10)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _abandoned(claimed_by: str, beat: datetime, real_now: datetime) -> bool:
    """Stale, or held by a process of this machine that no longer exists."""
    if beat < real_now - STALE_CLAIM:
        return True
    host, _sep, pid = claimed_by.rpartition(":")
    return (
        host == socket.gethostname()[:60]
        and pid.isdigit()
        and int(pid) != os.getpid()
        and not _process_alive(int(pid))
    )


def claim_job_slot(job_id: str, slot: str, *, owner: str, now: datetime) -> bool:
    """True when this process is the one to run ``job_id`` for ``slot``.

    The first to insert the (job, slot) row runs it; a claim that never
    finished and shows no sign of life (:func:`_abandoned`) is taken over.
    ``RETURNING`` tells whether the row was inserted: with psycopg the
    rowcount of ``INSERT … ON CONFLICT DO NOTHING`` is -1 either way.
    Heartbeats are on the real clock, whatever ``now`` the run is for.
    """
    runs = JobRun.__table__
    real_now = clock.now()
    inserted = db.session.execute(
        _insert(runs)
        .values(
            job_id=job_id,
            slot=slot,
            claimed_by=owner[:128],
            claimed_at=now,
            heartbeat_at=real_now,
            progress="claimed",
        )
        .on_conflict_do_nothing(index_elements=["job_id", "slot"])
        .returning(runs.c.id)
    ).scalar_one_or_none()
    if inserted is None:
        inserted = _take_over(job_id, slot, owner=owner, now=now, real_now=real_now)
    db.session.commit()
    return inserted is not None


def _take_over(
    job_id: str, slot: str, *, owner: str, now: datetime, real_now: datetime
) -> int | None:
    row = db.session.execute(
        sa.select(JobRun.id, JobRun.claimed_by, JobRun.claimed_at, JobRun.heartbeat_at).where(
            JobRun.job_id == job_id, JobRun.slot == slot, JobRun.finished_at.is_(None)
        )
    ).first()
    if row is None or not _abandoned(row.claimed_by, row.heartbeat_at or row.claimed_at, real_now):
        return None
    taken = db.session.execute(
        sa.update(JobRun)
        .where(
            JobRun.id == row.id,
            JobRun.finished_at.is_(None),
            JobRun.claimed_by == row.claimed_by,
        )
        .values(
            claimed_by=owner[:128],
            claimed_at=now,
            heartbeat_at=real_now,
            progress=f"taken over from {row.claimed_by}"[:64],
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    log.warning("%s %s: taken over from %s (abandoned)", job_id, slot, row.claimed_by)
    return row.id


def abandoned_job_slot(job_id: str, slot: str) -> bool:
    """True when ``slot`` of ``job_id`` was claimed, never finished and was abandoned."""
    row = db.session.execute(
        sa.select(JobRun.claimed_by, JobRun.claimed_at, JobRun.heartbeat_at).where(
            JobRun.job_id == job_id, JobRun.slot == slot, JobRun.finished_at.is_(None)
        )
    ).first()
    db.session.commit()
    return row is not None and _abandoned(
        row.claimed_by, row.heartbeat_at or row.claimed_at, clock.now()
    )


def record_job_progress(job_id: str, slot: str, *, owner: str, step: str) -> None:
    """A sign of life and the step reached, committed at once."""
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.slot == slot, JobRun.claimed_by == owner[:128])
        .values(heartbeat_at=clock.now(), progress=step[:64])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def finish_job_slot(job_id: str, slot: str, *, summary: str, now: datetime) -> None:
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.slot == slot)
        .values(finished_at=now, summary=summary[:4000], progress="finished")
    )
    db.session.commit()


def release_job_slot(job_id: str, slot: str) -> None:
    """A run that crashed gives its slot back, so a later start can retry it."""
    db.session.rollback()
    db.session.execute(sa.delete(JobRun).where(JobRun.job_id == job_id, JobRun.slot == slot))
    db.session.commit()


def prune_job_runs(job_id: str, *, before: datetime) -> None:
    db.session.execute(sa.delete(JobRun).where(JobRun.job_id == job_id, JobRun.claimed_at < before))
    db.session.commit()
