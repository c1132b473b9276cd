"""The rules that turn indicator values into scores, weights and grade bands.

They are data: admins edit them, and every edit is a new version, so a
scorecard assessed under one version keeps it (``Assessment.rules_version``).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from safety import permissions
from safety.extensions import db
from safety.models import ScoringRules, User
from safety.services import audit
from safety.services.errors import Forbidden, ValidationError

#: ``ratio`` scores a share (0–1) as 100 × share; ``penalty`` takes
#: ``per_unit`` points off 100 for every unit above ``free``.
DEFAULT_RULES: dict[str, Any] = {
    "indicators": {
        "hazards_on_time": {"weight": 40, "score": "ratio"},
        "overdue_days": {"weight": 20, "score": "penalty", "per_unit": 2, "free": 0},
        "checks_on_time": {"weight": 20, "score": "ratio"},
        "list_signed_days": {"weight": 10, "score": "penalty", "per_unit": 5, "free": 7},
        "escalations": {"weight": 10, "score": "penalty", "per_unit": 10, "free": 0},
    },
    "bands": [
        {"grade": "excellent", "min": 90},
        {"grade": "pass", "min": 60},
        {"grade": "fail", "min": 0},
    ],
    "manual_min": -20,
    "manual_max": 20,
}

INDICATORS = tuple(DEFAULT_RULES["indicators"])

GRADE_LABELS = {
    "excellent": _l("Excellent"),
    "pass": _l("Pass"),
    "fail": _l("Fail"),
}

INDICATOR_LABELS = {
    "hazards_on_time": _l("Hazards rectified on time"),
    "overdue_days": _l("Days overdue"),
    "checks_on_time": _l("Checks done on time"),
    "list_signed_days": _l("Days to sign a new responsibility list"),
    "escalations": _l("Reminders that went over their head"),
}


def grade_label(grade: str | None) -> str:
    if grade is None:
        return "—"
    return str(GRADE_LABELS.get(grade, grade))


def current_rules() -> tuple[int, dict[str, Any]]:
    """``(version, rules)``; version 0 is the shipped default, never stored."""
    row = db.session.scalars(
        sa.select(ScoringRules).order_by(ScoringRules.version.desc()).limit(1)
    ).first()
    if row is None:
        return 0, copy.deepcopy(DEFAULT_RULES)
    return row.version, row.rules


def rules_of(version: int | None) -> dict[str, Any]:
    """The rules of ``version`` (the default for 0 or an unknown one)."""
    if version:
        row = db.session.scalars(
            sa.select(ScoringRules).where(ScoringRules.version == version)
        ).first()
        if row is not None:
            return row.rules
    return copy.deepcopy(DEFAULT_RULES)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) < 1e9 else None


def _check_indicators(errors: dict[str, str], indicators: Any) -> None:
    if not isinstance(indicators, dict) or set(indicators) != set(INDICATORS):
        errors["indicators"] = _("Give every indicator: %(codes)s.", codes=", ".join(INDICATORS))
        return
    for code, rule in indicators.items():
        weight = _number(rule.get("weight")) if isinstance(rule, dict) else None
        if weight is None or weight < 0:
            errors[f"indicators.{code}.weight"] = _("Must be a number of 0 or more.")
            continue
        if rule.get("score") not in ("ratio", "penalty"):
            errors[f"indicators.{code}.score"] = _(
                "Must be one of: %(allowed)s.", allowed="ratio, penalty"
            )
        elif rule["score"] == "penalty":
            for key in ("per_unit", "free"):
                number = _number(rule.get(key, 0))
                if number is None or number < 0:
                    errors[f"indicators.{code}.{key}"] = _("Must be a number of 0 or more.")
    if not errors and not sum(r["weight"] for r in indicators.values()):
        errors["indicators"] = _("At least one weight must be above 0.")


def _check_bands(errors: dict[str, str], bands: Any) -> None:
    ok = (
        isinstance(bands, list)
        and bands
        and all(
            isinstance(b, dict)
            and isinstance(b.get("grade"), str)
            and b["grade"].strip()
            and _number(b.get("min")) is not None
            for b in bands
        )
    )
    if not ok:
        errors["bands"] = _("Give a list of grades, each with a name and a lowest total.")
    elif min(b["min"] for b in bands) > 0:
        errors["bands"] = _("One grade must start at 0.")


def validate_rules(rules: Any) -> dict[str, Any]:
    """:raise ValidationError: naming each bad part of ``rules``."""
    errors: dict[str, str] = {}
    if not isinstance(rules, dict):
        raise ValidationError({"rules": _("Must be an object.")})
    _check_indicators(errors, rules.get("indicators"))
    _check_bands(errors, rules.get("bands"))
    low, high = _number(rules.get("manual_min")), _number(rules.get("manual_max"))
    if low is None or high is None or low > high:
        errors["manual_min"] = _("Give the lowest and highest manual score, lowest first.")
    if errors:
        raise ValidationError(errors)
    bands = sorted(rules["bands"], key=lambda b: -b["min"])
    return {
        "indicators": rules["indicators"],
        "bands": [{"grade": b["grade"].strip(), "min": b["min"]} for b in bands],
        "manual_min": low,
        "manual_max": high,
    }


def save_rules(actor: User, rules: Any, *, now: datetime) -> ScoringRules:
    """A new version of the rules (admins); scorecards not yet assessed use it."""
    if not permissions.is_admin(actor):
        raise Forbidden(_("Only administrators may do this."))
    clean = validate_rules(rules)
    version, _current = current_rules()
    row = ScoringRules(version=version + 1, rules=clean, created_by_id=actor.id, created_at=now)
    db.session.add(row)
    audit.record(actor, "scoring_rules.save", row, {"version": row.version}, now=now)
    db.session.commit()
    return row


def score(rule: dict[str, Any], value: float | None) -> float:
    """One indicator's score, 0–100 (no data scores full marks)."""
    if value is None:
        return 100.0
    if rule["score"] == "ratio":
        return round(max(0.0, min(100.0, 100.0 * value)), 1)
    over = max(0.0, value - rule.get("free", 0))
    return round(max(0.0, 100.0 - rule.get("per_unit", 0) * over), 1)


def total_and_grade(
    rules: dict[str, Any], indicators: list[dict[str, Any]], manual: list[dict[str, Any]]
) -> tuple[float, str]:
    """Weighted mean of the indicator scores plus the manual items, 0–100, and its grade."""
    weights = rules["indicators"]
    weight_sum = sum(weights[i["code"]]["weight"] for i in indicators) or 1
    weighted = sum(weights[i["code"]]["weight"] * i["score"] for i in indicators) / weight_sum
    total = round(max(0.0, min(100.0, weighted + sum(m["score"] for m in manual))), 1)
    for band in sorted(rules["bands"], key=lambda b: -b["min"]):
        if total >= band["min"]:
            return total, band["grade"]
    return total, rules["bands"][-1]["grade"]
