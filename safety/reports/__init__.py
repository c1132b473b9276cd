"""HTML views for the reports area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from safety.reports import views  # noqa: E402,F401
