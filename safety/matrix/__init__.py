"""HTML views for the matrix area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("matrix", __name__, url_prefix="/matrix")

from safety.matrix import views  # noqa: E402,F401
