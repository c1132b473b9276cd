"""Uploads cost bounded work and keep nothing but pixels (issue 14)."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from PIL import Image, ImageCms

from safety.services import checklist_import, photos
from safety.services.errors import ValidationError


@pytest.fixture(autouse=True)
def _request(app: Any) -> Any:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _with_blank_rows(data: bytes, rows: int) -> bytes:
    """The same workbook with ``rows`` empty rows appended to its first sheet."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            payload = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                blank = "".join(f'<row r="{n}"/>' for n in range(10, 10 + rows)).encode()
                payload = payload.replace(b"</sheetData>", blank + b"</sheetData>")
            target.writestr(item, payload)
    return out.getvalue()


def test_a_sheet_of_a_million_blank_rows_is_refused_fast(app: Any) -> None:
    data = _with_blank_rows(checklist_import.template_workbook(), 1_500_000)
    assert len(data) < checklist_import.MAX_BYTES
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        checklist_import.parse_checklist(data)
    assert time.perf_counter() - started < 5
    assert "file" in caught.value.fields


def test_blank_formatted_rows_below_the_items_are_fine(app: Any) -> None:
    data = _with_blank_rows(checklist_import.template_workbook(), 2_000)
    assert len(checklist_import.parse_checklist(data)) == 2


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 0).save(buffer, "PNG")
    return buffer.getvalue()


def test_decoding_work_per_request_is_bounded(app: Any, monkeypatch: Any) -> None:
    big = _png((7000, 7000))
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        photos.store_images([big] * 10)
    assert time.perf_counter() - started < 5
    assert "photos" in caught.value.fields
    # The budget is per request: calling again does not spend more.
    monkeypatch.setattr(photos, "MAX_REQUEST_PIXELS", 3 * 100 * 100)
    small = _png((100, 100))
    photos.store_images([small])
    photos.store_images([small, small])
    with pytest.raises(ValidationError):
        photos.store_images([small])
    with pytest.raises(ValidationError):
        photos.store_image(small)


def test_only_pixels_survive_with_orientation_applied(app: Any) -> None:
    image = Image.new("RGB", (60, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when shown
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"secret note")
    stored = photos.store_image(buffer.getvalue(), filename="a.jpg")
    with Image.open(photos.upload_folder() / stored.stored_name) as out:
        assert out.size == (20, 60)
        assert "comment" not in out.info
        assert "exif" not in out.info and not out.getexif()
        assert "icc_profile" not in out.info

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (1, 2, 3)).save(buffer, "PNG", icc_profile=profile)
    stored = photos.store_image(buffer.getvalue(), filename="b.png")
    for name in (stored.stored_name, stored.thumb_name):
        with Image.open(photos.upload_folder() / name) as out:
            assert "icc_profile" not in out.info, name
            assert "comment" not in out.info
