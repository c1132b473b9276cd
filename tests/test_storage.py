"""Photos through one storage interface: the local folder and S3 (moto's
server mode, a real S3 HTTP API on a local port)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from PIL import Image

from safety import create_app
from safety.services import photos
from safety.services.errors import NotFound
from safety.services.storage import LocalStorage, S3Storage, storage

BUCKET = "safety-photos"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3_config(base_config: dict[str, Any], endpoint: str, cache: Any) -> dict[str, Any]:
    return {
        **base_config,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_PREFIX": "photos/",
        "UPLOAD_FOLDER": str(cache),
    }


@pytest.fixture
def bucket(s3_endpoint: str) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_local_is_the_default(app):
    assert isinstance(storage(), LocalStorage)
    stored = photos.store_image(_jpeg(), filename="a.jpg")
    assert photos.photo_path(stored.stored_name).read_bytes()[:2] == b"\xff\xd8"
    photos.discard([stored])
    with pytest.raises(NotFound):
        photos.photo_path(stored.stored_name)


def test_s3_photo_stored_by_one_instance_is_served_by_another(
    _schema, base_config, bucket, s3_endpoint, tmp_path
):
    first = create_app(_s3_config(base_config, s3_endpoint, tmp_path / "cache-a"))
    second = create_app(_s3_config(base_config, s3_endpoint, tmp_path / "cache-b"))
    with first.app_context():
        assert isinstance(storage(), S3Storage)
        stored = photos.store_image(_jpeg(), filename="a.jpg")
    keys = {o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"photos/{stored.stored_name}", f"photos/{stored.thumb_name}"}
    head = bucket.head_object(Bucket=BUCKET, Key=f"photos/{stored.stored_name}")
    assert head["ContentType"] == "image/jpeg"
    assert not (tmp_path / "cache-b").exists()
    with second.app_context():
        path = photos.photo_path(stored.thumb_name)
        assert path.parent == tmp_path / "cache-b"
        assert Image.open(path).size[0] <= 360
        photos.discard([stored])
        with pytest.raises(NotFound):
            photos.photo_path(stored.stored_name)
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_s3_unknown_name_is_not_found(_schema, base_config, bucket, s3_endpoint, tmp_path):
    app = create_app(_s3_config(base_config, s3_endpoint, tmp_path / "cache"))
    with app.app_context(), pytest.raises(NotFound):
        photos.photo_path("0" * 32 + ".jpg")


def test_s3_unreachable_store_fails_and_leaves_nothing(_schema, base_config, tmp_path):
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens
    app = create_app(_s3_config(base_config, endpoint, tmp_path / "cache"))
    with app.app_context(), pytest.raises(OSError):
        photos.store_image(_jpeg(), filename="a.jpg")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
