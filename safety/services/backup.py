"""Consistent backups of the database and the uploaded photos.

The database is copied first, as one snapshot: SQLite through its online
backup API (a plain ``cp`` of a WAL-mode file misses what is still in the
``-wal`` file), PostgreSQL with ``pg_dump`` (one transaction snapshot).
Photos are then copied: they are written under new random names before the
rows naming them commit and are never changed, so every photo the snapshot
names is in the copy (a few newer ones may be too, harmlessly).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.engine import make_url

from safety.extensions import db
from safety.services.errors import ServiceError


class BackupFailed(ServiceError):
    status = 500
    code = "backup_failed"


def create_backup(target: Path, *, now: datetime) -> dict[str, Any]:
    """Write ``target``/{safety.db | safety.dump, uploads/, manifest.json}; the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupFailed(f"{target} is not empty; choose a new folder.")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        database = _backup_sqlite(url.database or "", target / "safety.db")
    else:
        database = _backup_postgresql(url, target / "safety.dump")
    photos = _copy_uploads(Path(current_app.config["UPLOAD_FOLDER"]), target / "uploads")
    from safety.services.audit import anchor_line

    manifest = {
        "created_at": now.isoformat(),
        "database": database,
        "photos": photos,
        "audit": anchor_line(),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _backup_sqlite(source: str, target: Path) -> str:
    """SQLite's online backup: one consistent copy, WAL contents included."""
    if not source or source == ":memory:":
        raise BackupFailed("An in-memory database cannot be backed up.")
    db.session.remove()  # hold no transaction of ours while copying
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target.name


def _backup_postgresql(url: Any, target: Path) -> str:
    """``pg_dump --format=custom`` (restore with ``pg_restore``)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed(
            "pg_dump is not installed: install the PostgreSQL client (apt-get install "
            "postgresql-client) or back up with your database's own tools (README)."
        )
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", libpq],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return target.name


def _copy_uploads(source: Path, target: Path) -> int:
    """Copy every stored photo and thumbnail (skipping half-written temporaries)."""
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    if not source.is_dir():
        return count
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        count += 1
    return count
