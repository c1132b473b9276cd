"""Small validators shared by the hazard actions: each fills ``errors`` by field name."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from safety.services.hazards.labels import PLAN_PARTS
from safety.services.hazards.risk import LEC_MAX

MAX_FUNDS = Decimal("999999999999.99")


def _text(
    errors: dict[str, str],
    name: str,
    value: Any,
    *,
    required: bool = False,
    max_len: int | None = None,
) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = _("Must be text.")
        return None
    text = (value or "").strip()
    if not text:
        if required:
            errors[name] = _("This field is required.")
        return None
    if max_len is not None and len(text) > max_len:
        errors[name] = _("At most %(n)d characters.", n=max_len)
        return None
    return text


def _date(errors: dict[str, str], name: str, value: Any, *, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            errors[name] = _("This field is required.")
        return None
    if isinstance(value, datetime):
        errors[name] = _("Give a date (YYYY-MM-DD).")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Give a date (YYYY-MM-DD).")
        return None


def _instant(errors: dict[str, str], name: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, date):
        from safety.clock import tz

        instant = datetime(value.year, value.month, value.day, 12, tzinfo=tz())
    else:
        try:
            instant = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors[name] = _("Give a date and time (ISO 8601).")
            return None
    if instant.tzinfo is None:
        from safety.clock import tz

        instant = instant.replace(tzinfo=tz())
    return instant.astimezone(UTC)


def _funds(errors: dict[str, str], value: Any) -> Decimal | None:
    if value is None or value == "":
        errors["funds"] = _("This field is required.")
        return None
    if isinstance(value, bool):
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    if not amount.is_finite():
        errors["funds"] = _("Give an amount in yuan, e.g. 12000 or 12000.50.")
        return None
    if amount < 0:
        errors["funds"] = _("Funds cannot be negative.")
        return None
    if amount > MAX_FUNDS:
        errors["funds"] = _("The amount is too large.")
        return None
    return amount.quantize(Decimal("0.01"))


def _risk(errors: dict[str, str], value: Any) -> tuple[float | None, float | None, float | None]:
    """LEC factors: all three or none, each positive and within the tables' range."""
    if value is None or value == {} or value == "":
        return None, None, None
    if not isinstance(value, Mapping):
        errors["risk"] = _("Give l, e and c.")
        return None, None, None
    parts: dict[str, float | None] = {}
    given = [k for k in ("l", "e", "c") if value.get(k) not in (None, "")]
    if not given:
        return None, None, None
    for key in ("l", "e", "c"):
        raw = value.get(key)
        if raw in (None, ""):
            errors[f"risk.{key}"] = _("Give all three of L, E and C, or none.")
            parts[key] = None
            continue
        try:
            number = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number <= 0 or number > LEC_MAX[key]:
            errors[f"risk.{key}"] = _(
                "Must be a number above 0 and at most %(max)s.", max=f"{LEC_MAX[key]:g}"
            )
            parts[key] = None
        else:
            parts[key] = number
    return parts["l"], parts["e"], parts["c"]


def _plan(errors: dict[str, str], value: Any, *, required: bool) -> dict[str, str] | None:
    """The 治理方案: every part non-empty for a major hazard; optional otherwise."""
    if value is None or value == "":
        value = {}
    if not isinstance(value, Mapping):
        errors["plan"] = _("Give the plan's parts.")
        return None
    result: dict[str, str] = {}
    for part in PLAN_PARTS:
        text = _text(errors, f"plan.{part}", value.get(part), required=required, max_len=5000)
        if text:
            result[part] = text
    return result or None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)
