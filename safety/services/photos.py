"""Photo uploads: only real images, re-encoded, stripped, stored outside static.

A phone photo carries EXIF (GPS position, device serial) and may be a
crafted file. Every upload is decoded by Pillow, turned upright from its EXIF
orientation, re-encoded without metadata and saved under a random name in
``UPLOAD_FOLDER`` with a thumbnail. Nothing is written unless the whole image
decodes. Storing writes files, not rows: callers attach the names to their
own records and call :func:`discard` if their transaction fails.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import struct
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from safety.services.errors import NotFound, ValidationError
from safety.services.storage import storage

#: Pillow format → (content type, extension) of what we store.
_KEEP_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
#: Formats read only when this Pillow has a plugin for them; stored as JPEG.
_CONVERT_FORMATS = ("HEIF", "HEIC", "AVIF")
#: Photos larger than this (long side, pixels) are scaled down before storing.
MAX_SIDE = 4096
#: Decoded size refused outright (a small file can decode to gigabytes).
MAX_PIXELS = 50_000_000
#: Pixels decoded per request at most, all photos together (decoding is the
#: CPU cost: ten 7000 × 7000 images would take many seconds).
MAX_REQUEST_PIXELS = 120_000_000
THUMB_SIZE = (360, 360)
JPEG_QUALITY = 85
#: At most this many photos per report or action.
MAX_PHOTOS = 10

_NAME_RE = re.compile(r"^[0-9a-f]{32}(?:_t)?\.(?:jpg|png|webp)$")


@dataclass(frozen=True)
class StoredImage:
    """A stored photo: names under ``UPLOAD_FOLDER`` and its upright size."""

    stored_name: str
    thumb_name: str
    content_type: str
    width: int
    height: int


def accepted_formats() -> list[str]:
    """The Pillow formats accepted here (HEIC only when a plugin can read it)."""
    Image.init()
    return list(_KEEP_FORMATS) + [f for f in _CONVERT_FORMATS if f in Image.OPEN]


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def photo_path(name: str) -> Path:
    """The file of a stored photo or thumbnail.

    :raise NotFound: for a name this module did not make (no path tricks).
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise NotFound(_("No such photo."))
    try:
        return storage().local_path(name)
    except FileNotFoundError:
        raise NotFound(_("No such photo.")) from None


def _read(data: bytes | FileStorage | IO[bytes], limit: int) -> bytes:
    """At most ``limit + 1`` bytes, so an oversized upload is never read whole."""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    stream = data.stream if isinstance(data, FileStorage) else data
    return stream.read(limit + 1)


def _invalid(message: str) -> ValidationError:
    return ValidationError({"photos": message})


def _decode(raw: bytes, label: str) -> tuple[Image.Image, str]:
    """Decode fully (a truncated file fails here), refusing decompression bombs."""
    formats = accepted_formats()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=formats)
            if image.width * image.height > MAX_PIXELS:
                raise _invalid(
                    _(
                        "%(name)s: the image is too large (%(w)d × %(h)d pixels).",
                        name=label,
                        w=image.width,
                        h=image.height,
                    )
                )
            fmt = image.format or ""
            _spend_pixels(image.width * image.height, label)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(_("%(name)s: the image is too large.", name=label)) from None
    except UnidentifiedImageError:
        allowed = ", ".join(f.replace("WEBP", "WebP") for f in formats)
        raise _invalid(
            _(
                "%(name)s is not a supported image (allowed: %(allowed)s).",
                name=label,
                allowed=allowed,
            )
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise _invalid(_("%(name)s is damaged or incomplete.", name=label)) from None
    return image, fmt


def _spend_pixels(count: int, label: str) -> None:
    """Count decoding work against this request's budget, before decoding.

    :raise ValidationError: when the request has decoded enough already.
    """
    if not has_request_context():
        return
    spent = g.get("photo_pixels", 0) + count
    if spent > MAX_REQUEST_PIXELS:
        raise _invalid(
            _("%(name)s: too many large images in one request; send fewer at a time.", name=label)
        )
    g.photo_pixels = spent


def _prepare(image: Image.Image, fmt: str) -> tuple[Image.Image, str, str, str]:
    """Upright, first frame, sane mode; returns (image, Pillow format, content type, ext)."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image = ImageOps.exif_transpose(image) or image
    out_fmt = fmt if fmt in _KEEP_FORMATS else "JPEG"
    content_type, ext = _KEEP_FORMATS[out_fmt]
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if out_fmt == "JPEG":
        image = _flatten(image) if has_alpha else image.convert("RGB")
    else:
        image = image.convert("RGBA" if has_alpha else "RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Only pixels go on: Pillow would write a JPEG comment, an ICC profile or
    # EXIF found in ``info`` back out when saving.
    image.info = {}
    return image, out_fmt, content_type, ext


def _flatten(image: Image.Image) -> Image.Image:
    """Alpha over white (JPEG has no transparency)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Re-encode with no EXIF, XMP, ICC or text chunks carried over."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "WEBP", quality=JPEG_QUALITY)
    return buffer.getvalue()


def check_image(data: bytes | FileStorage | IO[bytes], *, filename: str | None = None) -> bytes:
    """Read an upload and make sure it is one accepted, whole image; its bytes.

    :raise ValidationError: ``{"photos": ...}`` for an empty, oversized,
        unsupported, damaged or too large image.
    """
    label = filename or (data.filename if isinstance(data, FileStorage) else None) or _("photo")
    limit = int(current_app.config["UPLOAD_MAX_IMAGE_BYTES"])
    raw = _read(data, limit)
    if not raw:
        raise _invalid(_("%(name)s is empty.", name=label))
    if len(raw) > limit:
        raise _invalid(
            _("%(name)s is larger than %(mb).1f MB.", name=label, mb=limit / 1024 / 1024)
        )
    return raw


def store_image(
    data: bytes | FileStorage | IO[bytes], *, filename: str | None = None
) -> StoredImage:
    """Validate, re-encode and store one image with its thumbnail.

    :raise ValidationError: ``{"photos": ...}``; nothing is written then.
    """
    label = filename or (data.filename if isinstance(data, FileStorage) else None) or _("photo")
    raw = check_image(data, filename=label)
    image, fmt = _decode(raw, label)
    with image:
        upright, out_fmt, content_type, ext = _prepare(image, fmt)
    payload = _encode(upright, out_fmt)
    thumb = upright.copy()
    thumb.info = {}
    thumb.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    thumb_payload = _encode(
        _flatten(thumb) if thumb.mode == "RGBA" else thumb.convert("RGB"), "JPEG"
    )
    token = secrets.token_hex(16)
    stored = StoredImage(
        stored_name=f"{token}{ext}",
        thumb_name=f"{token}_t.jpg",
        content_type=content_type,
        width=upright.width,
        height=upright.height,
    )
    store = storage()
    store.put(stored.stored_name, payload, content_type)
    try:
        store.put(stored.thumb_name, thumb_payload, "image/jpeg")
    except OSError:
        discard([stored])
        raise
    return stored


def store_images(files: Iterable[bytes | FileStorage | IO[bytes]]) -> list[StoredImage]:
    """Store several uploads, all or none (empty form slots are skipped).

    :raise ValidationError: for the first bad one, after removing the others.
    """
    uploads = [f for f in files if not _is_empty_slot(f)]
    if len(uploads) > MAX_PHOTOS:
        raise _invalid(_("At most %(n)d photos at a time.", n=MAX_PHOTOS))
    _check_batch(uploads)
    stored: list[StoredImage] = []
    try:
        for upload in uploads:
            stored.append(store_image(upload))
    except BaseException:
        discard(stored)
        raise
    return stored


def _check_batch(uploads: list[bytes | FileStorage | IO[bytes]]) -> None:
    """Refuse a batch whose images together exceed the request's pixel budget,
    from their headers alone, before decoding any of them."""
    if not has_request_context():
        return
    total = g.get("photo_pixels", 0)
    for upload in uploads:
        total += _header_pixels(upload)
    if total > MAX_REQUEST_PIXELS:
        raise _invalid(_("Too many large images in one request; send fewer at a time."))


def _header_pixels(upload: bytes | FileStorage | IO[bytes]) -> int:
    """Width × height from the image header (0 when unreadable: decoding will say)."""
    stream = io.BytesIO(upload) if isinstance(upload, bytes | bytearray) else None
    if stream is None:
        stream = upload.stream if isinstance(upload, FileStorage) else upload
    if not stream.seekable():
        return 0
    start = stream.tell()
    try:
        with Image.open(stream) as image:
            return image.width * image.height
    except Exception:  # noqa: BLE001 (any failure is reported by the full decode)
        return 0
    finally:
        stream.seek(start)


def _is_empty_slot(upload: object) -> bool:
    """A file input left empty posts a part with no name and no bytes."""
    return isinstance(upload, FileStorage) and not upload.filename


def discard(images: Iterable[StoredImage]) -> None:
    """Remove stored files whose database rows were not committed."""
    remove_files(name for image in images for name in (image.stored_name, image.thumb_name))


def remove_files(names: Iterable[str]) -> None:
    """Best effort: delete stored photos and thumbnails by name."""
    store = storage()
    for name in names:
        with contextlib.suppress(OSError):
            store.delete(name)
