"""Views of the matrix area."""

from __future__ import annotations
