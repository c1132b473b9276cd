"""Two app processes and two schedulers on one PostgreSQL database with
shared object storage (moto's S3 server): a photo uploaded through one is
served by the other, failed sign-ins count across both, and reminders go
out once. Skipped without ``SAFETY_TEST_DATABASE_URI``."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import sqlalchemy as sa
from PIL import Image

from tests.conftest import _create_pg_database, _drop_pg_database
from tests.smtp import SmtpServer, free_port, smtp_fixture  # noqa: F401  (fixture "smtp")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("SAFETY_TEST_DATABASE_URI"), reason="needs PostgreSQL"),
]
BUCKET = "two-instances"
PASSWORD = "correct horse 1"
MAX_FAILURES = 4


@pytest.fixture(scope="module")
def pg_uri() -> Iterator[str]:
    uri, handle = _create_pg_database(os.environ["SAFETY_TEST_DATABASE_URI"])
    yield uri
    _drop_pg_database(handle)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _env(pg_uri: str, s3: str, smtp: SmtpServer, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_")}
    env.update(
        {
            "SAFETY_SQLALCHEMY_DATABASE_URI": pg_uri,
            "SAFETY_SECRET_KEY": "two-instances",
            "SAFETY_STORAGE_BACKEND": "s3",
            "SAFETY_S3_BUCKET": BUCKET,
            "SAFETY_S3_ENDPOINT_URL": s3,
            "SAFETY_S3_ACCESS_KEY_ID": "k",
            "SAFETY_S3_SECRET_ACCESS_KEY": "s",
            "SAFETY_UPLOAD_FOLDER": str(cache),
            "SAFETY_MAIL_SERVER": "127.0.0.1",
            "SAFETY_MAIL_PORT": str(smtp.port),
            "SAFETY_LOGIN_FREE_FAILURES": str(MAX_FAILURES),
            "SAFETY_REMINDER_TIME": "00:00",  # today's pass is due at start
        }
    )
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _wait_up(url: str, procs: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), "a process ended early"
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)  # processes starting: polling, not timing the test
    raise AssertionError(f"{url} did not come up")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def _sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session.get(f"{base}/login", timeout=10).text)
    answer = session.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def _api(base: str, email: str) -> dict[str, str]:
    answer = requests.post(
        f"{base}/api/v1/tokens", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _organisation(base: str, flask_env: dict[str, str], repo_root: Path) -> dict[str, Any]:
    """An admin, a unit, a post with a holder, a hazard due today assigned to the post."""
    created = subprocess.run(
        [
            _bin("flask"),
            "--app",
            "wsgi",
            "users",
            "create",
            "--email",
            "admin@example.com",
            "--name",
            "Admin",
            "--password",
            PASSWORD,
            "--admin",
        ],
        cwd=repo_root,
        env=flask_env,
        capture_output=True,
        text=True,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    auth = _api(base, "admin@example.com")

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{base}/api/v1{path}", json=body, headers=auth, timeout=30)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()

    unit = post("/units", {"name": "Plant", "code": "PLANT"})
    boss = post("/posts", {"title": "Head", "unit_id": unit["id"], "level": "decision"})
    worker = post(
        "/posts",
        {
            "title": "Fitter",
            "unit_id": unit["id"],
            "level": "operation",
            "superior_post_id": boss["id"],
        },
    )
    holder = post("/users", {"email": "fitter@example.com", "name": "Fitter", "password": PASSWORD})
    post(f"/posts/{worker['id']}/holders", {"user_id": holder["id"], "start_date": "2020-01-01"})
    post("/responsibilities", {"post_id": boss["id"], "unit_id": unit["id"], "kind": "main"})
    hazard = post("/hazards", {"title": "Loose guard", "unit_id": unit["id"], "level": "general"})
    today = datetime.now().astimezone().date().isoformat()  # noqa: DTZ005 - the host's date
    post(
        f"/hazards/{hazard['id']}/assign",
        {
            "version": hazard["version"],
            "accountable_post_id": worker["id"],
            "deadline": (datetime.fromisoformat(today) + timedelta(days=2)).date().isoformat(),
            "measures": "Fix it",
            "funds": 0,
            "contingency_plan": "Stop the line",
        },
    )
    return {"unit": unit, "holder": holder}


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_two_instances_share_photos_throttling_and_reminders(
    pg_uri, s3_endpoint, smtp, tmp_path, repo_root
):
    envs = [_env(pg_uri, s3_endpoint, smtp, tmp_path / f"cache-{i}") for i in (0, 1)]
    subprocess.run(
        [_bin("flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=repo_root,
        env=envs[0],
        check=True,
        capture_output=True,
    )
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    procs: list[subprocess.Popen] = []
    try:
        for env, port in zip(envs, ports, strict=True):
            procs.append(
                subprocess.Popen(
                    [_bin("gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                    cwd=repo_root,
                    env=env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for base in bases:
            _wait_up(f"{base}/healthz", procs)
        facts = _organisation(bases[0], envs[0], repo_root)

        # A photo uploaded through the first is served by the second.
        first = _sign_in(bases[0], "admin@example.com")
        token = _csrf(first.get(f"{bases[0]}/hazards/new", timeout=10).text)
        answer = first.post(
            f"{bases[0]}/hazards/new",
            data={
                "csrf_token": token,
                "title": "Oil on the floor",
                "unit_id": str(facts["unit"]["id"]),
                "level": "general",
            },
            files={"photos": ("floor.jpg", _jpeg(), "image/jpeg")},
            timeout=30,
        )
        assert answer.status_code == 200, answer.status_code
        names = set(re.findall(r"/hazards/photos/([0-9a-f]{32}(?:_t)?\.jpg)", answer.text))
        assert names, "no photo on the reported hazard's page"
        second = _sign_in(bases[1], "admin@example.com")
        for name in names:
            served = second.get(f"{bases[1]}/hazards/photos/{name}", timeout=10)
            assert served.status_code == 200
            assert served.headers["Content-Type"] == "image/jpeg"
            assert served.content[:2] == b"\xff\xd8"
        assert not (tmp_path / "cache-0").exists() or not any(
            (tmp_path / "cache-0" / n).exists() for n in names
        )

        # Failed sign-ins count across both: MAX_FAILURES split over the two lock it.
        def token_status(base: str, password: str) -> int:
            return requests.post(
                f"{base}/api/v1/tokens",
                json={"email": "fitter@example.com", "password": password},
                timeout=10,
            ).status_code

        for attempt in range(MAX_FAILURES):
            assert token_status(bases[attempt % 2], "wrong password") in (401, 429)
        # the next attempt waits, even with the right password, on either instance
        assert token_status(bases[0], PASSWORD) == 429
        assert token_status(bases[1], PASSWORD) == 429

        # Two schedulers at once: today's digest goes out once.
        for env in envs:
            procs.append(
                subprocess.Popen(
                    [_bin("flask"), "--app", "wsgi", "scheduler", "run"],
                    cwd=repo_root,
                    env=env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        engine = sa.create_engine(pg_uri)
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    done = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM job_runs WHERE job_id = 'reminders.daily' "
                            "AND finished_at IS NOT NULL"
                        )
                    ).scalar_one()
                    sent = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM outbox_emails "
                            "WHERE to_addr = 'fitter@example.com' "
                            "AND status = 'sent'"
                        )
                    ).scalar_one()
                if done and sent:
                    break
                time.sleep(0.5)  # waiting on other processes
            with engine.connect() as conn:
                claims = conn.execute(
                    sa.text("SELECT count(*) FROM job_runs WHERE job_id = 'reminders.daily'")
                ).scalar_one()
        finally:
            engine.dispose()
        assert claims == 1
        # one digest, however many schedulers (the assignment's event email is apart)
        to_fitter = smtp.to("fitter@example.com", kind="digest")
        assert len(to_fitter) == 1, [m.subject for m in to_fitter]
    finally:
        _stop(procs)
