"""Photo uploads: real images in, stripped re-encoded images out; junk refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from safety.services import photos
from safety.services.errors import NotFound, ValidationError


@pytest.fixture(autouse=True)
def _english(app: Any) -> Any:
    """Messages are checked in English (the default language is Chinese)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps
    if orientation is not None:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_bytes(mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (40, 20), (0, 128, 255, 128) if mode == "RGBA" else (0, 128, 255))
    buffer = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def webp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 200, 10)).save(buffer, "WEBP")
    return buffer.getvalue()


def stored_file(app: Any, name: str) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]) / name


def test_jpeg_exif_and_gps_are_gone_after_storing(app: Any) -> None:
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)  # the test image has GPS
    stored = photos.store_image(raw, filename="scene.jpg")
    assert stored.content_type == "image/jpeg"
    assert (stored.width, stored.height) == (64, 32)
    with Image.open(stored_file(app, stored.stored_name)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
    data = stored_file(app, stored.stored_name).read_bytes()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(stored_file(app, stored.thumb_name)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= max(photos.THUMB_SIZE)


def test_exif_orientation_is_applied_before_stripping(app: Any) -> None:
    # Orientation 6: the camera was turned; the upright image is 32 wide, 64 high.
    stored = photos.store_image(jpeg_with_gps((64, 32), orientation=6))
    assert (stored.width, stored.height) == (32, 64)
    with Image.open(stored_file(app, stored.stored_name)) as image:
        assert image.size == (32, 64)
        assert image.getexif().get(0x0112) is None


def test_png_keeps_transparency_and_drops_text_chunks(app: Any) -> None:
    stored = photos.store_image(FileStorage(io.BytesIO(png_bytes()), filename="a.png"))
    assert stored.content_type == "image/png" and stored.stored_name.endswith(".png")
    with Image.open(stored_file(app, stored.stored_name)) as image:
        assert image.mode == "RGBA"
        assert "Comment" not in image.info
    assert b"secret location" not in stored_file(app, stored.stored_name).read_bytes()


def test_webp_is_accepted(app: Any) -> None:
    stored = photos.store_image(webp_bytes())
    assert stored.content_type == "image/webp"


def test_names_are_random_and_served_only_by_pattern(app: Any) -> None:
    a = photos.store_image(webp_bytes())
    b = photos.store_image(webp_bytes())
    assert a.stored_name != b.stored_name
    assert photos.photo_path(a.stored_name).is_file()
    for name in ("../secret_key", "x.jpg", a.stored_name + "/..", "", "A" * 32 + ".jpg"):
        with pytest.raises(NotFound):
            photos.photo_path(name)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a supported image"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a supported image"),
        (b"GIF89a" + b"\x00" * 40, "not a supported image"),
    ],
)
def test_junk_is_refused_naming_photos(app: Any, raw: bytes, words: str) -> None:
    with pytest.raises(ValidationError) as error:
        photos.store_image(raw, filename="upload.jpg")
    assert list(error.value.fields) == ["photos"]
    assert words in error.value.fields["photos"][0]


def test_gif_is_a_wrong_type_even_when_real(app: Any) -> None:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ValidationError) as error:
        photos.store_image(buffer.getvalue(), filename="anim.gif")
    assert "anim.gif" in error.value.fields["photos"][0]


def test_truncated_jpeg_is_refused_and_nothing_is_written(app: Any) -> None:
    folder = Path(app.config["UPLOAD_FOLDER"])
    before = set(folder.iterdir()) if folder.exists() else set()
    raw = jpeg_with_gps((400, 300))
    with pytest.raises(ValidationError) as error:
        photos.store_image(raw[: len(raw) // 2], filename="cut.jpg")
    assert "damaged" in error.value.fields["photos"][0]
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before


def test_oversized_file_is_refused(app: Any) -> None:
    app.config["UPLOAD_MAX_IMAGE_BYTES"] = 1000
    with pytest.raises(ValidationError) as error:
        photos.store_image(jpeg_with_gps((300, 300)), filename="big.jpg")
    assert "larger than" in error.value.fields["photos"][0]


def test_decompression_bomb_is_refused(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as error:
        photos.store_image(webp_bytes())
    assert "too large" in error.value.fields["photos"][0]


def test_pillow_bomb_limit_is_refused(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300)
    with pytest.raises(ValidationError):
        photos.store_image(jpeg_with_gps((40, 40)))


def test_store_images_is_all_or_nothing(app: Any) -> None:
    folder = Path(app.config["UPLOAD_FOLDER"])
    before = set(folder.iterdir()) if folder.exists() else set()
    with pytest.raises(ValidationError):
        photos.store_images([webp_bytes(), png_bytes(), b"junk"])
    assert (set(folder.iterdir()) if folder.exists() else set()) == before


def test_too_many_photos_are_refused(app: Any) -> None:
    with pytest.raises(ValidationError):
        photos.store_images([webp_bytes()] * (photos.MAX_PHOTOS + 1))


def test_empty_file_slots_are_skipped(app: Any) -> None:
    empty = FileStorage(io.BytesIO(b""), filename="")
    assert photos.store_images([empty]) == []
