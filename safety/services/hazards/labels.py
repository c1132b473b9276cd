"""Words of the hazard register, defined once: statuses, levels, actions, categories.

Reports, reminders, the ledger and the pages import these; nothing else
restates them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from safety.models import HazardLevel, HazardStatus

S = HazardStatus

#: The six parts of a major hazard's 治理方案, in display order.
PLAN_PARTS: tuple[str, ...] = (
    "objective",
    "methods",
    "resources",
    "organisation",
    "schedule",
    "safety_measures",
)
PLAN_LABELS = {
    "objective": _l("Objective"),
    "methods": _l("Methods"),
    "resources": _l("Funds and materials"),
    "organisation": _l("Organisation and people"),
    "schedule": _l("Schedule"),
    "safety_measures": _l("Safety measures during rectification"),
}

RISK_LABELS = {
    "major": _l("Major risk"),
    "significant": _l("Significant risk"),
    "general": _l("General risk"),
    "low": _l("Low risk"),
}
STATUS_LABELS = {
    S.REPORTED: _l("Reported"),
    S.RECTIFYING: _l("Rectifying"),
    S.PENDING_VERIFICATION: _l("Pending verification"),
    S.CLOSED: _l("Closed"),
    S.VOID: _l("Void"),
    S.PENDING_WRITEOFF: _l("Pending write-off"),
}
LEVEL_LABELS = {HazardLevel.GENERAL: _l("General"), HazardLevel.MAJOR: _l("Major")}
ACTION_LABELS = {
    "report": _l("Reported"),
    "assign": _l("Assigned"),
    "submit": _l("Rectification submitted"),
    "verify": _l("Verified and closed"),
    "reject": _l("Rejected"),
    "extend": _l("Deadline extended"),
    "void": _l("Voided"),
    "authority": _l("Authority reporting updated"),
    "write_off": _l("Written off (核销)"),
}
#: Common hazard categories (free text is allowed as well).
CATEGORIES = (
    "fire",
    "electrical",
    "machinery",
    "hazardous_chemicals",
    "confined_space",
    "working_at_height",
    "special_equipment",
    "occupational_health",
    "management",
    "other",
)
CATEGORY_LABELS = {
    "fire": _l("Fire safety"),
    "electrical": _l("Electrical"),
    "machinery": _l("Machinery"),
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "confined_space": _l("Confined space"),
    "working_at_height": _l("Working at height"),
    "special_equipment": _l("Special equipment"),
    "occupational_health": _l("Occupational health"),
    "management": _l("Management"),
    "other": _l("Other"),
}


def status_labels(statuses: tuple[str, ...] | None = None) -> dict[str, str]:
    """Status value → its word in the current language (all, or those asked for)."""
    keys = statuses or tuple(s.value for s in S)
    return {key: str(STATUS_LABELS[S(key)]) for key in keys}


def level_labels() -> dict[str, str]:
    """Level value → its word in the current language."""
    return {level.value: str(label) for level, label in LEVEL_LABELS.items()}
