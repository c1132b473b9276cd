"""The responsibility matrix (一岗双责): duties, responsibilities, lists and sign-off.

Admins write duties and responsibilities; every signed-in user reads; only a
person holding a post today signs its list. Rules live in
:mod:`safety.services.matrix` and :mod:`safety.permissions`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, list_schema, make_blueprint, paginate
from safety.models import Duty, DutyCategory, PostLevel, Responsibility, ResponsibilityKind
from safety.services import matrix
from safety.services.errors import NotFound

ID = validate.Range(min=1, max=matrix.MAX_ID)

blp = make_blueprint("matrix", "Responsibility matrix: duties, responsibilities, lists, sign-off")


class DutySchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(allow_none=True, load_default=None)
    category = fields.Enum(DutyCategory, by_value=True, required=True)


class ResponsibilitySchema(Schema):
    id = fields.Integer(dump_only=True)
    post_id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    kind = fields.Enum(ResponsibilityKind, by_value=True, required=True)
    duty_id = fields.Integer(allow_none=True, load_default=None)
    description = fields.String(allow_none=True, load_default=None)


class ResponsibilityListArgs(ListArgs):
    post_id = fields.Integer(load_default=None, validate=ID)
    unit_id = fields.Integer(load_default=None, validate=ID)
    kind = fields.Enum(ResponsibilityKind, by_value=True, load_default=None)


class DutyListArgs(ListArgs):
    category = fields.Enum(DutyCategory, by_value=True, load_default=None)


class MatrixArgs(Schema):
    unit_id = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "only this unit and the units below it"},
    )
    level = fields.Enum(PostLevel, by_value=True, load_default=None)


class MatrixPostSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    unit_id = fields.Integer()
    level = fields.Enum(PostLevel, by_value=True)


class MatrixUnitSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()


class MatrixCellSchema(Schema):
    post_id = fields.Integer()
    unit_id = fields.Integer()
    kinds = fields.List(fields.String())


class MatrixGapSchema(Schema):
    type = fields.String(
        validate=validate.OneOf(matrix.GAP_TYPES),
        metadata={"enum": list(matrix.GAP_TYPES)},
    )
    unit_id = fields.Integer()
    post_id = fields.Integer()
    user_id = fields.Integer(metadata={"description": "unacknowledged: who has not signed"})
    version = fields.Integer(metadata={"description": "unacknowledged: the version to sign"})
    risk_id = fields.Integer(metadata={"description": "risk gaps (contract §6)"})
    risk_point_id = fields.Integer(metadata={"description": "risk gaps (contract §6)"})
    message = fields.String()


class MatrixSchema(Schema):
    posts = fields.List(fields.Nested(MatrixPostSchema))
    units = fields.List(fields.Nested(MatrixUnitSchema))
    cells = fields.List(fields.Nested(MatrixCellSchema))
    gaps = fields.List(fields.Nested(MatrixGapSchema))


class AcknowledgementSchema(Schema):
    post_id = fields.Integer()
    user_id = fields.Integer()
    version = fields.Integer()
    at = fields.DateTime()


class AcknowledgementItemSchema(Schema):
    user_id = fields.Integer()
    version = fields.Integer()
    at = fields.DateTime()


class AcknowledgeArgs(Schema):
    version = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "the version read; a stale one is 409 (default: current)"},
    )


class ResponsibilityListItemSchema(Schema):
    responsibility_id = fields.Integer()
    unit_id = fields.Integer()
    unit_code = fields.String()
    unit_name = fields.String()
    kind = fields.String()
    duty_id = fields.Integer(allow_none=True)
    duty_title = fields.String(allow_none=True)
    duty_category = fields.String(allow_none=True)
    duty_description = fields.String(allow_none=True)
    description = fields.String(allow_none=True)


class ResponsibilityListSchema(Schema):
    post_id = fields.Integer()
    version = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(ResponsibilityListItemSchema))
    business_duties = fields.String(allow_none=True)
    acknowledgements = fields.List(fields.Nested(AcknowledgementItemSchema))


class ResponsibilityListDiffArgs(Schema):
    from_version = fields.Integer(
        data_key="from",
        load_default=None,
        validate=ID,
        metadata={"description": "default: the one before"},
    )
    to_version = fields.Integer(
        data_key="to", load_default=None, validate=ID, metadata={"description": "default: current"}
    )


class ResponsibilityListChangeSchema(Schema):
    before = fields.Nested(ResponsibilityListItemSchema)
    after = fields.Nested(ResponsibilityListItemSchema)


class ResponsibilityListDiffSchema(Schema):
    post_id = fields.Integer()
    from_version = fields.Integer(data_key="from", allow_none=True)
    to_version = fields.Integer(data_key="to")
    added = fields.List(fields.Nested(ResponsibilityListItemSchema))
    removed = fields.List(fields.Nested(ResponsibilityListItemSchema))
    changed = fields.List(fields.Nested(ResponsibilityListChangeSchema))
    business_duties = fields.List(fields.String(allow_none=True), allow_none=True)


DutyList = list_schema(DutySchema, "DutyList")
ResponsibilityList = list_schema(ResponsibilitySchema, "ResponsibilityPage")


@blp.route("/duties")
class Duties(MethodView):
    @blp.arguments(DutyListArgs, location="query")
    @blp.response(200, DutyList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(Duty)
        if args["category"] is not None:
            stmt = stmt.where(Duty.category == args["category"])
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(DutySchema)
    @blp.response(201, DutySchema)
    def post(self, data: dict) -> Duty:
        return matrix.create_duty(api_user(), **data, now=clock.now())


@blp.route("/duties/<int:duty_id>")
class DutyById(MethodView):
    @blp.response(200, DutySchema)
    def get(self, duty_id: int) -> Duty:
        return matrix.load_or_404(Duty, duty_id)


@blp.route("/responsibilities")
class Responsibilities(MethodView):
    @blp.arguments(ResponsibilityListArgs, location="query")
    @blp.response(200, ResponsibilityList)
    def get(self, args: dict) -> dict:
        stmt = sa.select(Responsibility)
        for name in ("post_id", "unit_id", "kind"):
            if args[name] is not None:
                stmt = stmt.where(getattr(Responsibility, name) == args[name])
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(ResponsibilitySchema)
    @blp.response(201, ResponsibilitySchema)
    def post(self, data: dict) -> Responsibility:
        return matrix.create_responsibility(api_user(), **data, now=clock.now())


@blp.route("/responsibilities/<int:responsibility_id>")
class ResponsibilityById(MethodView):
    @blp.response(200, ResponsibilitySchema)
    def get(self, responsibility_id: int) -> Responsibility:
        return matrix.load_or_404(Responsibility, responsibility_id)


@blp.route("/matrix")
class Matrix(MethodView):
    @blp.arguments(MatrixArgs, location="query")
    @blp.response(200, MatrixSchema)
    def get(self, args: dict) -> dict:
        """Posts × units with the kinds in each cell, and the gaps (same as the matrix page)."""
        data = matrix.matrix_data(unit_id=args["unit_id"], level=args["level"], today=clock.today())
        return {
            "posts": data["posts"],
            "units": [
                {"id": u.id, "name": u.name, "code": u.code, "parent_id": u.parent_id, "depth": d}
                for u, d in data["units"]
            ],
            "cells": data["cells"],
            "gaps": data["gaps"],
        }


@blp.route("/posts/<int:post_id>/responsibility-list")
class PostResponsibilityList(MethodView):
    @blp.response(200, ResponsibilityListSchema)
    def get(self, post_id: int) -> dict:
        """The current version; ``version`` is null while the post has no list."""
        return matrix.responsibility_list(post_id)


@blp.route("/posts/<int:post_id>/responsibility-list/diff")
class PostResponsibilityListDiff(MethodView):
    @blp.arguments(ResponsibilityListDiffArgs, location="query")
    @blp.response(200, ResponsibilityListDiffSchema)
    def get(self, args: dict, post_id: int) -> dict:
        """What changed between two versions (default: the previous and the current one)."""
        to_version = args["to_version"] or matrix.responsibility_list(post_id)["version"]
        if to_version is None:
            raise NotFound("This post has no responsibility list yet.")
        from_version = args["from_version"]
        if from_version is None and to_version > 1:
            from_version = to_version - 1
        diff = matrix.diff_versions(post_id, from_version, to_version)
        return {
            "post_id": post_id,
            "from_version": from_version,
            "to_version": to_version,
            **diff.as_dict(),
        }


@blp.route("/posts/<int:post_id>/acknowledgements")
class PostAcknowledgements(MethodView):
    @blp.arguments(AcknowledgeArgs, required=False)
    @blp.response(201, AcknowledgementSchema)
    def post(self, data: dict | None, post_id: int) -> Any:
        """Sign the current list: 403 unless the caller holds the post today; 409 if stale."""
        return matrix.acknowledge_list(
            api_user(),
            post_id,
            version=(data or {}).get("version"),
            now=clock.now(),
            today=clock.today(),
        )


class AgreementSignatureSchema(Schema):
    agreement_id = fields.Integer()
    user_id = fields.Integer()
    role = fields.String(metadata={"enum": ["holder", "superior"]})
    signed_as_post_id = fields.Integer()
    at = fields.DateTime()


class AgreementSchema(Schema):
    post_id = fields.Integer()
    year = fields.Integer()
    content = fields.Dict(metadata={"description": "duties, business duties and targets"})
    signatures = fields.List(fields.Nested(AgreementSignatureSchema))


@blp.route("/posts/<int:post_id>/agreements/<int:year>")
class PostAgreement(MethodView):
    @blp.response(200, AgreementSchema)
    def get(self, post_id: int, year: int) -> Any:
        """The post's 安全生产责任书 of ``year`` (as it would be generated until first signed)."""
        data = matrix.agreement_data(post_id, year, clock.today())
        return {
            "post_id": post_id,
            "year": year,
            "content": data["content"],
            "signatures": [row["signature"] for row in data["signatures"]],
        }


@blp.route("/posts/<int:post_id>/agreements/<int:year>/signatures")
class PostAgreementSignatures(MethodView):
    @blp.response(201, AgreementSignatureSchema)
    def post(self, post_id: int, year: int) -> Any:
        """Sign: 201 for a holder of the post or of its superior post today, else 403."""
        return matrix.sign_agreement(
            api_user(), post_id, year, now=clock.now(), today=clock.today()
        )
