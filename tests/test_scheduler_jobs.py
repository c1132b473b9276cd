"""The scheduler: jobs as data, one run per slot across processes, catch-up."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from safety import jobs
from safety.extensions import db
from safety.models import JobRun, ReminderDigest
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import NOW, TODAY, rectifying


@pytest.fixture
def holder(app: Any) -> Any:
    post = builders.make_post()
    user = builders.make_holder(post, email="holder@example.com")
    rectifying(post, deadline=TODAY)
    return user


def test_jobs_are_declared_with_stable_ids_and_safe_options(app: Any) -> None:
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    with time_machine.travel(datetime(2026, 3, 12, 7, 0, tzinfo=jobs_tz(app)), tick=False):
        jobs.schedule_jobs(scheduler, app)
        jobs.schedule_jobs(scheduler, app)  # again: replaced, not doubled
    by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(by_id) == {"reminders.daily", "audit.anchor", "outbox.flush", "db.statistics"}
    daily = by_id["reminders.daily"]
    assert str(daily.trigger) == "cron[hour='8', minute='0']"
    assert str(daily.trigger.timezone) == "Asia/Shanghai"
    for job in by_id.values():
        assert job.coalesce is True
        assert job.max_instances == 1
    assert daily.misfire_grace_time >= 3600


def test_the_daily_anchor_logs_the_audit_head_once_a_day(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14: the chain's head is written outside the database every day."""
    from safety.services.audit import record

    unit = builders.make_unit()
    record(None, "unit.update", unit, {}, now=datetime(2026, 3, 12, 1, 0, tzinfo=UTC))
    db.session.commit()
    at = datetime(2026, 3, 12, 8, 30, tzinfo=jobs_tz(app))
    with caplog.at_level("INFO", logger="safety.services.audit"):
        first = jobs.run_job(app, "audit.anchor", now=at)
        second = jobs.run_job(app, "audit.anchor", now=at)
    assert first is not None and first.startswith("audit head: entry ")
    assert second is None  # one slot a day
    lines = [r.getMessage() for r in caplog.records if r.name == "safety.services.audit"]
    assert lines == [first]


def test_the_daily_statistics_job_gives_sqlite_its_planner_statistics(app: Any) -> None:
    """SQLite gathers no statistics by itself (issue 13: without them a status
    filter at 100k hazards sorted every hit: 123 ms instead of 7)."""
    builders.make_hazard("reported")
    at = datetime(2026, 3, 12, 8, 30, tzinfo=jobs_tz(app))
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
    line = jobs.run_job(app, "db.statistics", now=at)
    if not sqlite:
        assert line == "statistics: kept by autovacuum"
        return
    assert line == "statistics: analysed"
    with db.engine.connect() as conn:
        indexes = {row[0] for row in conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
    assert "ix_hazards_found_on" in indexes
    assert jobs.run_job(app, "db.statistics", now=at) is None  # one slot a day


def jobs_tz(app: Any) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.config["TIMEZONE"])


def test_reminder_time_is_configurable(config: dict, app: Any) -> None:
    app.config["REMINDER_TIME"] = "07:30"
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    with time_machine.travel(datetime(2026, 3, 12, 6, 0, tzinfo=jobs_tz(app)), tick=False):
        jobs.schedule_jobs(scheduler, app)
    [daily] = [j for j in scheduler.get_jobs() if j.id == "reminders.daily"]
    assert str(daily.trigger) == "cron[hour='7', minute='30']"


def test_a_slot_runs_once_however_many_schedulers_claim_it(
    smtp: SmtpServer, app: Any, holder: Any
) -> None:
    db.session.commit()
    db.session.remove()
    results: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(jobs.run_job(app, "reminders.daily", now=NOW))
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0].startswith("reminders 2026-03-12")
    assert jobs.run_job(app, "reminders.daily", now=NOW + timedelta(hours=2)) is None
    runs = db.session.scalars(sa.select(JobRun)).all()
    assert [(r.job_id, r.slot) for r in runs] == [("reminders.daily", "2026-03-12")]
    assert runs[0].finished_at is not None and runs[0].summary == ran[0]
    assert len(smtp.to("holder@example.com")) == 1


def test_no_slot_before_the_reminder_time(app: Any, holder: Any) -> None:
    early = datetime(2026, 3, 12, 7, 59, tzinfo=jobs_tz(app)).astimezone(UTC)
    assert jobs.run_job(app, "reminders.daily", now=early) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_a_failed_run_gives_its_slot_back(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(now: datetime) -> str:
        raise RuntimeError("database went away")

    spec = jobs.JOBS_BY_ID["reminders.daily"]
    monkeypatch.setitem(
        jobs.JOBS_BY_ID,
        "reminders.daily",
        jobs.JobSpec(spec.id, spec.trigger, boom, spec.slot, spec.misfire_grace_time, True),
    )
    assert jobs.run_job(app, "reminders.daily", now=NOW) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def _run_scheduler_until(app: Any, job_id: str) -> list[Any]:
    """Start a background scheduler and stop it once ``job_id`` has run once."""
    done = threading.Event()
    seen: list[Any] = []

    def listener(event: Any) -> None:
        if event.job_id == job_id:
            seen.append(event)
            done.set()

    scheduler = jobs.build_scheduler(app)
    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert done.wait(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
    assert [e.exception for e in seen] == [None]
    return seen


def test_scheduler_catches_up_a_missed_slot_at_start(
    smtp: SmtpServer, app: Any, holder: Any
) -> None:
    db.session.commit()
    db.session.remove()
    # Started at 10:00, two hours after today's 08:00 slot.
    with time_machine.travel(NOW, tick=True):
        _run_scheduler_until(app, "reminders.daily")
    assert db.session.scalar(sa.select(JobRun.slot).where(JobRun.job_id == "reminders.daily")) == (
        "2026-03-12"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderDigest)) == 1
    assert len(smtp.to("holder@example.com")) == 1


def test_a_second_start_the_same_day_sends_nothing_more(
    smtp: SmtpServer, app: Any, holder: Any
) -> None:
    db.session.commit()
    db.session.remove()
    assert jobs.run_job(app, "reminders.daily", now=NOW) is not None
    with time_machine.travel(NOW + timedelta(hours=1), tick=True):
        _run_scheduler_until(app, "reminders.daily")
    assert len(smtp.to("holder@example.com")) == 1


@pytest.mark.parametrize(("hour", "catch_up"), [(7, False), (9, True)])
def test_catch_up_only_once_today_s_slot_time_has_passed(
    app: Any, hour: int, catch_up: bool
) -> None:
    start = datetime(2026, 3, 12, hour, 0, tzinfo=jobs_tz(app))
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    with time_machine.travel(start, tick=False):
        jobs.schedule_jobs(scheduler, app)
    [daily] = [job for job in scheduler.get_jobs() if job.id == "reminders.daily"]
    assert (getattr(daily, "next_run_time", None) == start) is catch_up


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _abandoned_claim(owner: str, beat: datetime) -> None:
    db.session.add(
        JobRun(
            job_id="reminders.daily",
            slot="2026-03-12",
            claimed_by=owner,
            claimed_at=NOW,
            heartbeat_at=beat,
            progress="claimed",
        )
    )
    db.session.commit()
    db.session.remove()


def test_a_scheduler_killed_after_claiming_the_day_does_not_lose_it(
    smtp: SmtpServer, app: Any, holder: Any
) -> None:
    """Killed (here: its process is gone) before writing a digest: the next start runs the day."""
    from safety import clock

    _abandoned_claim(f"{jobs.process_name().rpartition(':')[0]}:{_dead_pid()}", clock.now())
    summary = jobs.run_job(app, "reminders.daily", now=NOW + timedelta(minutes=5))
    assert summary is not None and summary.startswith("reminders 2026-03-12")
    assert len(smtp.to("holder@example.com")) == 1
    run = db.session.scalar(sa.select(JobRun))
    assert run.finished_at is not None and run.progress == "finished"
    assert jobs.run_job(app, "reminders.daily", now=NOW + timedelta(hours=1)) is None


def test_a_stale_claim_of_another_machine_is_taken_over_by_the_next_pass(
    smtp: SmtpServer, app: Any, holder: Any
) -> None:
    from safety import clock

    real_now = clock.now()
    _abandoned_claim("elsewhere:4242", real_now - timedelta(minutes=2))
    # A live claim (a recent sign of life) is left alone.
    assert jobs.run_job(app, "reminders.daily", now=NOW) is None
    jobs.run_job(app, "outbox.flush", now=NOW + timedelta(minutes=1))
    assert smtp.to("holder@example.com") == []
    # Ten minutes without a sign of life: the next minute's flush takes the day over.
    with time_machine.travel(real_now + timedelta(minutes=15), tick=True):
        jobs.run_job(app, "outbox.flush", now=NOW + timedelta(minutes=15))
    assert len(smtp.to("holder@example.com")) == 1
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job_id == "reminders.daily"))
    assert run.finished_at is not None and run.claimed_by != "elsewhere:4242"
