"""Every model, re-exported so that Alembic and callers see one namespace."""

from safety.models.audit import AuditEvent, AuditHead
from safety.models.base import Base, UTCDateTime
from safety.models.duties import (
    Acknowledgement,
    AgreementSignature,
    Duty,
    DutyCategory,
    Responsibility,
    ResponsibilityAgreement,
    ResponsibilityKind,
    ResponsibilityListVersion,
    SafetyTarget,
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
from safety.models.mail import (
    EmailStatus,
    JobRun,
    Notice,
    OutboxEmail,
    ReminderDigest,
    ReminderItem,
)
from safety.models.notice import NoticeBoardLink
from safety.models.org import ApiToken, Locale, Post, PostHolder, PostLevel, Unit, User
from safety.models.security import LoginThrottle

__all__ = [
    "NoticeBoardLink",
    "Acknowledgement",
    "AgreementSignature",
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
    "Notice",
    "LoginThrottle",
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
    "ResponsibilityAgreement",
    "ResponsibilityListVersion",
    "SafetyTarget",
    "UTCDateTime",
    "Unit",
    "User",
]
