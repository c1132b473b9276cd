"""HTML views for the org area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/org")

from safety.org import views  # noqa: E402,F401
