"""What every template can use: filters and a few ready-made values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: The main navigation: (endpoint, label, who sees it: "all", "admin" or
#: "reports"). Entries whose endpoint is not registered are left out.
NAVIGATION = [
    ("main.index", _l("My work"), "all"),
    ("hazards.index", _l("Hazards"), "all"),
    ("inspections.index", _l("Inspections"), "all"),
    ("risks.index", _l("Risks"), "all"),
    ("matrix.index", _l("Safety responsibility system"), "all"),
    ("reports.index", _l("Reports"), "reports"),
    ("duty.index", _l("Performance of duty"), "all"),
    ("org.index", _l("Organisation"), "all"),
    ("notifications.index", _l("Notifications"), "all"),
    ("admin.index", _l("Administration"), "admin"),
]


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.template_filter("date")
    def _date(value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, "yyyy-MM-dd HH:mm")
        return format_date(value, "yyyy-MM-dd")

    @app.context_processor
    def _context() -> dict[str, Any]:
        from safety.auth.forms import LanguageForm
        from safety.i18n import select_locale
        from safety.permissions import is_admin

        locale = select_locale()
        return {
            "current_locale": locale,
            "languages": current_app.config["LANGUAGES"],
            "language_form": LanguageForm(
                formdata=None, locale=locale, next=request.full_path.rstrip("?")
            ),
            "is_admin": is_admin(current_user),
            "navigation": _navigation(),
        }


def _navigation() -> list[tuple[str, Any]]:
    """The entries the signed-in person may open (the views check again)."""
    from safety import clock
    from safety.permissions import can_view_reports, is_admin

    if not getattr(current_user, "is_authenticated", False):
        return []
    user = current_user._get_current_object()
    allowed = {"all"}
    if is_admin(user):
        allowed |= {"admin", "reports"}
    elif can_view_reports(user, clock.today()):
        allowed.add("reports")
    return [
        (endpoint, label)
        for endpoint, label, who in NAVIGATION
        if who in allowed and endpoint in current_app.view_functions
    ]
