"""Performance of duty: scorecards per period and accountability actions (contract §8)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, list_schema, make_blueprint, paginate
from safety.models import AccountabilityAction, ActionKind, Assessment, AssessmentStatus
from safety.services import duty

blp = make_blueprint("assessments", "Performance of duty: scorecards and accountability actions")


class IndicatorSchema(Schema):
    code = fields.String()
    value = fields.Float(allow_none=True)
    score = fields.Float()
    weight = fields.Float()


class ManualSchema(Schema):
    item = fields.String()
    score = fields.Float()
    note = fields.String()


class ActionSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    kind = fields.Enum(ActionKind, by_value=True, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    decided_on = fields.Date(required=True)
    hazard_ids = fields.List(fields.Integer(), load_default=list)


class ScorecardSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    user_id = fields.Integer()
    period = fields.String()
    days_held = fields.Integer()
    indicators = fields.List(fields.Nested(IndicatorSchema))
    manual = fields.List(fields.Nested(ManualSchema))
    total = fields.Float()
    grade = fields.String(allow_none=True)
    status = fields.Enum(AssessmentStatus, by_value=True)
    version = fields.Integer()
    rules_version = fields.Integer(allow_none=True)
    dispute_note = fields.String(allow_none=True)
    actions = fields.Method("_actions")

    def _actions(self, row: Assessment) -> list[dict[str, Any]]:
        return ActionSchema(many=True).dump(duty.scorecards.actions_for(row))


class AssessmentArgs(ListArgs):
    period = fields.String(
        load_default=None, metadata={"description": "2026-Q4 or 2026 (default: this quarter)"}
    )
    post_id = fields.Integer(load_default=None)
    user_id = fields.Integer(load_default=None)


class AssessBody(Schema):
    manual = fields.Raw(load_default=list, metadata={"description": "[{item, score, note}]"})
    version = fields.Integer(required=True)


class ConfirmBody(Schema):
    version = fields.Integer(required=True)


class DisputeBody(Schema):
    note = fields.String(required=True)
    version = fields.Integer(required=True)


class ActionArgs(ListArgs):
    user_id = fields.Integer(load_default=None)
    post_id = fields.Integer(load_default=None)


ScorecardList = list_schema(ScorecardSchema, "ScorecardList")
ActionList = list_schema(ActionSchema, "AccountabilityActionList")


@blp.route("/assessments")
class Assessments(MethodView):
    @blp.arguments(AssessmentArgs, location="query")
    @blp.response(200, ScorecardList)
    def get(self, args: dict) -> dict:
        today = clock.today()
        period = args["period"] or duty.current_period(today).code
        stmt = duty.list_scorecards(
            period, today=today, now=clock.now(), post_id=args["post_id"], user_id=args["user_id"]
        )
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])


@blp.route("/assessments/<int:assessment_id>")
class AssessmentById(MethodView):
    @blp.response(200, ScorecardSchema)
    def get(self, assessment_id: int) -> Assessment:
        return duty.get_scorecard(assessment_id)


@blp.route("/assessments/<int:assessment_id>/assess", methods=["POST"])
@blp.arguments(AssessBody)
@blp.response(200, ScorecardSchema)
def assess(data: dict, assessment_id: int) -> Assessment:
    return duty.assess(api_user(), assessment_id, **data, today=clock.today(), now=clock.now())


@blp.route("/assessments/<int:assessment_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmBody)
@blp.response(200, ScorecardSchema)
def confirm(data: dict, assessment_id: int) -> Assessment:
    return duty.confirm(api_user(), assessment_id, **data, now=clock.now())


@blp.route("/assessments/<int:assessment_id>/dispute", methods=["POST"])
@blp.arguments(DisputeBody)
@blp.response(200, ScorecardSchema)
def dispute(data: dict, assessment_id: int) -> Assessment:
    return duty.dispute(api_user(), assessment_id, **data, now=clock.now())


@blp.route("/accountability-actions")
class Actions(MethodView):
    @blp.arguments(ActionArgs, location="query")
    @blp.response(200, ActionList)
    def get(self, args: dict) -> dict:
        stmt = duty.list_actions(user_id=args["user_id"], post_id=args["post_id"])
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(ActionSchema)
    @blp.response(201, ActionSchema)
    def post(self, data: dict) -> AccountabilityAction:
        return duty.create_action(api_user(), **data, now=clock.now())
