"""Logs and metrics: one line per request with its timing (JSON with
``LOG_JSON``), and Prometheus metrics at ``/metrics`` with
``METRICS_ENABLED``.

Under ``make serve`` several gunicorn workers answer; Prometheus'
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``scripts/serve``)
adds their samples up at scrape time. Outbox and scheduler figures are read
from the database at scrape time, so they hold across machines.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

request_log = logging.getLogger("safety.request")
_HANDLER_MARK = "_safety_handler"
_metrics: dict[str, Any] = {}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Send the ``safety`` loggers to stderr once per process, as text or JSON."""
    logger = logging.getLogger("safety")
    handler = next((h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
    if app.config.get("LOG_JSON"):
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())


def _start_timer() -> None:
    g._request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("_request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "(none)"
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "endpoint": endpoint,
        "remote_addr": request.remote_addr,
        # A streamed body (the Excel ledger) is not read here to be counted.
        "bytes": None if response.is_streamed else response.calculate_content_length(),
    }
    request_log.info(
        "%s %s %s %.1fms",
        request.method,
        request.path,
        response.status_code,
        seconds * 1000,
        extra={"fields": fields},
    )
    if "latency" in _metrics:
        _metrics["latency"].labels(endpoint, request.method, str(response.status_code)).observe(
            seconds
        )
    return response


def _ensure_metrics() -> None:
    """Create the request histogram once per process (apps come and go in tests)."""
    if "latency" in _metrics:
        return
    from prometheus_client import Histogram

    _metrics["latency"] = Histogram(
        "safety_request_duration_seconds",
        "Time to answer a request, by endpoint.",
        ["endpoint", "method", "status"],
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )


def init_observability(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start_timer)
    app.after_request(_log_request)
    if app.config.get("METRICS_ENABLED"):
        _ensure_metrics()


def metrics_text(now: datetime) -> bytes:
    """The exposition text: this process (or all workers), then database figures."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    from safety.services.health import metric_figures

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    figures = metric_figures(now)

    class _Database:
        def collect(self):  # noqa: ANN202 - prometheus' collector protocol
            depth = GaugeMetricFamily("safety_outbox_queued", "Emails waiting in the outbox.")
            depth.add_metric([], figures["outbox_queued"])
            yield depth
            age = GaugeMetricFamily(
                "safety_outbox_oldest_age_seconds", "Age of the oldest queued email."
            )
            age.add_metric([], figures["outbox_oldest_age_seconds"])
            yield age
            runs = GaugeMetricFamily(
                "safety_scheduler_runs", "Scheduler runs kept in the log, by job.", labels=["job"]
            )
            last = GaugeMetricFamily(
                "safety_scheduler_last_run_timestamp_seconds",
                "When each job last finished (Unix time).",
                labels=["job"],
            )
            for job, (count, finished) in sorted(figures["jobs"].items()):
                runs.add_metric([job], count)
                if finished is not None:
                    last.add_metric([job], finished.timestamp())
            yield runs
            yield last

    database = CollectorRegistry()
    database.register(_Database())
    return generate_latest(registry) + generate_latest(database)
