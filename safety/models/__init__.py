"""Every model, re-exported so that Alembic and callers see one namespace."""

from safety.models.audit import AuditEvent, AuditHead
from safety.models.base import Base, UTCDateTime
from safety.models.duties import (
    Acknowledgement,
    Duty,
    DutyCategory,
    Responsibility,
    ResponsibilityKind,
    ResponsibilityListVersion,
    SafetyTarget,
)
from safety.models.duty import (
    AccountabilityAction,
    ActionKind,
    Assessment,
    AssessmentStatus,
    ScoringRules,
)
from safety.models.hazards import (
    OPEN_STATUSES,
    Hazard,
    HazardCounter,
    HazardEvent,
    HazardLevel,
    HazardPhoto,
    HazardStatus,
)
from safety.models.inspections import (
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    PlanKind,
)
from safety.models.mail import EmailStatus, JobRun, OutboxEmail, ReminderDigest, ReminderItem
from safety.models.org import ApiToken, Locale, Post, PostHolder, PostLevel, Unit, User

__all__ = [
    "AccountabilityAction",
    "ActionKind",
    "Assessment",
    "AssessmentStatus",
    "ScoringRules",
    "Acknowledgement",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Checklist",
    "ChecklistItem",
    "Duty",
    "DutyCategory",
    "EmailStatus",
    "Hazard",
    "HazardCounter",
    "HazardEvent",
    "HazardLevel",
    "HazardPhoto",
    "HazardStatus",
    "Inspection",
    "InspectionItem",
    "InspectionPhoto",
    "InspectionPlan",
    "InspectionStatus",
    "ItemResult",
    "JobRun",
    "Locale",
    "OPEN_STATUSES",
    "OutboxEmail",
    "PlanKind",
    "Post",
    "PostHolder",
    "PostLevel",
    "ReminderDigest",
    "ReminderItem",
    "Responsibility",
    "ResponsibilityKind",
    "ResponsibilityListVersion",
    "SafetyTarget",
    "UTCDateTime",
    "Unit",
    "User",
]
