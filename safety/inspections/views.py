"""Views of the inspections area."""

from __future__ import annotations
