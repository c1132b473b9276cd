"""QR codes that open the inspection form for a unit (and a place inside it).

The code holds an absolute URL built from ``BASE_URL``, so a code printed
today keeps working wherever the phone scanning it is. Unit codes are stable
keys; a renamed unit keeps its printed codes.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
import sqlalchemy as sa
from flask import current_app

from safety.extensions import db
from safety.models import Unit
from safety.services.org import unit_subtree_ids

#: Medium error correction: survives a scuffed or partly dirty label.
ERROR_LEVEL = "m"
LOCATION_MAX = 100


def inspection_url(unit: Unit, location: str | None = None) -> str:
    """The absolute link a unit's code opens: /inspections/new?unit=<code>[&location=…]."""
    params = {"unit": unit.code}
    location = (location or "").strip()[:LOCATION_MAX]
    if location:
        params["location"] = location
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/inspections/new?{urlencode(params)}"


def make_qr(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=ERROR_LEVEL)


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG with a quiet zone (border 4 modules), as scanners expect."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, *, scale: float = 1) -> bytes:
    """An SVG that prints sharp at any size (1 mm per module by default)."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="svg", scale=scale, border=4, xmldecl=False, unit="mm")
    return out.getvalue()


def subtree_units(unit: Unit) -> list[Unit]:
    """The unit and every unit below it, ordered by code (for a printable sheet)."""
    ids = unit_subtree_ids(unit.id)
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)))
