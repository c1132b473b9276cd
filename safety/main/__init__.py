"""The home page ("My work")."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)

from safety.main import views  # noqa: E402,F401
