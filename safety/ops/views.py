"""Routes for browsers' and load balancers' own requests."""

from __future__ import annotations

from flask import Response, current_app, send_from_directory

from safety.ops import bp


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links; answer the SVG."""
    response = send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
    return response
