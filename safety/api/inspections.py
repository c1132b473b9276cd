"""Checklists, inspection plans and inspections (failed items raise hazards)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, list_schema, make_blueprint, paginate
from safety.models import (
    Checklist,
    HazardLevel,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    PlanKind,
)
from safety.services import inspections as service
from safety.services.db import get_or_404

blp = make_blueprint("inspections", "Checklists, inspection plans and inspections")


# --- schemas ------------------------------------------------------------------


class ChecklistItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    section = fields.String(allow_none=True)
    text = fields.String()
    guidance = fields.String(allow_none=True)
    photo_required_on_fail = fields.Boolean()


class ChecklistCreateSchema(Schema):
    name = fields.String(required=True)
    items = fields.List(
        fields.Raw(),
        required=True,
        metadata={
            "description": "item texts; an item may also be "
            "{text, section?, guidance?, photo_required_on_fail?}"
        },
    )


class ChecklistSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    version = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()
    items = fields.Method("_items")

    def _items(self, checklist: Checklist) -> list[dict[str, Any]]:
        version = self.context_version(checklist)
        return ChecklistItemSchema(many=True).dump(service.checklist_items(checklist, version))

    def context_version(self, checklist: Checklist) -> int:
        return getattr(checklist, "_api_version", None) or checklist.version


class ChecklistListArgs(ListArgs):
    active = fields.Boolean(load_default=None)


class ChecklistVersionArgs(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1))


class HazardInSchema(Schema):
    title = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(["general", "major"]))
    #: 判定标准 item code; a major hazard needs one (contract §7)
    criterion = fields.String(allow_none=True, load_default=None)
    description = fields.String(allow_none=True, load_default=None)


class InspectionItemInSchema(Schema):
    text = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf([r.value for r in ItemResult]))
    note = fields.String(allow_none=True, load_default=None)
    hazard = fields.Nested(HazardInSchema, allow_none=True, load_default=None)


class InspectionCreateSchema(Schema):
    unit_id = fields.Integer(required=True, strict=True)
    checklist_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    plan_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    location = fields.String(allow_none=True, load_default=None)
    performed_at = fields.String(
        required=True, metadata={"description": "ISO-8601; without an offset read in TIMEZONE"}
    )
    items = fields.List(
        fields.Nested(InspectionItemInSchema), required=True, validate=validate.Length(min=1)
    )


class InspectionItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    text = fields.String()
    #: null only on a draft item kept for its photos
    result = fields.Enum(ItemResult, by_value=True, allow_none=True)
    note = fields.String(allow_none=True)
    hazard_id = fields.Integer(allow_none=True)
    #: The hazard prepared for a failed item (kept by drafts; what was raised).
    hazard_title = fields.String(allow_none=True)
    hazard_level = fields.Enum(HazardLevel, by_value=True, allow_none=True)
    hazard_description = fields.String(allow_none=True)


class InspectionSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    checklist_id = fields.Integer(allow_none=True)
    checklist_version = fields.Integer(allow_none=True)
    plan_id = fields.Integer(allow_none=True)
    inspector_id = fields.Integer(allow_none=True)
    performed_at = fields.DateTime()
    location = fields.String(allow_none=True)
    status = fields.Enum(InspectionStatus, by_value=True)
    submitted_at = fields.DateTime(allow_none=True)
    hazard_ids = fields.Method("_hazard_ids")
    items = fields.List(fields.Nested(InspectionItemSchema))

    def _hazard_ids(self, inspection: Inspection) -> list[int]:
        return service.hazard_ids_of(inspection)


class InspectionListArgs(ListArgs):
    unit_id = fields.Integer(load_default=None)
    inspector_id = fields.Integer(load_default=None)
    checklist_id = fields.Integer(load_default=None)
    status = fields.Enum(InspectionStatus, by_value=True, load_default=None)


class PlanSchema(Schema):
    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(required=True)
    checklist_id = fields.Integer(required=True)
    kind = fields.Enum(PlanKind, by_value=True, required=True)
    responsible_post_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    next_due = fields.Date(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)


class PlanListArgs(ListArgs):
    unit_id = fields.Integer(load_default=None)
    due_on = fields.Date(
        load_default=None, metadata={"description": "only plans due or overdue on this date"}
    )


class DueArgs(Schema):
    on = fields.Date(load_default=None, metadata={"description": "default: today"})


class DuePlanSchema(Schema):
    user_id = fields.Integer()
    plan_id = fields.Integer()
    next_due = fields.Date()


ChecklistList = list_schema(ChecklistSchema, "ChecklistList")
InspectionList = list_schema(InspectionSchema, "InspectionList")
PlanList = list_schema(PlanSchema, "PlanList")


# --- checklists ---------------------------------------------------------------


@blp.route("/checklists")
class Checklists(MethodView):
    @blp.arguments(ChecklistListArgs, location="query")
    @blp.response(200, ChecklistList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(Checklist)
        if args["active"] is not None:
            stmt = stmt.where(Checklist.active.is_(args["active"]))
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(ChecklistCreateSchema)
    @blp.response(201, ChecklistSchema)
    def post(self, data: dict) -> Checklist:
        return service.create_checklist(api_user(), data, now=clock.now())


@blp.route("/checklists/<int:checklist_id>")
class ChecklistById(MethodView):
    @blp.arguments(ChecklistVersionArgs, location="query")
    @blp.response(200, ChecklistSchema)
    def get(self, args: dict, checklist_id: int) -> Checklist:
        """A checklist with the items of its current version (or ``?version=``)."""
        checklist = get_or_404(Checklist, checklist_id)
        version = args["version"]
        if version is not None and version > checklist.version:
            get_or_404(Checklist, -1, f"Checklist {checklist_id} has no version {version}")
        checklist._api_version = version  # type: ignore[attr-defined]
        return checklist


# --- inspections --------------------------------------------------------------


def _performed_at(text: str) -> Any:
    from safety.services.errors import ValidationError

    try:
        return clock.parse_instant(text.strip())
    except ValueError:
        raise ValidationError({"performed_at": "Not a valid ISO-8601 date and time."}) from None


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(InspectionListArgs, location="query")
    @blp.response(200, InspectionList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(Inspection)
        for key in ("unit_id", "inspector_id", "checklist_id", "status"):
            if args[key] is not None:
                stmt = stmt.where(getattr(Inspection, key) == args[key])
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data: dict) -> Inspection:
        """Record a finished inspection; each failed item with ``hazard`` raises one."""
        data["performed_at"] = _performed_at(data["performed_at"])
        return service.record_inspection(api_user(), data, now=clock.now())


@blp.route("/inspections/<int:inspection_id>")
class InspectionById(MethodView):
    @blp.response(200, InspectionSchema)
    def get(self, inspection_id: int) -> Inspection:
        return get_or_404(Inspection, inspection_id)


# --- plans --------------------------------------------------------------------


@blp.route("/inspection-plans")
class Plans(MethodView):
    @blp.arguments(PlanListArgs, location="query")
    @blp.response(200, PlanList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(InspectionPlan).where(InspectionPlan.active.is_(True))
        if args["unit_id"] is not None:
            stmt = stmt.where(InspectionPlan.unit_id == args["unit_id"])
        if args["due_on"] is not None:
            stmt = stmt.where(
                InspectionPlan.next_due.is_not(None), InspectionPlan.next_due <= args["due_on"]
            )
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(PlanSchema)
    @blp.response(201, PlanSchema)
    def post(self, data: dict) -> InspectionPlan:
        return service.create_plan(api_user(), data, today=clock.today(), now=clock.now())


@blp.route("/inspection-plans/<int:plan_id>")
class PlanById(MethodView):
    @blp.response(200, PlanSchema)
    def get(self, plan_id: int) -> InspectionPlan:
        return get_or_404(InspectionPlan, plan_id)


@blp.route("/inspection-plans/due")
class DuePlans(MethodView):
    @blp.arguments(DueArgs, location="query")
    @blp.response(200, DuePlanSchema(many=True))
    def get(self, args: dict) -> list[dict[str, Any]]:
        """Who must carry out which plan: ``[{user_id, plan_id, next_due}]``."""
        on = args["on"] or clock.today()
        return [{"user_id": u, "plan_id": p, "next_due": d} for u, p, d in service.due_plans(on)]
