"""HTML views for the inspections area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

from safety.inspections import views  # noqa: E402,F401
