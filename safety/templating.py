"""What every template can use: filters and a few ready-made values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: The main navigation: (endpoint, label, admins only). Entries whose endpoint
#: is not registered are left out, so areas can arrive one by one.
NAVIGATION = [
    ("main.index", _l("My work"), False),
    ("hazards.index", _l("Hazards"), False),
    ("inspections.index", _l("Inspections"), False),
    ("matrix.index", _l("Responsibilities"), False),
    ("reports.index", _l("Reports"), False),
    ("org.index", _l("Organisation"), False),
    ("notifications.index", _l("Notifications"), False),
    ("admin.index", _l("Administration"), True),
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

        locale = select_locale()
        return {
            "current_locale": locale,
            "languages": current_app.config["LANGUAGES"],
            "language_form": LanguageForm(locale=locale, next=request.full_path.rstrip("?")),
            "is_admin": bool(getattr(current_user, "is_admin", False)),
            "navigation": [
                (endpoint, label)
                for endpoint, label, admin_only in NAVIGATION
                if endpoint in current_app.view_functions
                and (not admin_only or getattr(current_user, "is_admin", False))
            ],
        }
