"""Fixtures: a fresh app per test on a database made for this run.

``SAFETY_TEST_DATABASE_URI`` (a PostgreSQL URL) runs the suite on a new
database created next to the one it names and dropped at the end; without
it, a SQLite file in a temporary folder. Both get the schema from the models
once per run and are emptied after every test.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g, request_started
from sqlalchemy.engine import make_url

from safety import create_app
from safety.extensions import db as _db
from tests import builders

#: Every test's "now" unless it travels (defined once, in builders).
NOW = builders.NOW
TODAY = NOW.date()


def _create_pg_database(base_url: str) -> tuple[str, Any]:
    url = make_url(base_url)
    name = f"safety_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop_pg_database(handle: Any) -> None:
    admin, name = handle
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("SAFETY_TEST_DATABASE_URI")
    if base:
        uri, handle = _create_pg_database(base)
        yield uri
        _drop_pg_database(handle)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def base_config(database_uri: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": "test-audit-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "SCHEDULER_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,  # nothing listens: tests that mail start their own server
        "MAIL_TIMEOUT": 2,
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "BASE_URL": "http://safety.test",
        # Tests need no durability: skip the fsync per commit on PostgreSQL.
        "SQLALCHEMY_ENGINE_OPTIONS": (
            {"connect_args": {"options": "-c synchronous_commit=off"}}
            if database_uri.startswith("postgresql")
            else {}
        ),
    }


@pytest.fixture(scope="session")
def _schema(base_config: dict[str, Any]) -> None:
    app = create_app(base_config)
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()


#: Back to "never analysed" (superuser; the suite's own database).
_PG_FORGET_STATISTICS = """
DELETE FROM pg_statistic WHERE starelid IN
  (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace);
UPDATE pg_class SET reltuples = -1, relpages = 0
  WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i') AND reltuples >= 0
"""


def _empty_all_tables() -> None:
    """DELETE, children first: on tables this small it is far faster than
    TRUNCATE, which costs about a second per test on PostgreSQL."""
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())
        # Statistics a test left (ANALYZE; on PostgreSQL also CREATE INDEX, as
        # bulk loads do, and autovacuum) must not steer the next test's plans.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
        else:
            conn.exec_driver_sql(_PG_FORGET_STATISTICS)


@pytest.fixture
def config(base_config: dict[str, Any]) -> dict[str, Any]:
    """Per-test overrides: a test may change this dict before using ``app``."""
    return dict(base_config)


def _fresh_g(sender: Any, **_extra: Any) -> None:
    """Requests reuse the test's app context, so start each with an empty ``g``
    as production does (Flask-Login and Flask-Babel cache per-request state there)."""
    g.__dict__.clear()


@pytest.fixture
def app(_schema: None, config: dict[str, Any]) -> Iterator[Any]:
    app = create_app(config)
    request_started.connect(_fresh_g, app)
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables()
        _db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Any) -> Any:
    return _db


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in and out through the real forms, CSRF included."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def login(self, email: str, password: str = builders.PASSWORD, follow: bool = False) -> Any:
        page = self._client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def csrf(self, path: str = "/") -> str:
        return csrf_token_from(self._client.get(path).get_data(as_text=True))

    def logout(self) -> Any:
        return self._client.post("/logout", data={"csrf_token": self.csrf()})


@pytest.fixture
def auth(client: Any) -> AuthActions:
    return AuthActions(client)


class ApiClient:
    """JSON calls with a bearer token obtained through POST /api/v1/tokens."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.token: str | None = None

    def login(self, email: str, password: str = builders.PASSWORD) -> ApiClient:
        response = self._client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.get_json()
        self.token = response.get_json()["token"]
        return self

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> Any:
        return self._client.get(f"/api/v1{path}", headers=self._headers(), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self._client.post(f"/api/v1{path}", json=json, headers=self._headers(), **kw)


@pytest.fixture
def api(client: Any) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def admin(app: Any) -> Any:
    return builders.make_user(email="admin@example.com", name="管理员", is_admin=True)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
