"""Each unit's QR code decodes to the absolute link of its inspection form."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from safety.services import qrcodes
from tests import builders


def _decode_png(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(image)]


def _decode_svg(data: bytes) -> list[str]:
    """Rasterise segno's SVG path (moves and horizontal runs) and decode the pixels."""
    text = data.decode()
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text)
    scale = re.search(r'transform="scale\(([\d.]+)\)"', text)
    path = re.search(r' d="([^"]+)"', text)
    assert view and path, "not a segno SVG"
    factor = float(scale.group(1)) if scale else 1.0
    size = round(float(view.group(1)) / factor)
    pixels = 8
    image = Image.new("L", (size * pixels, size * pixels), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:[ ,]+(-?[\d.]+))?", path.group(1)):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        elif op == "h":
            end = x + float(a)
            row = int(y)
            for col in range(int(min(x, end)), int(max(x, end))):
                image.paste(0, (col * pixels, row * pixels, (col + 1) * pixels, (row + 1) * pixels))
            x = end
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("location", [None, "2号罐 东侧"])
def test_png_code_opens_the_units_inspection_form(app, client, auth, admin, location):
    unit = builders.make_unit(name="罐区", code="SODA-TANK")
    auth.login(admin.email)
    query = {"location": location} if location else {}
    response = client.get(f"/inspections/qr/{unit.code}.png", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    (url,) = _decode_png(response.data)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://safety.test"  # BASE_URL
    assert parts.path == "/inspections/new"
    params = parse_qs(parts.query)
    assert params["unit"] == ["SODA-TANK"]
    assert params.get("location") == ([location] if location else None)
    opened = client.get(parts.path + "?" + parts.query)
    assert opened.status_code == 200
    assert "罐区" in opened.text or "SODA-TANK" in opened.text


def test_svg_code_carries_the_same_payload(app, client, auth, admin):
    unit = builders.make_unit(code="POWER")
    auth.login(admin.email)
    response = client.get(f"/inspections/qr/{unit.code}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<svg")
    assert _decode_svg(response.data) == [qrcodes.inspection_url(unit)]
    assert _decode_svg(response.data) == ["http://safety.test/inspections/new?unit=POWER"]


def test_sheet_shows_a_code_for_every_unit_of_the_subtree(app, client, auth, admin):
    root = builders.make_unit(code="SODA", name="纯碱厂")
    child = builders.make_unit(code="SODA-CALC", name="煅烧车间", parent=root)
    builders.make_unit(code="OTHER", name="别处")
    auth.login(admin.email)
    page = client.get("/inspections/qr/SODA/sheet")
    assert page.status_code == 200
    assert "/inspections/qr/SODA.svg" in page.text
    assert "/inspections/qr/SODA-CALC.svg" in page.text
    assert "OTHER" not in page.text
    assert child.name in page.text


def test_unknown_unit_code_is_404(app, client, auth, admin):
    auth.login(admin.email)
    assert client.get("/inspections/qr/NOPE.png").status_code == 404
