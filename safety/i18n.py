"""Which language a request is answered in: the user's, else the browser's."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

SUPPORTED = ("zh_CN", "en")


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user.locale.value
    if getattr(current_user, "is_authenticated", False):
        return current_user.locale.value
    chosen = session.get("locale")
    if chosen in SUPPORTED:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best == "en":
        return "en"
    return "zh_CN" if best else current_app.config["BABEL_DEFAULT_LOCALE"]
