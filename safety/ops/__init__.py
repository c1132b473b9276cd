"""What machines ask for rather than people: the favicon, ``/healthz`` and
``/metrics``. No sign-in; nothing here shows data about people or hazards."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)

from safety.ops import views  # noqa: E402,F401
