"""GET /healthz: no sign-in, JSON, 503 when the database is away; the favicon."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from safety import create_app
from safety.models import EmailStatus, JobRun, OutboxEmail
from safety.services.health import code_heads
from tests.builders import NOW


def test_healthz_reports_database_migrations_reminders_and_outbox(app, client, db):
    db.session.add(
        JobRun(
            job_id="reminders.daily",
            slot="2026-03-12",
            claimed_by="t",
            claimed_at=NOW,
            finished_at=NOW,
            summary="3 digests",
        )
    )
    db.session.add(
        OutboxEmail(
            kind="digest",
            to_addr="a@example.com",
            subject="s",
            text_body="b",
            status=EmailStatus.QUEUED,
            created_at=NOW - timedelta(minutes=5),
        )
    )
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] is True
    assert body["last_reminder_pass"]["slot"] == "2026-03-12"
    assert body["last_reminder_pass"]["summary"] == "3 digests"
    assert body["outbox"]["queued"] == 1
    assert body["outbox"]["oldest_age_seconds"] >= 300
    # The test schema comes from the models, not migrations: nothing stamped.
    assert body["migrations"]["current"] is False
    assert body["status"] == "migrations_pending"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_current_when_the_database_is_at_head(app, client, db):
    db.session.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    for head in code_heads():
        db.session.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    db.session.commit()
    try:
        body = client.get("/healthz").get_json()
        assert body["migrations"]["current"] is True
        assert body["status"] == "ok"
    finally:
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()


def test_healthz_is_503_when_the_database_is_down(base_config, tmp_path):
    uri = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    app = create_app(
        {
            **base_config,
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] is False


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert "favicon.svg" in client.get("/login").get_data(as_text=True)
