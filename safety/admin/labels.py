"""Words for the audit log: what was done to what, never a raw code.

An action is ``<object>.<verb>``; each half has a label here, so a new action
of a known object and verb reads as words at once. A code with no label is
shown as it is (the test of this module lists every code the services write).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

OBJECTS = {
    "accountability": _l("Accountability action"),
    "agreement": _l("Responsibility agreement"),
    "assessment": _l("Scorecard"),
    "calendar": _l("Calendar address"),
    "checklist": _l("Checklist"),
    "duty": _l("Duty"),
    "email": _l("Email"),
    "hazard": _l("Hazard"),
    "holder": _l("Post holding"),
    "inspection": _l("Inspection"),
    "notice_board": _l("Notice board link"),
    "plan": _l("Inspection plan"),
    "post": _l("Post"),
    "responsibility": _l("Responsibility"),
    "responsibility_list": _l("Responsibility list"),
    "risk": _l("Risk"),
    "risk_control": _l("Risk control"),
    "risk_point": _l("Risk point"),
    "risk_register": _l("Risk register"),
    "scoring_rules": _l("Scoring rules"),
    "target": _l("Safety target"),
    "unit": _l("Unit"),
    "user": _l("Person"),
}

VERBS = {
    "acknowledge": _l("signed"),
    "active": _l("switched on or off"),
    "approve_plan": _l("plan approved"),
    "assess": _l("assessed"),
    "assign": _l("assigned"),
    "check": _l("checked"),
    "confirm": _l("confirmed"),
    "create": _l("created"),
    "deactivate": _l("deactivated"),
    "delete": _l("deleted"),
    "delete_draft": _l("draft deleted"),
    "dispute": _l("disputed"),
    "end": _l("ended"),
    "extend": _l("deadline extended"),
    "fixed_on_spot": _l("fixed on the spot"),
    "import": _l("imported"),
    "locale": _l("language changed"),
    "password_change": _l("password changed"),
    "publish": _l("published"),
    "reactivate": _l("reactivated"),
    "record": _l("recorded"),
    "refuse_extension": _l("extension refused"),
    "regrade": _l("regraded"),
    "reject": _l("rejected"),
    "report": _l("reported"),
    "report_authority": _l("reported to the authority"),
    "request_extension": _l("extension requested"),
    "retry": _l("retried"),
    "retry_all": _l("all failed retried"),
    "revoke": _l("revoked"),
    "save": _l("saved"),
    "sign": _l("signed"),
    "submit": _l("submitted"),
    "test": _l("test sent"),
    "token_create": _l("created"),
    "token_revoke": _l("revoked"),
    "update": _l("changed"),
    "verify": _l("verified"),
    "version": _l("new version"),
    "void": _l("voided"),
    "write_off": _l("written off"),
}

#: Model class names as the audit log stores them → the object's key above.
TYPES = {
    "AccountabilityAction": "accountability",
    "Acknowledgement": "responsibility_list",
    "AgreementSignature": "agreement",
    "Assessment": "assessment",
    "Checklist": "checklist",
    "ControlCheck": "risk_control",
    "Duty": "duty",
    "Hazard": "hazard",
    "Inspection": "inspection",
    "InspectionPlan": "plan",
    "NoticeBoardLink": "notice_board",
    "OutboxEmail": "email",
    "Post": "post",
    "PostHolder": "holder",
    "Responsibility": "responsibility",
    "ResponsibilityAgreement": "agreement",
    "ResponsibilityListVersion": "responsibility_list",
    "Risk": "risk",
    "RiskControl": "risk_control",
    "RiskPoint": "risk_point",
    "SafetyTarget": "target",
    "ScoringRules": "scoring_rules",
    "Unit": "unit",
    "User": "user",
}


def action_label(code: str) -> str:
    """``hazard.assign`` → "Hazard: assigned" (the code itself when unknown)."""
    thing, _sep, verb = code.partition(".")
    if thing in OBJECTS and verb in VERBS:
        return f"{OBJECTS[thing]}: {VERBS[verb]}"
    return code


def type_label(name: str) -> str:
    """``Hazard`` → "Hazard" in the reader's language (the name when unknown)."""
    key = TYPES.get(name)
    return str(OBJECTS[key]) if key else name
