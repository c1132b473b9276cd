"""LEC risk scoring (作业条件危险性分析法): D = L × E × C and its grade."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from safety.models import Hazard
from safety.services.hazards.labels import RISK_LABELS

#: Standard LEC value tables (作业条件危险性分析法): value → meaning.
LEC_L = [
    (10, _l("Fully expected")),
    (6, _l("Quite possible")),
    (3, _l("Possible but unusual")),
    (1, _l("Remotely possible")),
    (0.5, _l("Conceivable but very unlikely")),
    (0.2, _l("Practically impossible")),
    (0.1, _l("Virtually impossible")),
]
LEC_E = [
    (10, _l("Continuous")),
    (6, _l("Daily during working hours")),
    (3, _l("Weekly, or now and then")),
    (2, _l("Once a month")),
    (1, _l("A few times a year")),
    (0.5, _l("Very rarely")),
]
LEC_C = [
    (100, _l("Catastrophe, many deaths")),
    (40, _l("Disaster, several deaths")),
    (15, _l("Very serious, one death")),
    (7, _l("Serious, severe injury")),
    (3, _l("Important, disabling injury")),
    (1, _l("Noticeable, needs first aid")),
]
LEC_MAX = {"l": 10.0, "e": 10.0, "c": 100.0}


def risk_score(hazard: Hazard) -> float | None:
    """D = L × E × C, or None when not assessed."""
    if hazard.risk_l is None or hazard.risk_e is None or hazard.risk_c is None:
        return None
    return round(hazard.risk_l * hazard.risk_e * hazard.risk_c, 2)


def risk_grade(score: float | None) -> str | None:
    """major / significant / general / low from config ``LEC_THRESHOLDS``."""
    if score is None:
        return None
    thresholds = sorted(current_app.config["LEC_THRESHOLDS"], key=lambda t: t[0], reverse=True)
    for lower, grade in thresholds:
        if score > lower or (lower == 0 and score >= 0):
            return grade
    return thresholds[-1][1] if thresholds else None


def risk_bands() -> list[tuple[str, str, float, float | None]]:
    """(grade, label, lower bound, upper bound or None), highest first, from config."""
    thresholds = sorted(current_app.config["LEC_THRESHOLDS"], key=lambda t: t[0], reverse=True)
    bands: list[tuple[str, str, float, float | None]] = []
    upper: float | None = None
    for lower, grade in thresholds:
        bands.append((grade, str(RISK_LABELS.get(grade, grade)), lower, upper))
        upper = lower
    return bands
