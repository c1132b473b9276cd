"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

Run with ``make e2e`` (``.venv/bin/python -m pytest tests/e2e -q``). Once per
session the suite:

1. makes a temporary folder with a fresh SQLite database,
2. runs ``flask --app wsgi db upgrade`` and ``flask --app wsgi demo load``
   against it in subprocesses (so the demo organisation and every later demo
   part are there, see :mod:`safety.demo.org`),
3. starts ``flask --app wsgi serve --port <free port>`` as a subprocess and
   waits until the port answers; it is killed at the end of the session.

The browser is ``/usr/bin/chromium`` (never a downloaded one), launched
headless with ``--no-sandbox --disable-gpu --disable-dev-shm-usage
--disable-background-networking``.

Fixtures for every ``tests/e2e/test_<area>.py``:

``base_url`` (session)
    ``http://127.0.0.1:<port>``; pages accept relative URLs (``page.goto("/org/")``).
``live_server`` (session)
    :class:`LiveServer` with ``url``, ``env`` (the ``SAFETY_*`` environment
    the server runs with) and ``flask(*args)``, which runs a CLI command
    against the same database and returns the ``CompletedProcess``
    (e.g. ``live_server.flask("reminders", "run", "--now", "2026-03-12T08:00")``).
``page``
    A desktop page (1280x800) in a fresh browser context (no cookies).
``phone_page``
    A phone-sized page (390x844, ``is_mobile``, touch) in its own context.
``sign_in``
    ``sign_in(page, "admin")`` signs in through the real form with a demo
    login; the argument is a key of :data:`DEMO_LOGINS` or an email address.
    It waits until the home page has loaded.
``DEMO_PASSWORD``, ``DEMO_LOGINS``
    The demo password and the demo logins by role.

The server's data is shared by the whole session: tests that change data
should create their own objects (unique names) rather than rely on others
leaving the demo untouched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from safety.demo import org as demo_org

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]

DEMO_PASSWORD = demo_org.PASSWORD
#: Demo logins by role, see :data:`safety.demo.org.LOGINS`.
DEMO_LOGINS = {
    "admin": demo_org.ADMIN_EMAIL,
    "general_manager": demo_org.email_of("wangzhenhua"),
    "chief_safety_officer": demo_org.email_of("zhaoanguo"),
    "safety_supervisor": demo_org.email_of("zhoujing"),
    "plant_head": demo_org.email_of("sunjianhua"),
    "workshop_safety_officer": demo_org.email_of("liming"),
}

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout}s")


@dataclass
class LiveServer:
    """The app served from a subprocess, with its own SQLite database."""

    url: str
    port: int
    env: dict[str, str]
    log: Path
    _process: subprocess.Popen | None = field(default=None, repr=False)

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``flask --app wsgi <args>`` against the server's database."""
        return subprocess.run(
            [*FLASK, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=600,  # demo load: about 30 s of CPU, more on a busy machine
        )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {
        **os.environ,
        "SAFETY_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.db'}",
        "SAFETY_SECRET_KEY": "e2e-secret-key",
        "SAFETY_SCHEDULER_ENABLED": "false",
        "SAFETY_UPLOAD_FOLDER": str(folder / "uploads"),
        "SAFETY_BASE_URL": f"http://127.0.0.1:{port}",
        "SAFETY_MAIL_SERVER": "127.0.0.1",
        "SAFETY_MAIL_PORT": "9",
        "SAFETY_MAIL_TIMEOUT": "2",
        "PYTHONUNBUFFERED": "1",
    }
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, env=env, log=folder / "log")
    server.flask("db", "upgrade")
    server.flask("demo", "load")
    with server.log.open("w") as log:
        process = subprocess.Popen(
            [*FLASK, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server._process = process
        try:
            try:
                _wait_for_port(port, process)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n{server.log.read_text()}") from None
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Overrides pytest-playwright's: every context starts at the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium with the flags this machine needs (never a downloaded browser)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Desktop size, Chinese browser (the app's default language)."""
    return {**browser_context_args, "viewport": DESKTOP, "locale": "zh-CN"}


@pytest.fixture
def phone_context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    yield context
    context.close()


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    """A page the size of a phone (390x844, mobile, touch)."""
    return phone_context.new_page()


def sign_in(page: Page, who: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form; ``who`` is a :data:`DEMO_LOGINS` key or an email."""
    email = DEMO_LOGINS.get(who, who)
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form:has(#password) [type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("#sign-out")).to_be_visible()


@pytest.fixture(name="sign_in")
def sign_in_fixture() -> Callable[..., None]:
    """The :func:`sign_in` helper as a fixture (no import needed)."""
    return sign_in
