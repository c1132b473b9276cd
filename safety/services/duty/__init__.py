"""Performance of duty (履职考核): periods, indicators, scoring rules, scorecards
and accountability actions. Each part has its own module; callers import
from here."""

from __future__ import annotations

from safety.services.duty import rules, scorecards
from safety.services.duty.actions import KIND_LABELS as ACTION_KIND_LABELS
from safety.services.duty.actions import (
    actions_by_hazard,
    attach_actions,
    create_action,
    list_actions,
    recent_actions,
)
from safety.services.duty.agreement_pdf import agreement_pdf
from safety.services.duty.periods import Period, current_period, parse_period
from safety.services.duty.rules import DEFAULT_RULES, current_rules, grade_label, save_rules
from safety.services.duty.scorecards import (
    assess,
    board,
    board_units,
    confirm,
    dispute,
    get_scorecard,
    list_scorecards,
    may_read,
    my_scorecards,
    scorecard_records,
    to_assess_for,
)

__all__ = [
    "ACTION_KIND_LABELS",
    "actions_by_hazard",
    "attach_actions",
    "DEFAULT_RULES",
    "Period",
    "agreement_pdf",
    "assess",
    "confirm",
    "create_action",
    "current_period",
    "current_rules",
    "dispute",
    "get_scorecard",
    "grade_label",
    "list_actions",
    "list_scorecards",
    "parse_period",
    "board",
    "board_units",
    "may_read",
    "my_scorecards",
    "recent_actions",
    "rules",
    "save_rules",
    "scorecards",
    "scorecard_records",
    "to_assess_for",
]
