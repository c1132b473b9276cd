"""HTML views for the hazards area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hazards", __name__, url_prefix="/hazards")

from safety.hazards import views  # noqa: E402,F401
