"""HTML views for notifications, the reminder log, the outbox and calendars."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from safety.notifications import views  # noqa: E402,F401
