"""flask backup create DIR: a consistent copy that restores (SQLite), photos included."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from safety import create_app
from safety.extensions import db
from safety.models import Hazard
from tests import builders


def _photo(app: Any) -> str:
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = "ab" * 16 + ".jpg"
    (folder / name).write_bytes(b"\xff\xd8 not really a jpeg")
    return name


def test_a_backup_restores_with_everything_committed(
    app: Any, runner: Any, config: dict, tmp_path: Path
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the restore is exercised on SQLite; PostgreSQL uses pg_dump/pg_restore")
    numbers = sorted(builders.make_hazard().number for _ in range(3))
    name = _photo(app)
    db.session.commit()
    source = config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    # The recent rows are still in the WAL file: a plain copy of the main file misses them.
    assert Path(source + "-wal").exists()
    result = runner.invoke(args=["backup", "create", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["database"] == "safety.db" and manifest["photos"] >= 1
    # Restore as README says: the database file and the uploads folder into place.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(tmp_path / "b" / "safety.db", restored / "safety.db")
    shutil.copytree(tmp_path / "b" / "uploads", restored / "uploads")
    with sqlite3.connect(restored / "safety.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    other = create_app(
        {
            **config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored / 'safety.db'}",
            "UPLOAD_FOLDER": str(restored / "uploads"),
        }
    )
    with other.app_context():
        got = sorted(db.session.scalars(sa.select(Hazard.number)))
        assert got == numbers
        assert (Path(other.config["UPLOAD_FOLDER"]) / name).exists()
        verify = other.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        db.session.remove()
        db.engine.dispose()


def test_a_backup_never_overwrites_a_folder_in_use(app: Any, runner: Any, tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    result = runner.invoke(args=["backup", "create", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_postgresql_backups_use_pg_dump(app: Any, runner: Any, tmp_path: Path) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    builders.make_hazard()
    db.session.commit()
    result = runner.invoke(args=["backup", "create", str(tmp_path / "b")])
    if shutil.which("pg_dump") is None:
        assert result.exit_code != 0 and "pg_dump" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert (tmp_path / "b" / "safety.dump").stat().st_size > 0
