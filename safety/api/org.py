"""The organisation: units, posts, users and post holders."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from safety import clock
from safety.api.common import ListArgs, api_user, list_schema, make_blueprint, paginate
from safety.models import Locale, Post, PostHolder, PostLevel, Unit, User
from safety.services import org
from safety.services.db import get_or_404

blp = make_blueprint("org", "Units, posts, people and who holds which post")


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    parent_id = fields.Integer(allow_none=True, load_default=None)


class PostSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_id = fields.Integer(required=True)
    superior_post_id = fields.Integer(allow_none=True, load_default=None)
    level = fields.Enum(PostLevel, by_value=True, required=True)
    business_duties = fields.String(allow_none=True, load_default=None)
    party = fields.Boolean(load_default=False, metadata={"description": "a 党组织 post"})


class UserCreateSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    locale = fields.Enum(Locale, by_value=True, load_default=Locale.ZH_CN)
    is_admin = fields.Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.Enum(Locale, by_value=True)
    is_admin = fields.Boolean()
    active = fields.Boolean()


class HolderCreateSchema(Schema):
    user_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)


class HolderSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    user_id = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)


class HolderListArgs(ListArgs):
    on = fields.Date(load_default=None, metadata={"description": "only holders on this date"})


UnitList = list_schema(UnitSchema, "UnitList")
PostList = list_schema(PostSchema, "PostList")
UserList = list_schema(UserSchema, "UserList")
HolderList = list_schema(HolderSchema, "HolderList")


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, UnitList)
    def get(self, args: dict) -> dict:
        return paginate(sa.select(Unit), cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    def post(self, data: dict) -> Unit:
        return org.create_unit(api_user(), **data, now=clock.now())


@blp.route("/units/<int:unit_id>")
class UnitById(MethodView):
    @blp.response(200, UnitSchema)
    def get(self, unit_id: int) -> Unit:
        return get_or_404(Unit, unit_id)


@blp.route("/posts")
class Posts(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, PostList)
    def get(self, args: dict) -> dict:
        return paginate(sa.select(Post), cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(PostSchema)
    @blp.response(201, PostSchema)
    def post(self, data: dict) -> Post:
        data["level"] = data["level"].value
        return org.create_post(api_user(), **data, now=clock.now())


@blp.route("/posts/<int:post_id>")
class PostById(MethodView):
    @blp.response(200, PostSchema)
    def get(self, post_id: int) -> Post:
        return get_or_404(Post, post_id)


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, UserList)
    def get(self, args: dict) -> dict:
        return paginate(sa.select(User), cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict) -> User:
        data["locale"] = data["locale"].value
        return org.create_user(api_user(), **data, now=clock.now())


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> User:
        return get_or_404(User, user_id)


@blp.route("/posts/<int:post_id>/holders")
class Holders(MethodView):
    @blp.arguments(HolderListArgs, location="query")
    @blp.response(200, HolderList)
    def get(self, args: dict, post_id: int) -> dict:
        get_or_404(Post, post_id)
        stmt = sa.select(PostHolder).where(PostHolder.post_id == post_id)
        if args["on"] is not None:
            stmt = stmt.where(org.holding_filter(args["on"]))
        return paginate(stmt, cursor=args["cursor"], limit=args["limit"])

    @blp.arguments(HolderCreateSchema)
    @blp.response(201, HolderSchema)
    def post(self, data: dict, post_id: int) -> Any:
        return org.assign_holder(api_user(), post_id=post_id, **data, now=clock.now())


@blp.route("/posts/<int:post_id>/holders/<int:holder_id>")
class HolderById(MethodView):
    @blp.response(200, HolderSchema)
    def get(self, post_id: int, holder_id: int) -> PostHolder:
        holder = get_or_404(PostHolder, holder_id)
        if holder.post_id != post_id:
            get_or_404(PostHolder, -1)
        return holder
