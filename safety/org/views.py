"""Views of the org area."""

from __future__ import annotations
