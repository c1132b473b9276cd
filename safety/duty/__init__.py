"""HTML views of performance of duty (履职考核) and accountability (失职追责)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("duty", __name__, url_prefix="/duty")

from safety.duty import views  # noqa: E402,F401
