from __future__ import annotations

from datetime import timedelta

import time_machine

from safety.extensions import db
from tests import builders
from tests.conftest import csrf_token_from


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page


def test_login_page_follows_browser_language(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True
    )
    assert "Sign in" in page


def test_sign_in_and_out(client, auth):
    user = builders.make_user(locale="en")
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "My work" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_shows_message_and_stays_signed_out(client, auth):
    user = builders.make_user(locale="en")
    response = auth.login(user.email, "wrong password", follow=True)
    assert response.status_code == 200
    assert "邮箱或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    user = builders.make_user()
    response = client.post("/login", data={"email": user.email, "password": builders.PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_repeated_failures_make_the_account_wait_even_with_right_password(app, client, auth):
    user = builders.make_user()
    with time_machine.travel(builders.NOW, tick=False):
        for _ in range(app.config["LOGIN_FREE_FAILURES"]):
            auth.login(user.email, "wrong password")
        response = auth.login(user.email)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert client.get("/").status_code == 302


def test_the_wait_ends(app, client, auth):
    user = builders.make_user()
    with time_machine.travel(builders.NOW, tick=False) as traveller:
        for _ in range(app.config["LOGIN_FREE_FAILURES"]):
            auth.login(user.email, "wrong password")
        wait = int(auth.login(user.email).headers["Retry-After"])
        traveller.shift(timedelta(seconds=wait))
        assert auth.login(user.email).status_code == 302


def test_signing_out_invalidates_a_copied_session_cookie(app, client, auth):
    user = builders.make_user()
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/").status_code == 302


def test_session_is_rotated_at_sign_in(client, auth):
    user = builders.make_user()
    client.get("/login")
    client.get("/login")
    before = client.get_cookie("session")
    auth.login(user.email)
    after = client.get_cookie("session")
    assert before is None or before.value != after.value


def test_session_cookie_flags(app, client, auth):
    user = builders.make_user()
    response = auth.login(user.email)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_deactivated_user_cannot_sign_in(client, auth, admin):
    from safety.services import org

    user = builders.make_user(locale="en")
    org.deactivate_user(admin, user, today=builders.NOW.date(), now=builders.NOW)
    response = auth.login(user.email, follow=True)
    assert "此账号已停用" in response.get_data(as_text=True)


def test_change_password_ends_sessions_and_accepts_new_password(app, client, auth):
    user = builders.make_user(locale="en")
    auth.login(user.email)
    other = app.test_client()
    AuthOther = type(auth)
    AuthOther(other).login(user.email)
    page = client.get("/account").get_data(as_text=True)
    response = client.post(
        "/account",
        data={
            "csrf_token": csrf_token_from(page),
            "current_password": builders.PASSWORD,
            "new_password": "a new secret 2",
            "confirm": "a new secret 2",
        },
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert auth.login(user.email, "a new secret 2").status_code == 302


def test_change_password_with_wrong_current_password_names_the_field(client, auth):
    user = builders.make_user(locale="en")
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    response = client.post(
        "/account",
        data={
            "csrf_token": csrf_token_from(page),
            "current_password": "nope nope",
            "new_password": "a new secret 2",
            "confirm": "a new secret 2",
        },
    )
    assert response.status_code == 200
    assert "The current password is wrong." in response.get_data(as_text=True)


def test_language_switch_persists_for_signed_in_user(client, auth):
    user = builders.make_user(locale="zh_CN")
    auth.login(user.email)
    assert "我的工作" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": auth.csrf(), "locale": "en", "next": "/"})
    assert "My work" in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale.value == "en"


def test_next_parameter_must_be_local(client):
    user = builders.make_user()
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": builders.PASSWORD,
            "csrf_token": csrf_token_from(page),
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/"
