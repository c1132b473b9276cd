"""Sign in with a demo login, switch language, sign out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_LOGINS, DEMO_PASSWORD


def test_sign_in_switch_language_and_sign_out(page: Page, sign_in) -> None:
    sign_in(page, "plant_head")
    expect(page.locator("h1")).to_have_text("我的工作")

    page.locator("#locale").select_option("en")
    expect(page.locator("h1")).to_have_text("My work")
    expect(page.locator("#sign-out")).to_have_text("Sign out")

    page.locator("#locale").select_option("zh_CN")
    expect(page.locator("h1")).to_have_text("我的工作")

    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#sign-out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_a_message(page: Page) -> None:
    page.goto("/login")
    page.locator("#email").fill(DEMO_LOGINS["workshop_safety_officer"])
    page.locator("#password").fill(DEMO_PASSWORD + "x")
    page.locator("form:has(#password) [type=submit]").click()
    expect(page.locator(".error")).to_contain_text("邮箱或密码错误")
    expect(page.locator("#sign-out")).to_have_count(0)


def test_language_can_be_switched_before_signing_in(page: Page) -> None:
    page.goto("/login")
    page.locator("#locale").select_option("en")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_phone_sign_in_shows_navigation(phone_page: Page, sign_in) -> None:
    sign_in(phone_page, "admin")
    expect(phone_page.locator(".mainnav")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page scrolls sideways on a phone"
