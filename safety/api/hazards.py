"""Hazards (隐患) and the closed loop (五定): report, list, act.

Every action takes the ``version`` the client saw and answers the updated
hazard; the rules live in :mod:`safety.services.hazards`.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from marshmallow import EXCLUDE, Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, make_blueprint
from safety.models import Hazard, HazardLevel, HazardStatus, User
from safety.services import hazards as svc
from safety.services.overdue import days_overdue, is_overdue

blp = make_blueprint("hazards", "Hazards (隐患) and the closed loop (五定)")


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class HazardRiskInSchema(_Lenient):
    l = fields.Float(allow_none=True, allow_nan=False)  # noqa: E741
    e = fields.Float(allow_none=True, allow_nan=False)
    c = fields.Float(allow_none=True, allow_nan=False)


class HazardRiskSchema(Schema):
    l = fields.Float()  # noqa: E741
    e = fields.Float()
    c = fields.Float()
    d = fields.Float()
    grade = fields.String(metadata={"description": "major | significant | general | low"})


class HazardCreateSchema(_Lenient):
    title = fields.String(required=True, allow_none=True)
    unit_id = fields.Integer(required=True, allow_none=True, strict=False)
    level = fields.String(
        load_default="general", validate=validate.OneOf([m.value for m in HazardLevel])
    )
    description = fields.String(allow_none=True, load_default=None)
    location = fields.String(allow_none=True, load_default=None)
    category = fields.String(allow_none=True, load_default=None)
    found_at = fields.DateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "ISO 8601; without an offset it is read in TIMEZONE"},
    )
    risk = fields.Nested(
        HazardRiskInSchema,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "LEC kept on the hazard as contract §4 writes it; risks are "
            "graded in the risk register (§6), whose colour a linked hazard shows"
        },
    )
    criterion = fields.String(allow_none=True, load_default=None)
    basis = fields.String(allow_none=True, load_default=None)
    fixed_on_spot = fields.Boolean(load_default=False)
    measures = fields.String(allow_none=True, load_default=None)


class HazardVersionSchema(_Lenient):
    version = fields.Integer(required=True, strict=False)


class HazardPlanSchema(_Lenient):
    objective = fields.String(allow_none=True)
    methods = fields.String(allow_none=True)
    resources = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    schedule = fields.String(allow_none=True)
    safety_measures = fields.String(allow_none=True)


class HazardAssignSchema(HazardVersionSchema):
    accountable_post_id = fields.Integer(required=True, allow_none=True, strict=False)
    deadline = fields.Date(required=True, allow_none=True)
    measures = fields.String(required=True, allow_none=True)
    funds = fields.Decimal(required=True, allow_none=True, allow_nan=False)
    contingency_plan = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "for a major hazard, plan.safety_measures may stand in"},
    )
    plan = fields.Nested(HazardPlanSchema, allow_none=True, load_default=None)
    stop_work = fields.Boolean(load_default=False)


class HazardNoteSchema(HazardVersionSchema):
    note = fields.String(allow_none=True, load_default=None)


class HazardExtendSchema(HazardVersionSchema):
    deadline = fields.Date(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)


class HazardReasonSchema(HazardVersionSchema):
    reason = fields.String(required=True, allow_none=True)


class HazardVerifySchema(HazardNoteSchema):
    evaluation = fields.String(
        allow_none=True, load_default=None, metadata={"description": "评估; required for major"}
    )


class HazardAuthoritySchema(HazardVersionSchema):
    authority = fields.String(required=True, allow_none=True)
    reported_on = fields.Date(required=True, allow_none=True)
    listed = fields.Boolean(load_default=False)
    supervision_deadline = fields.Date(allow_none=True, load_default=None)


class HazardRegradeSchema(HazardVersionSchema):
    level = fields.String(required=True, allow_none=True)
    criterion = fields.String(allow_none=True, load_default=None)
    reason = fields.String(required=True, allow_none=True)


class HazardWriteOffSchema(HazardVersionSchema):
    authority = fields.String(required=True, allow_none=True)
    decided_on = fields.Date(required=True, allow_none=True)
    document_no = fields.String(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None)


class HazardHolderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class HazardPhotoSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer(allow_none=True)
    url = fields.String()
    thumb_url = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class HazardSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    unit_id = fields.Integer()
    unit_name = fields.String()
    level = fields.String()
    status = fields.String()
    version = fields.Integer()
    found_at = fields.DateTime()
    found_on = fields.Date()
    reporter_id = fields.Integer(allow_none=True)
    criterion = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    repeat = fields.Boolean()
    repeat_of_id = fields.Integer(allow_none=True)
    risk = fields.Nested(HazardRiskSchema, allow_none=True)
    accountable_post_id = fields.Integer(allow_none=True)
    accountable_post_title = fields.String(allow_none=True)
    accountable_holders = fields.List(fields.Nested(HazardHolderSchema))
    measures = fields.String(allow_none=True)
    funds = fields.Decimal(
        allow_none=True,
        as_string=True,
        metadata={"type": "string", "format": "decimal", "example": "12000.00"},
    )
    deadline = fields.Date(allow_none=True)
    contingency_plan = fields.String(allow_none=True)
    plan = fields.Dict(allow_none=True)
    stop_work = fields.Boolean()
    plan_approved_at = fields.DateTime(allow_none=True)
    plan_approved_by_id = fields.Integer(allow_none=True)
    extension_count = fields.Integer()
    extension_requested = fields.Date(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    overdue = fields.Boolean()
    days_overdue = fields.Integer()
    assigned_at = fields.DateTime(allow_none=True)
    submitted_by_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    verified_by_id = fields.Integer(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reported_to_authority_on = fields.Date(allow_none=True)
    listed_for_supervision = fields.Boolean()
    supervising_authority = fields.String(allow_none=True)
    supervision_deadline = fields.Date(allow_none=True)
    evaluation = fields.String(allow_none=True)
    written_off_on = fields.Date(allow_none=True)
    write_off_authority = fields.String(allow_none=True)
    write_off_document = fields.String(allow_none=True)
    risk_point_id = fields.Integer(allow_none=True)  # where a failed control check raised it
    control_id = fields.Integer(allow_none=True)
    risk_level = fields.String(
        allow_none=True,
        metadata={
            "description": "level of the control's risk (major|high|medium|low); null if none"
        },
    )
    risk_colour = fields.String(
        allow_none=True, metadata={"description": "red|orange|yellow|blue; null if not linked"}
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class HazardHistorySchema(Schema):
    action = fields.String()
    actor_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    note = fields.String(allow_none=True)
    data = fields.Dict()
    photos = fields.List(fields.Nested(HazardPhotoSchema))


class HazardDetailSchema(HazardSchema):
    history = fields.List(fields.Nested(HazardHistorySchema))
    photos = fields.List(fields.Nested(HazardPhotoSchema))


class HazardListArgs(ListArgs):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf([s.value for s in HazardStatus]),
    )
    unit_id = fields.Integer(load_default=None, metadata={"description": "includes its subtree"})
    level = fields.String(
        load_default=None, validate=validate.OneOf([m.value for m in HazardLevel])
    )
    overdue = fields.Boolean(load_default=None)
    accountable_post_id = fields.Integer(load_default=None)
    q = fields.String(
        load_default=None, metadata={"description": "number, title, description, location"}
    )
    sort = fields.String(load_default="id", validate=validate.OneOf(list(svc.SORTS)))


class HazardList(Schema):
    items = fields.List(fields.Nested(HazardSchema))
    next_cursor = fields.String(allow_none=True)


def _holder(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email}


def _photo(photo: Any) -> dict[str, Any]:
    return {
        "id": photo.id,
        "event_id": photo.event_id,
        "url": url_for("hazards.photo", name=photo.stored_name),
        "thumb_url": url_for("hazards.photo", name=photo.thumb_name),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
    }


def hazard_out(
    hazard: Hazard, holders: list[User], today: Any, risk_level: Any = None
) -> dict[str, Any]:
    """The API's view of a hazard (overdue computed against ``today``).

    ``risk_level``: the level of the register's risk it is linked to, if any.
    """
    score = svc.risk_score(hazard)
    out = {
        key: getattr(hazard, key)
        for key in HazardSchema._declared_fields
        if hasattr(Hazard, key) and key not in ("risk",)
    }
    out.update(
        level=hazard.level.value,
        status=hazard.status.value,
        unit_name=hazard.unit.name,
        accountable_post_title=hazard.accountable_post.title if hazard.accountable_post else None,
        accountable_holders=[_holder(u) for u in holders],
        overdue=is_overdue(hazard, today),
        days_overdue=days_overdue(hazard, today),
        risk_level=risk_level.value if risk_level else None,
        risk_colour=svc.linked_risk(risk_level)["risk_colour"],
        risk=(
            {
                "l": hazard.risk_l,
                "e": hazard.risk_e,
                "c": hazard.risk_c,
                "d": score,
                "grade": svc.risk_grade(score),
            }
            if score is not None
            else None
        ),
    )
    return out


def detail_out(hazard: Hazard) -> dict[str, Any]:
    today = clock.today()
    detail = svc.hazard_detail(hazard, today=today)
    level = svc.linked_risk_levels([hazard]).get(hazard.id)
    out = hazard_out(hazard, detail.holders, today, level)
    out["history"] = [
        {
            "action": event.action,
            "actor_id": event.actor_id,
            "at": event.at,
            "note": event.note,
            "data": event.data or {},
            "photos": [_photo(p) for p in detail.photos.get(event.id, [])],
        }
        for event in detail.events
    ]
    out["photos"] = [_photo(p) for group in detail.photos.values() for p in group]
    return out


def _load(hazard_id: int) -> Hazard:
    return svc.get_hazard(hazard_id)


@blp.route("/hazards")
class Hazards(MethodView):
    @blp.arguments(HazardListArgs, location="query")
    @blp.response(200, HazardList)
    def get(self, args: dict) -> dict:
        """Hazards, filtered; ``unit_id`` includes the units below it."""
        today = clock.today()
        filters = svc.HazardFilters(
            status=[HazardStatus(args["status"])] if args["status"] else [],
            unit_id=args["unit_id"],
            level=HazardLevel(args["level"]) if args["level"] else None,
            overdue=args["overdue"],
            accountable_post_id=args["accountable_post_id"],
            q=args["q"],
            sort=args["sort"],
        )
        page = svc.list_hazards(
            filters, user=api_user(), today=today, cursor=args["cursor"], limit=args["limit"]
        )
        linked = svc.linked_risk_levels(page.items)
        return {
            "items": [
                hazard_out(h, page.holders.get(h.accountable_post_id, []), today, linked.get(h.id))
                for h in page.items
            ],
            "next_cursor": page.next_cursor,
        }

    @blp.arguments(HazardCreateSchema)
    @blp.response(201, HazardDetailSchema)
    def post(self, data: dict) -> dict:
        """Report a hazard (any signed-in user)."""
        hazard = svc.report_hazard(api_user(), data, now=clock.now())
        return detail_out(hazard)


@blp.route("/hazards/<int:hazard_id>")
class HazardById(MethodView):
    @blp.response(200, HazardDetailSchema)
    def get(self, hazard_id: int) -> dict:
        """One hazard with its whole history."""
        return detail_out(_load(hazard_id))


def _action(path: str, schema: type[Schema], doc: str) -> None:
    """Register ``POST /hazards/{id}/<path>``: the body goes to :func:`svc.perform`."""
    action = path.replace("-", "_")

    def post(self: MethodView, data: dict, hazard_id: int) -> dict:
        version = data.pop("version")
        hazard = svc.perform(
            hazard_id, action, api_user(), data, version, now=clock.now(), today=clock.today()
        )
        return detail_out(hazard)

    post.__doc__ = doc
    view = type(
        f"Hazard{path.title().replace('-', '')}",
        (MethodView,),
        {"post": blp.response(200, HazardDetailSchema)(blp.arguments(schema)(post))},
    )
    blp.route(f"/hazards/<int:hazard_id>/{path}")(view)


for _path, _schema, _doc in (
    ("assign", HazardAssignSchema, "Set the 五定 (a major hazard: its 治理方案 and stop_work)."),
    ("submit", HazardNoteSchema, "The accountable holder reports the fix; → pending_verification."),
    (
        "verify",
        HazardVerifySchema,
        "Accept the fix (not the submitter); a major needs evaluation.",
    ),
    ("reject", HazardNoteSchema, "Send the rectification back with a reason; → rectifying."),
    ("extend", HazardExtendSchema, "Managers grant a later deadline (at most MAX_EXTENSIONS)."),
    ("request-extension", HazardExtendSchema, "The accountable holders ask for a later deadline."),
    ("refuse-extension", HazardReasonSchema, "Managers refuse the open extension request."),
    ("void", HazardReasonSchema, "Withdraw the hazard with a reason; → void."),
    ("approve-plan", HazardNoteSchema, "The unit's principal approves a major hazard's 治理方案."),
    ("report-authority", HazardAuthoritySchema, "Record the report to the authority (挂牌督办?)."),
    ("regrade", HazardRegradeSchema, "Move between general and major, with a reason."),
    (
        "write-off",
        HazardWriteOffSchema,
        "核销 of a listed major hazard; → closed.",
    ),
):
    _action(_path, _schema, _doc)


class CriteriaItemSchema(Schema):
    code = fields.String()
    text = fields.String()


class CriteriaSetSchema(Schema):
    code = fields.String()
    title = fields.String()
    version = fields.String()
    items = fields.List(fields.Nested(CriteriaItemSchema))


@blp.route("/major-criteria")
class MajorCriteria(MethodView):
    @blp.response(200, CriteriaSetSchema(many=True))
    def get(self) -> list[dict]:
        """Published 判定标准 sets; a major hazard's ``criterion`` is an item code."""
        api_user()
        return [
            {
                "code": c.code,
                "title": c.title,
                "version": c.version,
                "items": [{"code": code, "text": text} for code, text in c.items],
            }
            for c in svc.criteria_sets()
        ]
