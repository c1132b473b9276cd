"""``make serve``'s script: migrations, gunicorn workers and one scheduler in
one process group that a SIGTERM stops together (contract §9)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the serving script ended early"
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)  # a process starting up: polling, not timing a test
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _group_members(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _commands(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            out.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return out


def test_serve_runs_workers_and_a_scheduler_and_stops_together(repo_root, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "BIN": str(Path(sys.executable).parent),
        "PORT": str(port),
        "WORKERS": "2",
        "SAFETY_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serve.db'}",
        "SAFETY_SECRET_KEY": "serve-test",
        "SAFETY_MAIL_PORT": "9",
        "SAFETY_METRICS_ENABLED": "true",
        "METRICS_DIR": str(tmp_path / "metrics"),
    }
    env.pop("SAFETY_BASE_URL", None)
    process = subprocess.Popen(
        [str(repo_root / "scripts" / "serve")],
        cwd=repo_root,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    pgid = process.pid
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        health = json.loads(body)
        assert health["database"] is True
        assert health["migrations"]["current"] is True, health
        status, body = _get(f"http://127.0.0.1:{port}/login")
        assert status == 200
        assert b"csrf_token" in body
        for _ in range(3):  # requests land on either worker; metrics add them up
            _get(f"http://127.0.0.1:{port}/login")
        status, body = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        count = next(
            line
            for line in body.decode().splitlines()
            if line.startswith("safety_request_duration_seconds_count")
            and 'endpoint="auth.login"' in line
        )
        assert float(count.split()[-1]) >= 4
        commands = _commands(_group_members(pgid))
        assert sum("gunicorn" in c for c in commands) == 3, commands  # master + 2 workers
        assert sum("scheduler run" in c for c in commands) == 1, commands
        assert not any("werkzeug" in c or " serve --port" in c for c in commands)
    finally:
        os.killpg(pgid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            raise
    output = process.stdout.read().decode(errors="replace")
    assert _group_members(pgid) == [], output
    assert "Running on" not in output  # no development server banner
