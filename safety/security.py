"""Request hardening in one place: headers, control characters, caching.

- Security headers on every response (what flask-talisman would set).
- Control characters in text input: removed from HTML form fields (a
  pasted vertical tab is not worth a form error), refused with 422 naming
  the field in JSON bodies. Tab, line feed and carriage return are text.
- ``Cache-Control: no-store`` on signed-in pages, API answers and exports.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, current_app, request
from werkzeug.datastructures import MultiDict

from safety.services.validation import CONTROL_RE, strip_controls

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SafeRequest(Request):
    """Form fields arrive without control characters, whatever was posted."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any(CONTROL_RE.search(v) for v in form.values() if isinstance(v, str)):
            cleaned = [
                (key, strip_controls(v) if isinstance(v, str) else v)
                for key, v in form.items(multi=True)
            ]
            self.__dict__["form"] = self.parameter_storage_class(MultiDict(cleaned))


def control_character_fields(value: Any, prefix: str = "") -> list[str]:
    """Dotted names (``items.0.text``) of the strings in ``value`` holding controls."""
    found: list[str] = []
    if isinstance(value, str):
        if CONTROL_RE.search(value):
            found.append(prefix or "_body")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and CONTROL_RE.search(key):
                found.append(name)
            found.extend(control_character_fields(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(
                control_character_fields(item, f"{prefix}.{index}" if prefix else str(index))
            )
    return found


def refuse_control_characters() -> Response | None:
    """A JSON body with a control character in any string: 422 naming each field."""
    if not request.is_json or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    data = request.get_json(silent=True)
    fields = control_character_fields(data) if data is not None else []
    if not fields:
        return None
    from flask_babel import gettext as _

    from safety.api.errors import error_response

    message = _("Control characters are not allowed in text.")
    return error_response(422, message, fields={name: [message] for name in fields})


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def set_no_store(response: Response) -> Response:
    """Nothing personal is kept by browsers or proxies: ``no-store`` on pages,
    API answers and exports. Static files, and a view that chose ``private``
    caching for its own answer (a photo under an unguessable name), are left
    alone."""
    if request.endpoint == "static":
        return response
    attachment = "attachment" in response.headers.get("Content-Disposition", "")
    chosen = "private" in response.headers.get("Cache-Control", "")
    if attachment or request.path.startswith("/api/") or not chosen:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    """Install the request class and the hooks (called by the app factory)."""
    app.request_class = SafeRequest
    app.before_request(refuse_control_characters)
    app.after_request(set_security_headers)
    app.after_request(set_no_store)
