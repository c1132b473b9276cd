"""A hazard's risk: the colour of the register's risk it is linked to, and old LEC values.

LEC grading moved to the risk register (:mod:`safety.services.risks`): a
hazard keeps its own grade (general/major) and, when a failed control check
raised it, shows the colour of that control's risk. Hazards reported before
the move (or through the API, whose contract still accepts ``risk: {l, e, c}``)
keep their LEC values; :func:`risk_score` and :func:`risk_grade` read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from safety.extensions import db
from safety.models import Hazard, Risk, RiskControl, RiskLevel, RiskPoint
from safety.services.hazards.labels import RISK_LABELS
from safety.services.risks import COLOURS, LEVEL_LABELS

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


def linked_risk_levels(hazards: Iterable[Hazard]) -> dict[int, RiskLevel]:
    """``{hazard id: level}`` of the risk behind each hazard raised by a control check.

    One query for any number of hazards (none when no hazard is linked);
    hazards not linked to a control are left out.
    """
    by_control: dict[int, list[int]] = {}
    for hazard in hazards:
        if hazard.control_id is not None:
            by_control.setdefault(hazard.control_id, []).append(hazard.id)
    if not by_control:
        return {}
    rows = db.session.execute(
        sa.select(RiskControl.id, Risk.level)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .where(RiskControl.id.in_(list(by_control)))
    ).all()
    return {hid: level for cid, level in rows for hid in by_control[cid]}


def linked_risk(level: RiskLevel | None) -> dict[str, object]:
    """What a page or the API shows of a linked risk: level, colour and its label."""
    if level is None:
        return {"risk_level": None, "risk_colour": None, "risk_level_label": None}
    return {
        "risk_level": level.value,
        "risk_colour": COLOURS[level],
        "risk_level_label": LEVEL_LABELS[level],
    }


@dataclass(frozen=True)
class RiskLink:
    """Where in the register a hazard came from: the control that failed and its risk."""

    level: RiskLevel
    risk_id: int
    risk_event: str
    risk_point_id: int
    risk_point_name: str
    control_text: str


def risk_link(hazard: Hazard) -> RiskLink | None:
    """The risk behind a hazard raised by a failed control check (one query), or None."""
    if hazard.control_id is None:
        return None
    row = db.session.execute(
        sa.select(Risk.level, Risk.id, Risk.event, RiskPoint.id, RiskPoint.name, RiskControl.text)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(RiskControl.id == hazard.control_id)
    ).first()
    return RiskLink(*row) if row else None
