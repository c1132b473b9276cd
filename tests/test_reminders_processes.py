"""Real processes: four passes started together, and a scheduler stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import EmailStatus, OutboxEmail, ReminderDigest
from tests import builders
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")
from tests.test_reminders_rules import TODAY, rectifying

pytestmark = pytest.mark.slow


def _env(app: Any, smtp: SmtpServer) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SAFETY_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SAFETY_SECRET_KEY": "test-secret",
            "SAFETY_MAIL_SERVER": "127.0.0.1",
            "SAFETY_MAIL_PORT": str(smtp.port),
            "SAFETY_MAIL_TIMEOUT": "5",
            "SAFETY_BASE_URL": app.config["BASE_URL"],
            "SAFETY_SCHEDULER_ENABLED": "false",
        }
    )
    return env


def _flask(repo_root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def test_four_passes_started_together_send_each_digest_once(
    smtp: SmtpServer, app: Any, repo_root: Path
) -> None:
    boss_post = builders.make_post()
    boss = builders.make_holder(boss_post, email="boss@example.com")
    people = []
    for i in range(8):
        post = builders.make_post(superior=boss_post)
        people.append(builders.make_holder(post, email=f"p{i}@example.com"))
        rectifying(post, deadline=TODAY - timedelta(days=i))
    emails = [p.email for p in [*people, boss]]
    db.session.commit()
    db.session.remove()  # no lock held while the processes run

    procs = [
        subprocess.Popen(
            _flask(repo_root, "reminders", "run", "--now", "2026-03-12T10:00:00+08:00"),
            cwd=repo_root,
            env=_env(app, smtp),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.startswith("reminders 2026-03-12: 9 recipients, 8 hazards"), out
    assert sum(int(out.split(", ")[3].split()[0]) for out, _err in outputs) == 9  # queued

    for email in emails:
        assert len(smtp.to(email)) == 1, email
    assert len(smtp.messages) == 9
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderDigest)) == 9
    statuses = db.session.scalars(sa.select(OutboxEmail.status)).all()
    assert statuses == [EmailStatus.SENT] * 9


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_scheduler_process_stops_cleanly_on_a_signal(
    smtp: SmtpServer, app: Any, repo_root: Path, signum: int
) -> None:
    db.session.commit()
    db.session.remove()
    proc = subprocess.Popen(
        _flask(repo_root, "scheduler", "run"),
        cwd=repo_root,
        env=_env(app, smtp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        assert line.startswith("scheduler running: reminders.daily, audit.anchor, outbox.flush"), (
            line
        )
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)  # drains the pipes while it stops
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
