"""The demo group: a chemical industry group with a full matrix and history.

``load_demo`` is idempotent: each part checks what exists before adding.
Parts are loaded in order; each later part looks up what the earlier ones
made by stable keys (unit codes, post titles within a unit).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

#: Loaded in this order; a part that is not written yet is skipped.
PARTS = ("org", "matrix", "inspections", "hazards", "history", "risks")


def load_demo(*, now: datetime) -> list[dict[str, Any]]:
    """Load every part and return the demo logins ({email, password, role})."""
    from safety.services.events import muted

    logins: list[dict[str, Any]] = []
    with muted():  # a year of demo history must not email its people today
        _load_parts(now, logins)
    return logins


def _load_parts(now: datetime, logins: list[dict[str, Any]]) -> None:
    for part in PARTS:
        name = f"safety.demo.{part}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        logins.extend(module.load(now=now) or [])
