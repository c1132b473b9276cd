"""Reads never take SQLite's write lock; writes wait for it instead of failing.

A long read (an export) in progress while clients read and write: no
failure, on either database.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from safety.database import ReadTransactionWrite, wants_write_lock, write_transaction
from safety.extensions import db
from safety.models import Hazard, User
from tests import builders


def _token(client: Any, email: str) -> str:
    response = client.post("/api/v1/tokens", json={"email": email, "password": builders.PASSWORD})
    assert response.status_code == 201
    return response.get_json()["token"]


def test_a_long_read_does_not_block_readers_and_writers(app: Any) -> None:
    unit_id = builders.make_unit().id
    emails = [builders.make_user().email for _ in range(4)]
    builders.make_hazard()
    db.session.commit()
    tokens = [_token(app.test_client(), email) for email in emails]
    failures: list[Any] = []
    done = threading.Event()

    def writer(token: str, n: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        try:
            for i in range(3):
                body = {"title": f"并发写{n}-{i}", "unit_id": unit_id, "level": "general"}
                response = client.post("/api/v1/hazards", json=body, headers=headers)
                if response.status_code != 201:
                    failures.append((n, response.status_code))
                    return
                listing = client.get("/api/v1/hazards?limit=5", headers=headers)
                if listing.status_code != 200:
                    failures.append((n, "list", listing.status_code))
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append((n, repr(error)))

    # The long export: a GET request's transaction that has read and stays open.
    with app.test_request_context("/hazards/export.xlsx", method="GET"):
        assert not wants_write_lock()
        assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 1
        threads = [threading.Thread(target=writer, args=(t, n)) for n, t in enumerate(tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        done.set()
        # Still the snapshot it started with (a consistent export).
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 1
        db.session.commit()
    assert not failures, failures
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 13


def test_requests_choose_the_mode_by_method(app: Any) -> None:
    with app.test_request_context("/", method="GET"):
        assert not wants_write_lock()
        with write_transaction():
            assert wants_write_lock()
    with app.test_request_context("/", method="POST"):
        assert wants_write_lock()
    assert wants_write_lock()  # CLI and jobs write unless they say otherwise


def test_a_get_that_writes_after_reading_is_caught(app: Any) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    user_id = builders.make_user().id
    db.session.commit()
    with app.test_request_context("/", method="GET"):
        user = db.session.get(User, user_id)
        user.name = "改名"
        with pytest.raises(ReadTransactionWrite):
            db.session.flush()
        db.session.rollback()
        with write_transaction():
            user = db.session.get(User, user_id)
            user.name = "改名"
            db.session.commit()
    assert db.session.get(User, user_id).name == "改名"
