"""Migrations build the whole schema from empty, and it matches the models.

Runs the real CLI in subprocesses (as `make run` does) against a fresh
SQLite file and, when ``SAFETY_TEST_DATABASE_URI`` is set, a fresh
PostgreSQL database created and dropped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]

pytestmark = pytest.mark.slow


def _flask(uri: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SAFETY_SQLALCHEMY_DATABASE_URI": uri,
        "SAFETY_SECRET_KEY": "migration-test",
        "SAFETY_SCHEDULER_ENABLED": "false",
    }
    return subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture
def postgres_uri() -> Iterator[str]:
    base = os.environ.get("SAFETY_TEST_DATABASE_URI")
    if not base:
        pytest.skip("SAFETY_TEST_DATABASE_URI is not set")
    url = make_url(base)
    name = f"safety_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _check_upgrade_from_empty(uri: str) -> None:
    upgrade = _flask(uri, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask(uri, "db", "check")
    assert check.returncode == 0, f"models and migrations differ:\n{check.stdout}\n{check.stderr}"
    engine = sa.create_engine(uri)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"units", "posts", "users", "post_holders", "audit_events"} <= tables
    again = _flask(uri, "db", "upgrade")  # already at head: a no-op
    assert again.returncode == 0, again.stderr


def test_sqlite_upgrade_from_empty_matches_models(sqlite_uri):
    _check_upgrade_from_empty(sqlite_uri)


def test_postgresql_upgrade_from_empty_matches_models(postgres_uri):
    _check_upgrade_from_empty(postgres_uri)


def test_demo_loads_on_a_migrated_database(sqlite_uri):
    assert _flask(sqlite_uri, "db", "upgrade").returncode == 0
    load = _flask(sqlite_uri, "demo", "load")
    assert load.returncode == 0, load.stderr
    assert "admin@demo.safety" in load.stdout
    verify = _flask(sqlite_uri, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


def test_sqlite_upgrade_from_the_previous_release_keeps_its_rows(sqlite_uri):
    """A database of release 0002 with an organisation in it upgrades to head:
    rebuilding a table others reference (posts) must not trip its foreign keys."""
    assert _flask(sqlite_uri, "db", "upgrade", "0002").returncode == 0
    engine = sa.create_engine(sqlite_uri)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO units (id, name, code, created_at) VALUES (1, '纯碱厂', 'SODA', ?)", (now,)
        )
        conn.exec_driver_sql(
            "INSERT INTO posts (id, title, unit_id, level, created_at)"
            " VALUES (1, '厂长', 1, 'decision', ?)",
            (now,),
        )
        conn.exec_driver_sql(
            "INSERT INTO responsibilities (post_id, unit_id, kind, created_at)"
            " VALUES (1, 1, 'main', ?)",
            (now,),
        )
    upgrade = _flask(sqlite_uri, "db", "upgrade")
    try:
        assert upgrade.returncode == 0, upgrade.stderr
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT title, party FROM posts").all() == [("厂长", 0)]
            assert conn.exec_driver_sql("SELECT count(*) FROM responsibilities").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()
