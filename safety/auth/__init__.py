"""Signing in and out, and each person's own settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

bp = Blueprint("auth", __name__)


def init_login(login_manager: LoginManager) -> None:
    """Session users are "<id>:<nonce>"; a rotated nonce ends every session."""
    from safety.services.accounts import load_session_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    # "strong" does nothing for permanent sessions (Flask-Login only marks
    # them not fresh), and binding to the address would sign out phones that
    # move between Wi-Fi and mobile data. Sessions are bound server-side
    # instead: the id carries the person's nonce, rotated at sign-out,
    # password change and deactivation, and they expire after
    # PERMANENT_SESSION_LIFETIME. "basic" marks a session seen from another
    # address or browser as not fresh.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def _unauthorized():  # noqa: ANN202
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


from safety.auth import views  # noqa: E402,F401  (routes attach to bp)
