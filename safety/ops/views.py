"""Routes for browsers' and load balancers' own requests."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, send_from_directory

from safety.ops import bp


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links; answer the SVG."""
    response = send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
    return response


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """For load balancers: 200 while the database answers, 503 when it does not."""
    from safety import clock
    from safety.services.health import health_report

    report, reachable = health_report(clock.now())
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if reachable else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics; 404 unless ``METRICS_ENABLED`` (restrict it at the proxy)."""
    if not current_app.config.get("METRICS_ENABLED"):
        abort(404)
    from prometheus_client import CONTENT_TYPE_LATEST

    from safety import clock
    from safety.observability import metrics_text

    response = Response(metrics_text(clock.now()), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
