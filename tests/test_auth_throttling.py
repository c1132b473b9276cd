"""Sign-in throttling: per account and per address, growing waits, in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from safety import create_app
from safety.extensions import db
from tests import builders
from tests.conftest import csrf_token_from


def _login(client: Any, email: str, password: str, address: str = "10.0.0.1") -> Any:
    env = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=env)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=env,
    )


def _token(client: Any, email: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_waits_grow_but_stay_short_for_an_account(app: Any, client: Any) -> None:
    """Anyone may fail on an admin's email: the admin waits at most the cap, never locked."""
    admin = builders.actor()
    cap = app.config["LOGIN_ACCOUNT_MAX_DELAY"]
    waits = []
    with time_machine.travel(builders.NOW, tick=False) as traveller:
        for n in range(40):
            response = _login(client, admin.email, "wrong", address=f"10.1.{n}.1")
            if response.status_code == 429:
                wait = int(response.headers["Retry-After"])
                waits.append(wait)
                traveller.shift(timedelta(seconds=wait))
        assert waits == sorted(waits) and max(waits) == cap
        traveller.shift(timedelta(seconds=cap))
        assert _login(client, admin.email, builders.PASSWORD, "10.9.9.9").status_code == 302


def test_known_and_unknown_emails_get_the_same_answers(app: Any, client: Any) -> None:
    user = builders.make_user(locale="en")
    answers = {}
    with time_machine.travel(builders.NOW, tick=False):
        for email in (user.email, "nobody@example.com"):
            seen = []
            for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
                response = _token(client, email, "wrong", address="10.2.0.1")
                body = response.get_json()["error"]
                seen.append((response.status_code, body["code"], body["message"]))
            answers[email] = seen
    assert answers[user.email] == answers["nobody@example.com"]
    assert answers[user.email][-1][0] == 429


def test_the_api_answers_429_with_retry_after(app: Any, client: Any) -> None:
    user = builders.make_user()
    with time_machine.travel(builders.NOW, tick=False):
        for _ in range(app.config["LOGIN_FREE_FAILURES"]):
            assert _token(client, user.email, "wrong").status_code == 401
        response = _token(client, user.email, builders.PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_spraying_one_password_over_many_accounts_is_throttled_per_address(
    app: Any, client: Any
) -> None:
    free = app.config["LOGIN_ADDRESS_FREE_FAILURES"]
    with time_machine.travel(builders.NOW, tick=False):
        for n in range(free):
            assert _login(client, f"person{n}@example.com", "Winter2026!").status_code == 200
        assert _login(client, "another@example.com", "Winter2026!").status_code == 429
        # Another address is not affected.
        user = builders.make_user()
        assert _login(client, user.email, builders.PASSWORD, "10.3.0.1").status_code == 302


def test_the_count_holds_across_processes_and_restarts(app: Any, config: dict) -> None:
    email = builders.make_user().email
    db.session.commit()  # end our read: outside a request it holds SQLite's write lock
    with time_machine.travel(builders.NOW, tick=False):
        for _ in range(app.config["LOGIN_FREE_FAILURES"]):
            _token(app.test_client(), email, "wrong")
        other = create_app(config)  # another worker, or the same after a restart
        with other.app_context():
            response = _token(other.test_client(), email, builders.PASSWORD)
        assert response.status_code == 429


def test_a_right_password_clears_the_account_count(app: Any, client: Any) -> None:
    user = builders.make_user()
    free = app.config["LOGIN_FREE_FAILURES"]
    with time_machine.travel(builders.NOW, tick=False):
        for _ in range(free - 1):
            _token(client, user.email, "wrong")
        assert _token(client, user.email, builders.PASSWORD).status_code == 201
        for _ in range(free - 1):
            _token(client, user.email, "wrong")
        assert _token(client, user.email, builders.PASSWORD).status_code == 201
