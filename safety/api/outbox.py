"""API for the outbox area (to be filled in)."""

from __future__ import annotations

from safety.api.common import make_blueprint

blp = make_blueprint("outbox", "outbox")
