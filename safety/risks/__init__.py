"""HTML views of the risk register (安全风险分级管控)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("risks", __name__, url_prefix="/risks")

from safety.risks import prints, views  # noqa: E402,F401
