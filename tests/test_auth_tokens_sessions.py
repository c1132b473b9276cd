"""Tokens end with the person's access; pages are not kept by browsers."""

from __future__ import annotations

from typing import Any

from safety.services import org
from tests import builders


def test_deactivation_revokes_tokens_for_good(app: Any, api: Any) -> None:
    user = builders.make_user()
    api.login(user.email)
    assert api.get("/units").status_code == 200
    org.deactivate_user(builders.actor(), user, today=builders.TODAY, now=builders.NOW)
    assert api.get("/units").status_code == 401
    org.reactivate_user(builders.actor(), user, now=builders.NOW)
    assert api.get("/units").status_code == 401


def test_a_token_can_revoke_itself(app: Any, api: Any, client: Any) -> None:
    user = builders.make_user()
    api.login(user.email)
    headers = {"Authorization": f"Bearer {api.token}"}
    response = client.delete("/api/v1/tokens/current", headers=headers)
    assert response.status_code == 204
    assert api.get("/units").status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 401
    assert client.delete("/api/v1/tokens/current").status_code == 401


def test_signed_in_pages_api_answers_and_exports_are_not_stored(
    app: Any, api: Any, client: Any, auth: Any
) -> None:
    admin = builders.actor()
    builders.make_hazard()
    auth.login(admin.email)
    for path in ("/", "/hazards/", "/hazards/export.xlsx", "/matrix/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    api.login(admin.email)
    assert api.get("/units").headers["Cache-Control"] == "no-store"
    assert api.get("/units/999").headers["Cache-Control"] == "no-store"


def test_a_session_seen_from_elsewhere_is_kept_but_not_fresh(app: Any, client: Any) -> None:
    """Sessions are bound by the server-side nonce, not by address (phones move)."""
    user = builders.make_user()
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": user.email, "password": builders.PASSWORD, "csrf_token": token}
    )
    moved = client.get("/", environ_base={"REMOTE_ADDR": "10.7.7.7"}, headers={"User-Agent": "x"})
    assert moved.status_code == 200
    with client.session_transaction() as session:
        assert session.get("_fresh") is False
