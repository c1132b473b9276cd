"""Unexpected errors are logged with their traceback; an unreachable
database answers 503 (HTML and API), never 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from safety import create_app
from tests.conftest import csrf_token_from


@pytest.fixture
def live_app(_schema: None, base_config: dict[str, Any]) -> Any:
    """An app as production runs it: not in testing mode, so errors are handled."""
    app = create_app({**base_config, "TESTING": False})

    def boom() -> str:
        raise RuntimeError("kaboom in a view")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return app


def test_unexpected_error_is_logged_with_traceback(live_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = live_app.test_client().get("/boom")
    assert response.status_code == 500
    records = [r for r in caplog.records if r.exc_info]
    assert records, "nothing was logged"
    assert "kaboom in a view" in str(records[-1].exc_info[1])
    assert "/boom" in records[-1].getMessage()


def test_unexpected_api_error_is_logged_and_json(live_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = live_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert any(r.exc_info and "kaboom" in str(r.exc_info[1]) for r in caplog.records)


@pytest.fixture
def down_app(base_config: dict[str, Any], tmp_path) -> Any:
    """The database file sits in a folder that does not exist: no connection."""
    uri = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    return create_app(
        {
            **base_config,
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )


def test_unreachable_database_is_503_for_the_api(down_app, caplog):
    response = down_app.test_client().post(
        "/api/v1/tokens", json={"email": "a@example.com", "password": "x"}
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers.get("Retry-After")


def test_unreachable_database_is_503_for_a_page(down_app):
    client = down_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "a@example.com", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 503
    assert "text/html" in response.content_type
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_unreachable_database_is_503_in_testing_mode_too(base_config, tmp_path):
    uri = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    app = create_app(
        {**base_config, "SQLALCHEMY_DATABASE_URI": uri, "SQLALCHEMY_ENGINE_OPTIONS": {}}
    )
    response = app.test_client().post(
        "/api/v1/tokens", json={"email": "a@example.com", "password": "x"}
    )
    assert response.status_code == 503
