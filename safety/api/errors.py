"""The one place the API's error shape is built: ``{"error": {code, message, fields?}}``.

Only requests under ``/api/`` get JSON; every other HTTP error falls through
to the HTML error pages.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten webargs' nested messages into dotted field names.

    ``{"items": {"0": {"result": [...]}}}`` becomes ``{"items.0.result": [...]}``.
    """
    fields: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(flatten_messages(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        fields[prefix or "_body"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            fields.update(flatten_messages(value, f"{prefix}.{index}"))
    else:
        fields[prefix or "_body"] = [str(messages)]
    return fields


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "each bad input field (dotted path) and its messages"},
    )


class ErrorEnvelope(Schema):
    """What every error answer carries: ``{"error": {code, message, fields?}}``."""

    error = fields.Nested(ErrorBody, required=True)


class SafetyApi(Api):
    """flask-smorest's Api with our error shape, limited to /api/ paths."""

    #: Documents every error response (422 from arguments, the default error)
    #: as the envelope actually served.
    ERROR_SCHEMA = ErrorEnvelope

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not is_api_request():
            from safety.errors import render_http_error

            return render_http_error(error)
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        fields = None
        messages = data.get("errors") or data.get("messages")
        if messages:
            # Drop webargs' location level ("json", "query"): fields name inputs.
            if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files"}:
                merged: dict[str, Any] = {}
                for value in messages.values():
                    merged.update(value if isinstance(value, dict) else {"_body": value})
                messages = merged
            fields = flatten_messages(messages)
        message = data.get("message") or error.description or error.name
        if status == 422 and fields:
            first = next(iter(fields))
            message = f"Invalid input: {first}: {fields[first][0]}"
        response = error_response(status, message, fields=fields)
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response
