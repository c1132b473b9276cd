"""One log line per request with timing (JSON on request), Prometheus
metrics behind METRICS_ENABLED, proxy headers behind PROXY_FIX."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from safety import create_app
from safety.models import EmailStatus, JobRun, OutboxEmail
from safety.observability import JsonFormatter
from tests.builders import NOW


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "safety.request"]


def test_one_line_per_request_with_timing(client, caplog):
    with caplog.at_level(logging.INFO, logger="safety.request"):
        client.get("/login")
        client.get("/no-such-page")
    first, second = _request_records(caplog)
    assert first.fields["path"] == "/login"
    assert first.fields["status"] == 200
    assert first.fields["endpoint"] == "auth.login"
    assert first.fields["duration_ms"] >= 0
    assert "GET /login 200" in first.getMessage()
    assert second.fields["status"] == 404


def test_json_lines_when_asked(_schema, base_config, caplog):
    app = create_app({**base_config, "LOG_JSON": True})
    handler = next(h for h in logging.getLogger("safety").handlers if hasattr(h, "_safety_handler"))
    assert isinstance(handler.formatter, JsonFormatter)
    with caplog.at_level(logging.INFO, logger="safety.request"):
        app.test_client().get("/login")
    (record,) = _request_records(caplog)
    line = json.loads(handler.format(record))
    assert line["status"] == 200
    assert line["path"] == "/login"
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)
    create_app(base_config)  # back to text for the tests after this one
    assert not isinstance(handler.formatter, JsonFormatter)


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.fixture
def metrics_client(_schema: None, base_config: dict[str, Any]) -> Any:
    app = create_app({**base_config, "METRICS_ENABLED": True})
    with app.app_context():
        yield app.test_client()


def test_metrics_latency_outbox_and_scheduler(metrics_client, db):
    db.session.add(
        OutboxEmail(
            kind="digest",
            to_addr="a@example.com",
            subject="s",
            text_body="b",
            status=EmailStatus.QUEUED,
            created_at=NOW - timedelta(minutes=10),
        )
    )
    db.session.add(
        JobRun(
            job_id="reminders.daily",
            slot="2026-03-12",
            claimed_by="t",
            claimed_at=NOW,
            finished_at=NOW,
        )
    )
    db.session.commit()
    metrics_client.get("/login")
    response = metrics_client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert (
        'safety_request_duration_seconds_count{endpoint="auth.login",method="GET",status="200"}'
        in text
    )
    assert "safety_outbox_queued 1.0" in text
    age = next(line for line in text.splitlines() if line.startswith("safety_outbox_oldest_age"))
    assert float(age.split()[-1]) >= 600
    assert 'safety_scheduler_runs{job="reminders.daily"} 1.0' in text
    last = next(line for line in text.splitlines() if line.startswith("safety_scheduler_last"))
    assert float(last.split()[-1]) == pytest.approx(NOW.timestamp())


def test_proxy_fix_trusts_the_proxy_headers(_schema, base_config, caplog):
    app = create_app({**base_config, "PROXY_FIX": 1})
    with caplog.at_level(logging.INFO, logger="safety.request"):
        app.test_client().get(
            "/login", headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
        )
    (record,) = _request_records(caplog)
    assert record.fields["remote_addr"] == "203.0.113.5"


def test_without_proxy_fix_the_headers_are_ignored(client, caplog):
    with caplog.at_level(logging.INFO, logger="safety.request"):
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.5"})
    (record,) = _request_records(caplog)
    assert record.fields["remote_addr"] != "203.0.113.5"
