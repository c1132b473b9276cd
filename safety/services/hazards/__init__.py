"""The hazard register (隐患排查治理), by topic.

- :mod:`.labels` the words (statuses, levels, actions, categories), once;
- :mod:`.risk` LEC scoring; :mod:`.fields` validators; :mod:`.numbering`;
- :mod:`.report` reporting (duplicates, repeats, 即查即改);
- :mod:`.loop` the closed loop (五定); :mod:`.major` the major-hazard
  procedure and extension requests; :mod:`.criteria` the 判定标准;
- :mod:`.actions` :func:`perform`, the one entry point every caller uses;
- :mod:`.lists` lists, counts, detail, choices; :mod:`.work` my work.

:func:`new_hazard` flushes but does not commit, so an inspection can raise
hazards inside its own transaction; every other write commits. Every flush
that changes a hazard also moves the reports' tallies (services/tallies.py).
"""

from safety.services import tallies as _tallies  # noqa: F401  (registers the session hooks)
from safety.services.hazards.actions import (
    ACTION_NAMES,
    ACTIONS,
    allowed_actions,
    discard_changes,
    perform,
)
from safety.services.hazards.authority_pdf import authority_report_pdf
from safety.services.hazards.criteria import (
    CriteriaImportError,
    check_criterion,
    criteria_sets,
    criterion_texts,
    ensure_builtin_criteria,
    import_criteria,
)
from safety.services.hazards.fields import MAX_FUNDS
from safety.services.hazards.labels import (
    ACTION_LABELS,
    CATEGORIES,
    CATEGORY_LABELS,
    LEVEL_LABELS,
    PLAN_LABELS,
    PLAN_PARTS,
    RISK_LABELS,
    STATUS_LABELS,
)
from safety.services.hazards.lists import (
    FAR_FUTURE,
    SORTS,
    HazardDetail,
    HazardFilters,
    HazardPage,
    ListChoices,
    filtered_query,
    get_hazard,
    hazard_detail,
    iter_hazards,
    list_choices,
    list_hazards,
    major_board,
    photo_for,
    post_options,
    scan_status_counts,
    status_counts,
    unit_choices,
)
from safety.services.hazards.loop import (
    TRANSITIONS,
    assign_hazard,
    extend_hazard,
    reject_hazard,
    stale_message,
    submit_hazard,
    verify_hazard,
    void_hazard,
)
from safety.services.hazards.major import (
    approve_plan,
    record_authority,
    refuse_extension,
    regrade_hazard,
    report_authority,
    request_extension,
    write_off_hazard,
)
from safety.services.hazards.numbering import next_number
from safety.services.hazards.procedure import Step, major_steps
from safety.services.hazards.report import (
    count_repeats,
    new_hazard,
    report_hazard,
    similar_open_hazards,
)
from safety.services.hazards.risk import (
    LEC_C,
    LEC_E,
    LEC_L,
    LEC_MAX,
    linked_risk,
    linked_risk_levels,
    risk_bands,
    risk_grade,
    risk_link,
    risk_score,
)
from safety.services.hazards.work import MyWork, my_work

__all__ = [
    "authority_report_pdf",
    "ACTIONS",
    "CriteriaImportError",
    "Step",
    "criterion_texts",
    "discard_changes",
    "major_steps",
    "ACTION_LABELS",
    "ACTION_NAMES",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "FAR_FUTURE",
    "LEC_C",
    "LEC_E",
    "LEC_L",
    "LEC_MAX",
    "LEVEL_LABELS",
    "MAX_FUNDS",
    "PLAN_LABELS",
    "PLAN_PARTS",
    "RISK_LABELS",
    "SORTS",
    "STATUS_LABELS",
    "TRANSITIONS",
    "HazardDetail",
    "HazardFilters",
    "HazardPage",
    "MyWork",
    "allowed_actions",
    "approve_plan",
    "assign_hazard",
    "check_criterion",
    "count_repeats",
    "criteria_sets",
    "ensure_builtin_criteria",
    "extend_hazard",
    "filtered_query",
    "get_hazard",
    "hazard_detail",
    "import_criteria",
    "iter_hazards",
    "list_hazards",
    "major_board",
    "my_work",
    "new_hazard",
    "next_number",
    "perform",
    "photo_for",
    "post_options",
    "record_authority",
    "report_authority",
    "refuse_extension",
    "regrade_hazard",
    "reject_hazard",
    "report_hazard",
    "request_extension",
    "linked_risk",
    "linked_risk_levels",
    "risk_bands",
    "risk_grade",
    "risk_link",
    "risk_score",
    "similar_open_hazards",
    "stale_message",
    "scan_status_counts",
    "status_counts",
    "submit_hazard",
    "unit_choices",
    "list_choices",
    "ListChoices",
    "verify_hazard",
    "void_hazard",
    "write_off_hazard",
]
