"""Scheduled jobs, declared as data, and the two ways of running them.

- ``flask scheduler run`` → :func:`run_scheduler_forever` (its own process);
- ``flask serve`` with ``SCHEDULER_ENABLED`` → :func:`start_background_scheduler`.

Nothing here runs at import, from ``create_app``, in tests or per worker.
APScheduler's job store is per process, so exactly-once is a property of
the data instead: every run first claims its (job id, slot) in ``JobRun``
with ``INSERT … ON CONFLICT DO NOTHING``; only the process that inserted the
row runs the slot. The reminder pass also claims each (person, date) digest
and the outbox leases each email, so even a run that slips past a claim
cannot send anything twice.

APScheduler forgets missed runs across restarts (its next fire time is
computed from "now"), so at start the reminder job's first run is "now"
when today's slot time has already passed: today's claim makes that
harmless when the slot did run.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from safety import clock

log = logging.getLogger(__name__)


def reminder_time(app: Flask) -> time:
    """``REMINDER_TIME`` ("HH:MM" in TIMEZONE)."""
    hours, _sep, minutes = str(app.config.get("REMINDER_TIME", "08:00")).partition(":")
    return time(int(hours), int(minutes or 0))


def _daily_slot(app: Flask, now: datetime) -> str | None:
    """Today's local date once today's reminder time has come, else no slot."""
    local = now.astimezone(clock.tz())
    if local.time() < reminder_time(app):
        return None
    return local.date().isoformat()


def _minute_slot(app: Flask, now: datetime) -> str | None:
    return now.strftime("%Y-%m-%dT%H:%MZ")


#: Records a step of the running job on its claim (set by :func:`run_job`).
_progress: ContextVar[Callable[[str], None] | None] = ContextVar("job_progress", default=None)


def _run_reminder_pass(now: datetime) -> str:
    from safety.services.job_claims import prune_job_runs
    from safety.services.reminders import run_reminders

    summary = run_reminders(now=now, progress=_progress.get())
    prune_job_runs("outbox.flush", before=now - timedelta(days=2))
    return summary.line()


def _run_flush(now: datetime) -> str:
    from safety.services.outbox import flush_outbox

    return flush_outbox(now=now).line()


def _anchor_audit_head(now: datetime) -> str:
    """Write the audit chain's head to the log once a day (issue 14: anchored outside
    the database, for ``audit verify --expect``)."""
    from safety.services.audit import anchor_line

    return anchor_line()


def _refresh_statistics(now: datetime) -> str:
    """SQLite's planner statistics, once a day (and at the first start)."""
    from safety.services.maintenance import refresh_statistics

    return refresh_statistics()


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: a stable id, when it fires, what a run is, its slot."""

    id: str
    trigger: Callable[[Flask], BaseTrigger]
    run: Callable[[datetime], str]
    slot: Callable[[Flask, datetime], str | None]
    misfire_grace_time: int
    #: Also run at scheduler start when the slot has passed (catch-up).
    catch_up: bool = False
    #: After each run, take over that job's current slot if its claim was
    #: abandoned (a killed process): the day is not lost until a restart.
    resumes: str | None = None


def _daily_trigger(app: Flask) -> BaseTrigger:
    at = reminder_time(app)
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=clock.tz())


def _every_minute(app: Flask) -> BaseTrigger:
    return CronTrigger(second=0, timezone=clock.tz())


JOBS: list[JobSpec] = [
    JobSpec(
        id="reminders.daily",
        trigger=_daily_trigger,
        run=_run_reminder_pass,
        slot=_daily_slot,
        misfire_grace_time=6 * 3600,
        catch_up=True,
    ),
    JobSpec(
        id="audit.anchor",
        trigger=_daily_trigger,
        run=_anchor_audit_head,
        slot=_daily_slot,
        misfire_grace_time=6 * 3600,
        catch_up=True,
    ),
    JobSpec(
        id="outbox.flush",
        trigger=_every_minute,
        run=_run_flush,
        slot=_minute_slot,
        misfire_grace_time=50,
        resumes="reminders.daily",
    ),
    JobSpec(
        id="db.statistics",
        trigger=_daily_trigger,
        run=_refresh_statistics,
        slot=_daily_slot,
        misfire_grace_time=6 * 3600,
        catch_up=True,
    ),
]
JOBS_BY_ID = {job.id: job for job in JOBS}


def process_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def run_job(app: Flask, job_id: str, *, now: datetime | None = None) -> str | None:
    """Run one slot of ``job_id`` unless another process claimed it; the summary or None.

    Errors are logged and the slot released (so a later start may retry it);
    they never reach the scheduler thread. A job that ``resumes`` another
    then takes over that job's abandoned claim, if any.
    """
    spec = JOBS_BY_ID[job_id]
    with app.app_context():
        now = now or clock.now()
        summary = _run_slot(app, spec, now)
        resume = spec.resumes is not None and _abandoned(app, spec.resumes, now)
    if resume:
        run_job(app, spec.resumes, now=now)
    return summary


def _abandoned(app: Flask, job_id: str, now: datetime) -> bool:
    from safety.extensions import db
    from safety.services.job_claims import abandoned_job_slot

    slot = JOBS_BY_ID[job_id].slot(app, now)
    try:
        return slot is not None and abandoned_job_slot(job_id, slot)
    except Exception:
        log.exception("%s: could not check for an abandoned claim", job_id)
        return False
    finally:
        db.session.remove()


def _run_slot(app: Flask, spec: JobSpec, now: datetime) -> str | None:
    from safety.extensions import db
    from safety.services.job_claims import (
        claim_job_slot,
        finish_job_slot,
        record_job_progress,
        release_job_slot,
    )

    job_id = spec.id
    slot = spec.slot(app, now)
    if slot is None:
        return None
    owner = process_name()
    try:
        if not claim_job_slot(job_id, slot, owner=owner, now=now):
            log.info("%s %s: claimed by another process", job_id, slot)
            return None
        token = _progress.set(
            lambda step: record_job_progress(job_id, slot, owner=owner, step=step)
        )
        try:
            summary = spec.run(now)
        except Exception:
            log.exception("%s %s failed", job_id, slot)
            release_job_slot(job_id, slot)
            return None
        finally:
            _progress.reset(token)
        finish_job_slot(job_id, slot, summary=summary, now=clock.now())
        log.info("%s %s: %s", job_id, slot, summary)
        return summary
    except Exception:
        log.exception("%s %s: could not claim or record the slot", job_id, slot)
        return None
    finally:
        db.session.remove()


def schedule_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Add every job of ``JOBS`` (idempotent: stable ids, replace_existing).

    A job with ``catch_up`` whose slot time has passed today (missed while
    the scheduler was down?) gets its first run now instead of tomorrow;
    the slot claim makes that a no-op when the slot did run.
    """
    with app.app_context():
        now = clock.now()
        for spec in JOBS:
            first_run: dict[str, Any] = {}
            if spec.catch_up and spec.slot(app, now) is not None:
                first_run["next_run_time"] = now
            scheduler.add_job(
                run_job,
                trigger=spec.trigger(app),
                args=(app, spec.id),
                id=spec.id,
                name=spec.id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=spec.misfire_grace_time,
                **first_run,
            )


def build_scheduler(app: Flask, cls: type[BaseScheduler] = BackgroundScheduler) -> Any:
    """A scheduler of ``cls`` in TIMEZONE with ``JOBS`` added (not started)."""
    with app.app_context():
        scheduler = cls(timezone=clock.tz(), job_defaults={"coalesce": True, "max_instances": 1})
    schedule_jobs(scheduler, app)
    return scheduler


def start_background_scheduler(app: Flask) -> BackgroundScheduler:
    """For the serving process only (``flask serve``); call once per process."""
    scheduler = build_scheduler(app)
    scheduler.start()
    return scheduler


def run_scheduler_forever(app: Flask) -> None:
    """Run in the foreground until SIGTERM or SIGINT; a running job is let finish.

    Why no signal handler: one runs in the main thread between any two
    bytecodes, possibly while the scheduler holds its executor's lock, and
    ``shutdown()`` from there deadlocks. Instead the signals are blocked in
    every thread and a watcher thread takes them with ``sigwait`` and shuts
    the scheduler down from ordinary code.
    """
    scheduler: BlockingScheduler = build_scheduler(app, BlockingScheduler)
    signals = {signal.SIGTERM, signal.SIGINT}
    use_sigwait = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")
    if use_sigwait:
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)  # inherited by every thread

        def watch() -> None:
            signum = signal.sigwait(signals)
            log.info("scheduler stopping (signal %s)", signum)
            scheduler.shutdown(wait=True)

    else:  # pragma: no cover - platforms without sigwait (Windows)
        for signum in signals:
            signal.signal(signum, lambda *_args: scheduler.shutdown(wait=False))

    def started(_event: Any) -> None:
        # Running now: a signal (pending since, if it came early) can stop it.
        if use_sigwait:
            threading.Thread(target=watch, name="scheduler-signals", daemon=True).start()
        names = ", ".join(spec.id for spec in JOBS)
        print(f"scheduler running: {names}; stop with Ctrl+C", file=sys.stderr, flush=True)

    scheduler.add_listener(started, EVENT_SCHEDULER_START)
    try:
        scheduler.start()
    finally:
        if use_sigwait:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
