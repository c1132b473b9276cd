"""The risk register (安全风险分级管控): risk points, risks, assessments, controls, checks.

Bodies are checked by :mod:`safety.services.risks` (one place for the rules),
so a value off its scale is a 422 naming that field, and an unknown id in the
path is a 404 before the body is looked at. Required fields are the
contract's (§6); the schemas here document them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import EXCLUDE, Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, list_schema, make_blueprint, paginate
from safety.models import (
    ControlCheck,
    Risk,
    RiskAssessment,
    RiskControl,
    RiskPoint,
)
from safety.services import risk_checks, risks
from safety.services.cursors import decode_cursor, encode_cursor
from safety.services.db import get_or_404
from safety.services.errors import ValidationError
from safety.services.org import unit_subtree_ids

blp = make_blueprint("risks", "Risk register (安全风险分级管控): points, risks, controls, checks")


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


# --- input ------------------------------------------------------------------------


class RiskPointInSchema(_Lenient):
    unit_id = fields.Raw(load_default=None, metadata={"type": "integer"})
    name = fields.Raw(load_default=None, metadata={"type": "string"})
    kind = fields.Raw(
        load_default=None,
        metadata={"type": "string", "enum": ["installation", "place", "activity"]},
    )
    description = fields.Raw(load_default=None, metadata={"type": "string"})
    location = fields.Raw(load_default=None, metadata={"type": "string"})


_SCALE_DOC = "LEC: l 0.1–10, e 0.5–10, c 1–100 on the standard scales; LS: l, s in 1–5"


class AssessmentInSchema(_Lenient):
    method = fields.Raw(load_default=None, metadata={"type": "string", "enum": ["lec", "ls"]})
    l = fields.Raw(load_default=None, metadata={"type": "number", "description": _SCALE_DOC})  # noqa: E741
    e = fields.Raw(load_default=None, metadata={"type": "number", "description": "LEC only"})
    c = fields.Raw(load_default=None, metadata={"type": "number", "description": "LEC only"})
    s = fields.Raw(load_default=None, metadata={"type": "number", "description": "LS only"})
    direct_major_reason = fields.Raw(
        load_default=None,
        metadata={"type": "string", "description": "直接判定: makes the risk major"},
    )


class RiskInSchema(AssessmentInSchema):
    event = fields.Raw(load_default=None, metadata={"type": "string"})
    consequence = fields.Raw(load_default=None, metadata={"type": "string"})


class ControlInSchema(_Lenient):
    kind = fields.Raw(
        load_default=None,
        metadata={
            "type": "string",
            "enum": ["engineering", "management", "training", "ppe", "emergency"],
        },
    )
    text = fields.Raw(load_default=None, metadata={"type": "string"})
    owner_post_id = fields.Raw(load_default=None, metadata={"type": "integer"})
    check_every_days = fields.Raw(load_default=None, metadata={"type": "integer"})


class CheckHazardInSchema(_Lenient):
    title = fields.Raw(metadata={"type": "string"})
    level = fields.Raw(metadata={"type": "string", "enum": ["general", "major"]})
    criterion = fields.Raw(metadata={"type": "string"})
    description = fields.Raw(metadata={"type": "string"})


class CheckInSchema(_Lenient):
    result = fields.Raw(
        load_default=None, metadata={"type": "string", "enum": ["effective", "failed"]}
    )
    note = fields.Raw(load_default=None, metadata={"type": "string"})
    hazard = fields.Raw(
        load_default=None,
        metadata={"description": "{title, level, criterion?}: a failed check raises a hazard"},
    )


# --- output -----------------------------------------------------------------------


class RiskPointSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    description = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "its highest risk's"})
    colour = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AssessmentSchema(Schema):
    id = fields.Integer()
    risk_id = fields.Integer()
    method = fields.String()
    l = fields.Float()  # noqa: E741
    e = fields.Float(allow_none=True)
    c = fields.Float(allow_none=True)
    s = fields.Float(allow_none=True)
    direct_major_reason = fields.String(allow_none=True)
    score = fields.Float()
    level = fields.String()
    colour = fields.String()
    at = fields.DateTime()
    by_id = fields.Integer(allow_none=True)


class ControlSchema(Schema):
    id = fields.Integer()
    risk_id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    owner_post_id = fields.Integer()
    tier = fields.String(metadata={"description": "company | plant | workshop | team"})
    check_every_days = fields.Integer()
    next_due = fields.Date()
    last_checked_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()


class RiskSchema(Schema):
    id = fields.Integer()
    risk_point_id = fields.Integer()
    event = fields.String()
    consequence = fields.String(allow_none=True)
    method = fields.String()
    score = fields.Float()
    level = fields.String()
    colour = fields.String()
    required_tier = fields.String()
    assessed_at = fields.DateTime()


class RiskDetailSchema(RiskSchema):
    assessments = fields.List(fields.Nested(AssessmentSchema))
    controls = fields.List(fields.Nested(ControlSchema))


class RiskPointDetailSchema(RiskPointSchema):
    risks = fields.List(fields.Nested(RiskSchema))


class CheckSchema(Schema):
    id = fields.Integer()
    control_id = fields.Integer()
    result = fields.String()
    note = fields.String(allow_none=True)
    at = fields.DateTime()
    checked_on = fields.Date()
    due_on = fields.Date()
    by_id = fields.Integer(allow_none=True)
    hazard_id = fields.Integer(allow_none=True)


class DueCheckSchema(Schema):
    control_id = fields.Integer()
    risk_id = fields.Integer()
    risk_point_id = fields.Integer()
    owner_post_id = fields.Integer()
    due_on = fields.Date()
    overdue = fields.Boolean()


class RiskPointListArgs(ListArgs):
    unit_id = fields.Integer(load_default=None, metadata={"description": "includes its subtree"})
    kind = fields.String(
        load_default=None, validate=validate.OneOf(["installation", "place", "activity"])
    )


class RiskListArgs(ListArgs):
    level = fields.String(
        load_default=None, validate=validate.OneOf(["major", "high", "medium", "low"])
    )


class DueArgs(ListArgs):
    due = fields.Boolean(
        load_default=None,
        metadata={"description": "true: due today or overdue; false: not yet due; absent: all"},
    )
    unit_id = fields.Integer(load_default=None, metadata={"description": "includes its subtree"})
    owner_post_id = fields.Integer(load_default=None)


RiskPointList = list_schema(RiskPointSchema, "RiskPointList")
RiskList = list_schema(RiskSchema, "RiskList")
AssessmentList = list_schema(AssessmentSchema, "AssessmentList")
ControlList = list_schema(ControlSchema, "ControlList")
CheckList = list_schema(CheckSchema, "CheckList")
DueCheckList = list_schema(DueCheckSchema, "DueCheckList")


# --- mapping ----------------------------------------------------------------------


def point_out(point: RiskPoint, level: Any = None) -> dict[str, Any]:
    out = {k: getattr(point, k) for k in RiskPointSchema._declared_fields if hasattr(point, k)}
    out["kind"] = point.kind.value
    out["level"] = level.value if level else None
    out["colour"] = risks.colour_of(level) if level else None
    return out


def risk_out(risk: Risk) -> dict[str, Any]:
    out = {k: getattr(risk, k) for k in RiskSchema._declared_fields if hasattr(risk, k)}
    out.update(
        method=risk.method.value,
        level=risk.level.value,
        colour=risks.colour_of(risk.level),
        required_tier=risks.REQUIRED_TIER[risk.level].value,
    )
    return out


def assessment_out(a: RiskAssessment) -> dict[str, Any]:
    out = {k: getattr(a, k) for k in AssessmentSchema._declared_fields if hasattr(a, k)}
    out.update(method=a.method.value, level=a.level.value, colour=risks.colour_of(a.level))
    return out


def control_out(control: RiskControl, depths: dict[int, int] | None = None) -> dict[str, Any]:
    out = {k: getattr(control, k) for k in ControlSchema._declared_fields if hasattr(control, k)}
    out["kind"] = control.kind.value
    out["tier"] = risks.tier_of_post(control.owner_post, depths).value
    return out


def check_out(check: ControlCheck) -> dict[str, Any]:
    out = {k: getattr(check, k) for k in CheckSchema._declared_fields if hasattr(check, k)}
    out["result"] = check.result.value
    return out


def _page(stmt: sa.Select, args: dict, mapper: Any) -> dict[str, Any]:
    page = paginate(stmt, cursor=args["cursor"], limit=args["limit"])
    return {"items": [mapper(x) for x in page["items"]], "next_cursor": page["next_cursor"]}


def _units(unit_id: int | None) -> list[int] | None:
    return unit_subtree_ids(unit_id) if unit_id is not None else None


# --- risk points ------------------------------------------------------------------


@blp.route("/risk-points")
class RiskPoints(MethodView):
    @blp.arguments(RiskPointListArgs, location="query")
    @blp.response(200, RiskPointList)
    def get(self, args: dict) -> dict:
        """Risk points, each with the level and colour of its highest risk."""
        stmt = sa.select(RiskPoint)
        if args["unit_id"] is not None:
            stmt = stmt.where(RiskPoint.unit_id.in_(_units(args["unit_id"])))
        if args["kind"]:
            stmt = stmt.where(RiskPoint.kind == args["kind"])
        page = paginate(stmt, cursor=args["cursor"], limit=args["limit"])
        levels = risks.highest_levels([p.id for p in page["items"]])
        return {
            "items": [point_out(p, levels.get(p.id)) for p in page["items"]],
            "next_cursor": page["next_cursor"],
        }

    @blp.arguments(RiskPointInSchema)
    @blp.response(201, RiskPointSchema)
    def post(self, data: dict) -> dict:
        """Add a risk point (admins, main/supervision responsibility for the unit)."""
        point = risks.create_risk_point(api_user(), data, now=clock.now(), today=clock.today())
        return point_out(point)


@blp.route("/risk-points/<int:point_id>")
class RiskPointById(MethodView):
    @blp.response(200, RiskPointDetailSchema)
    def get(self, point_id: int) -> dict:
        point = get_or_404(RiskPoint, point_id, f"Risk point {point_id} not found")
        found = risks.risks_of_points([point.id])[point.id]
        out = point_out(point, found[0].level if found else None)
        out["risks"] = [risk_out(r) for r in found]
        return out


@blp.route("/risk-points/<int:point_id>/risks")
class PointRisks(MethodView):
    @blp.arguments(RiskListArgs, location="query")
    @blp.response(200, RiskList)
    def get(self, args: dict, point_id: int) -> dict:
        get_or_404(RiskPoint, point_id, f"Risk point {point_id} not found")
        stmt = sa.select(Risk).where(Risk.risk_point_id == point_id)
        if args["level"]:
            stmt = stmt.where(Risk.level == args["level"])
        return _page(stmt, args, risk_out)

    @blp.arguments(RiskInSchema)
    @blp.response(201, RiskSchema)
    def post(self, data: dict, point_id: int) -> dict:
        """Add a risk with its first assessment (LEC, LS, or 直接判定 major)."""
        point = get_or_404(RiskPoint, point_id, f"Risk point {point_id} not found")
        risk = risks.create_risk(api_user(), point, data, now=clock.now(), today=clock.today())
        return risk_out(risk)


# --- risks ------------------------------------------------------------------------


def _risk(risk_id: int) -> Risk:
    return get_or_404(Risk, risk_id, f"Risk {risk_id} not found")


@blp.route("/risks")
class Risks(MethodView):
    @blp.arguments(RiskListArgs, location="query")
    @blp.response(200, RiskList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(Risk)
        if args["level"]:
            stmt = stmt.where(Risk.level == args["level"])
        return _page(stmt, args, risk_out)


@blp.route("/risks/<int:risk_id>")
class RiskById(MethodView):
    @blp.response(200, RiskDetailSchema)
    def get(self, risk_id: int) -> dict:
        """A risk with its assessment history (newest first) and its controls."""
        risk = _risk(risk_id)
        out = risk_out(risk)
        out["assessments"] = [assessment_out(a) for a in risks.assessments_of(risk)]
        depths = risks.unit_depths()
        controls = risks.controls_of_risks([risk.id])[risk.id]
        out["controls"] = [control_out(c, depths) for c in controls]
        return out


@blp.route("/risks/<int:risk_id>/assessments")
class RiskAssessments(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, AssessmentList)
    def get(self, args: dict, risk_id: int) -> dict:
        _risk(risk_id)
        stmt = sa.select(RiskAssessment).where(RiskAssessment.risk_id == risk_id)
        return _page(stmt, args, assessment_out)

    @blp.arguments(AssessmentInSchema)
    @blp.response(201, AssessmentSchema)
    def post(self, data: dict, risk_id: int) -> dict:
        """Re-assess; the risk takes the new level, the history keeps the old ones."""
        risk = _risk(risk_id)
        found = risks.assess_risk(api_user(), risk, data, now=clock.now(), today=clock.today())
        return assessment_out(found)


@blp.route("/risks/<int:risk_id>/controls")
class RiskControls(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, ControlList)
    def get(self, args: dict, risk_id: int) -> dict:
        _risk(risk_id)
        depths = risks.unit_depths()
        stmt = sa.select(RiskControl).where(RiskControl.risk_id == risk_id)
        return _page(stmt, args, lambda c: control_out(c, depths))

    @blp.arguments(ControlInSchema)
    @blp.response(201, ControlSchema)
    def post(self, data: dict, risk_id: int) -> dict:
        """Add a control; its tier follows where the owner post sits in the unit tree."""
        risk = _risk(risk_id)
        control = risks.create_control(api_user(), risk, data, now=clock.now(), today=clock.today())
        return control_out(control)


# --- controls and checks -------------------------------------------------------------


def _control(control_id: int) -> RiskControl:
    return get_or_404(RiskControl, control_id, f"Control {control_id} not found")


@blp.route("/controls/<int:control_id>")
class ControlById(MethodView):
    @blp.response(200, ControlSchema)
    def get(self, control_id: int) -> dict:
        return control_out(_control(control_id))


@blp.route("/controls/<int:control_id>/checks")
class ControlChecks(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, CheckList)
    def get(self, args: dict, control_id: int) -> dict:
        _control(control_id)
        stmt = sa.select(ControlCheck).where(ControlCheck.control_id == control_id)
        return _page(stmt, args, check_out)

    @blp.arguments(CheckInSchema)
    @blp.response(201, CheckSchema)
    def post(self, data: dict, control_id: int) -> dict:
        """Record a check (owner post holders or admins); a failed one may raise a hazard."""
        control = _control(control_id)
        check = risk_checks.record_check(
            api_user(), control, data, now=clock.now(), today=clock.today()
        )
        return check_out(check)


@blp.route("/risk-checks")
class DueChecks(MethodView):
    @blp.arguments(DueArgs, location="query")
    @blp.response(200, DueCheckList)
    def get(self, args: dict) -> dict:
        """Controls and their next check; ``due=true``: due today or overdue."""
        cursor = None
        if args["cursor"]:
            (cursor,) = decode_cursor(args["cursor"], 1)
            if not isinstance(cursor, int):
                raise ValidationError({"cursor": "Invalid cursor."})
        rows, last = risk_checks.due_checks(
            clock.today(),
            due=args["due"],
            cursor=cursor,
            limit=args["limit"],
            unit_ids=_units(args["unit_id"]),
            post_ids=[args["owner_post_id"]] if args["owner_post_id"] is not None else None,
        )
        return {"items": rows, "next_cursor": encode_cursor([last]) if last else None}
