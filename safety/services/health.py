"""What a load balancer and an operator need to know, cheaply: is the
database there, is its schema the code's, when did reminders last run and
how much email waits."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from safety.extensions import db
from safety.models import EmailStatus, JobRun, OutboxEmail

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
REMINDER_JOB = "reminders.daily"


@cache
def code_heads() -> frozenset[str]:
    """The Alembic head revision(s) this code ships (read once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_revisions() -> frozenset[str]:
    """The revisions stamped in the database; empty when never migrated."""
    if not sa.inspect(db.session.connection()).has_table("alembic_version"):
        return frozenset()
    return frozenset(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))


def last_reminder_pass() -> dict[str, Any] | None:
    run = db.session.scalar(
        sa.select(JobRun).where(JobRun.job_id == REMINDER_JOB).order_by(JobRun.claimed_at.desc())
    )
    if run is None:
        return None
    return {
        "slot": run.slot,
        "started_at": run.claimed_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "summary": run.summary,
    }


def outbox_backlog(now: datetime) -> dict[str, Any]:
    """Queued emails and the age in seconds of the oldest (0 when none)."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(OutboxEmail.id), sa.func.min(OutboxEmail.created_at)).where(
            OutboxEmail.status == EmailStatus.QUEUED
        )
    ).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return {"queued": int(count), "oldest_age_seconds": round(age, 1)}


def health_report(now: datetime) -> tuple[dict[str, Any], bool]:
    """(the report, whether the database answered). Never raises for a lost database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        revisions = database_revisions()
        report = {
            "status": "ok",
            "database": True,
            "migrations": {
                "current": revisions == code_heads(),
                "database": sorted(revisions),
                "code": sorted(code_heads()),
            },
            "last_reminder_pass": last_reminder_pass(),
            "outbox": outbox_backlog(now),
        }
        db.session.rollback()
    except (OperationalError, PoolTimeout) as error:
        db.session.rollback()
        return {"status": "unavailable", "database": False, "error": type(error).__name__}, False
    if not report["migrations"]["current"]:
        report["status"] = "migrations_pending"
    return report, True


def metric_figures(now: datetime) -> dict[str, Any]:
    """Outbox depth and age, and scheduler runs per job, for /metrics."""
    backlog = outbox_backlog(now)
    rows = db.session.execute(
        sa.select(
            JobRun.job_id, sa.func.count(JobRun.id), sa.func.max(JobRun.finished_at)
        ).group_by(JobRun.job_id)
    ).all()
    db.session.rollback()
    return {
        "outbox_queued": backlog["queued"],
        "outbox_oldest_age_seconds": backlog["oldest_age_seconds"],
        "jobs": {job: (int(count), finished) for job, count, finished in rows},
    }
