"""Views of the hazards area."""

from __future__ import annotations
