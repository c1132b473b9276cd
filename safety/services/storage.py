"""Where photo bytes live: one interface, two backends.

- ``local`` (default): files in ``UPLOAD_FOLDER``, written atomically.
- ``s3``: an S3-compatible bucket (``S3_BUCKET``, ``S3_ENDPOINT_URL``,
  ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY``, ``S3_REGION``,
  ``S3_PREFIX``), so several app machines share the photos. ``UPLOAD_FOLDER``
  is then only a cache: stored names are random and never rewritten, so a
  cached copy can never be stale.

Names are checked by the caller (:mod:`safety.services.photos`); this
module stores what it is given under that name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

EXTENSION_KEY = "safety.storage"


class StorageError(OSError):
    """The backend could not store or fetch (network, credentials, bucket)."""


class Storage(Protocol):
    def put(self, name: str, data: bytes, content_type: str | None = None) -> None: ...

    def get(self, name: str) -> bytes:
        """:raise FileNotFoundError: when nothing is stored under ``name``."""
        ...

    def delete(self, name: str) -> None:
        """Remove ``name``; a name that is not stored is fine."""
        ...

    def local_path(self, name: str) -> Path:
        """A file on this machine holding ``name`` (for ``send_file``).

        :raise FileNotFoundError: when nothing is stored under ``name``.
        """
        ...


def _write_atomically(folder: Path, name: str, data: bytes) -> Path:
    """Write through a temporary name, so a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)
    return folder / name


class LocalStorage:
    """Files in one folder of this machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def put(self, name: str, data: bytes, content_type: str | None = None) -> None:
        _write_atomically(self.folder, name, data)

    def get(self, name: str) -> bytes:
        return self.local_path(name).read_bytes()

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.folder / name).unlink()

    def local_path(self, name: str) -> Path:
        path = self.folder / name
        if not path.is_file():
            raise FileNotFoundError(name)
        return path


class S3Storage:
    """Objects in an S3-compatible bucket, with a local read cache."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", cache: Path) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.cache = Path(cache)

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def put(self, name: str, data: bytes, content_type: str | None = None) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data, **extra)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"cannot store {name}: {error}") from error

    def get(self, name: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
            return answer["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from error
            raise StorageError(f"cannot fetch {name}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"cannot fetch {name}: {error}") from error

    def delete(self, name: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        with contextlib.suppress(FileNotFoundError):
            (self.cache / name).unlink()
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"cannot delete {name}: {error}") from error

    def local_path(self, name: str) -> Path:
        cached = self.cache / name
        if cached.is_file():
            return cached
        return _write_atomically(self.cache, name, self.get(name))


def build_storage(config: dict[str, Any]) -> Storage:
    """The backend ``STORAGE_BACKEND`` names ("local" or "s3")."""
    backend = str(config.get("STORAGE_BACKEND") or "local").lower()
    folder = Path(config["UPLOAD_FOLDER"])
    if backend == "local":
        return LocalStorage(folder)
    if backend == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            region_name=config.get("S3_REGION") or "us-east-1",
            config=Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )
        if not config.get("S3_BUCKET"):
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Storage(
            client, config["S3_BUCKET"], prefix=config.get("S3_PREFIX") or "", cache=folder
        )
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r} (local or s3)")


def init_storage(app: Flask) -> None:
    """Build the app's backend once (the factory calls this)."""
    app.extensions[EXTENSION_KEY] = build_storage(app.config)


def storage() -> Storage:
    """The current app's storage backend."""
    app = current_app._get_current_object()
    if EXTENSION_KEY not in app.extensions:
        init_storage(app)
    return app.extensions[EXTENSION_KEY]
