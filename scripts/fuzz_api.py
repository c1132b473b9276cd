"""Fuzz the JSON API with schemathesis against its own OpenAPI document.

Starts the app on a free port with a fresh SQLite database (or
``SAFETY_SQLALCHEMY_DATABASE_URI``), creates an admin and a little data,
takes a token and runs ``st run`` with it. Exit status: schemathesis's
(non-zero on any server error or response that breaks the schema).

    .venv/bin/python scripts/fuzz_api.py [--max-examples 20] [-- extra st options]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "fuzz password 1"


def _prepare(app: object) -> None:
    from safety.extensions import db
    from safety.services import org

    now = datetime.now(UTC)
    db.create_all()
    admin = org.create_user(
        None,
        email="fuzz-admin@example.com",
        name="Fuzz",
        password=PASSWORD,
        is_admin=True,
        now=now,
        bootstrap=True,
    )
    unit = org.create_unit(admin, name="厂", code="F1", parent_id=None, now=now)
    org.create_post(
        admin, title="厂长", unit_id=unit.id, level="decision", superior_post_id=None, now=now
    )
    db.session.commit()
    db.session.remove()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("st_args", nargs="*")
    args = parser.parse_args()
    from safety import create_app

    folder = Path(tempfile.mkdtemp(prefix="safety-fuzz-"))
    config = {
        "SECRET_KEY": "fuzz",
        "AUDIT_KEY": "fuzz",
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "SAFETY_SQLALCHEMY_DATABASE_URI", f"sqlite:///{folder / 'fuzz.db'}"
        ),
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SCHEDULER_ENABLED": False,
        "MAIL_PORT": 9,
        # The fuzzer signs in with wrong passwords on purpose: let it.
        "LOGIN_ADDRESS_FREE_FAILURES": 10**6,
    }
    app = create_app(config)
    with app.app_context():
        _prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    client = app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"email": "fuzz-admin@example.com", "password": PASSWORD}
    ).get_json()["token"]
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(args.max_examples),
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance",
        # Signing out would end the run's own token.
        "--exclude-path",
        "/api/v1/tokens/current",
        "--seed",
        "1",
        *args.st_args,
    ]
    try:
        return subprocess.call(command)
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
