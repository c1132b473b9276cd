"""Every demo login, every page it can reach: no 5xx, security headers on HTML.

Signs in through the HTML form (CSRF on) as each login of the demo and walks
the same-origin links breadth-first, GET only. Links that end the session or
change state are skipped; downloads are fetched (status checked) but not
parsed. A URL shape (digits in the path and query values ignored) is visited
once per login, so the walk covers every kind of page without visiting all
300 hazards. The whole demo is loaded: its history writes the reminder log
and the old hazards that some pages show.
"""

from __future__ import annotations

import re
import time
import traceback
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from safety.demo import load_demo
from tests.conftest import NOW, csrf_token_from

MAX_PAGES_PER_LOGIN = 200
SAME_SHAPE_VISITS = 1
SKIP_WORDS = ("logout", "sign-out", "delete", "revoke", "/static/")
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.icon = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "link" and "icon" in (values.get("rel") or ""):
            self.icon = True


def _same_origin_path(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https") or parts.netloc not in ("localhost", ""):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _shape(url: str) -> str:
    """``/hazards/12?status=open`` and ``/hazards/40?status=closed`` have one shape:
    digits in the path and the values of the query do not count."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def _load_demo_for_walk() -> list[tuple[str, str]]:
    """The whole demo (its history writes the reminder log the notices page shows)."""
    return [(login["email"], login["password"]) for login in load_demo(now=NOW)]


def _sign_in(client: Any, email: str, password: str) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, f"{email} could not sign in ({response.status_code})"


def _walk(client: Any, email: str) -> tuple[list[str], int]:
    """Visit what ``email`` can reach; the problems found and the pages seen."""
    problems: list[str] = []
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    shapes: dict[str, int] = {}
    visited = 0
    while queue and visited < MAX_PAGES_PER_LOGIN:
        url, came_from = queue.popleft()
        visited += 1
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - report every failure, not the first
            where = traceback.extract_tb(error.__traceback__)[-1]
            problems.append(
                f"{email} GET {url} (from {came_from}) raised {error!r} "
                f"at {where.filename}:{where.lineno}"
            )
            continue
        if response.status_code >= 500:
            problems.append(f"{email} GET {url} (from {came_from}) -> {response.status_code}")
        if response.mimetype != "text/html" or response.status_code >= 300:
            continue
        missing = [h for h in SECURITY_HEADERS if h not in response.headers]
        if missing:
            problems.append(f"{email} GET {url}: missing headers {missing}")
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        if not parser.icon:
            problems.append(f"{email} GET {url}: no favicon link")
        for href in parser.hrefs:
            path = _same_origin_path(f"http://localhost{url}", href)
            if path is None or path in seen or any(w in path for w in SKIP_WORDS):
                continue
            shape = _shape(path)
            if shapes.get(shape, 0) >= SAME_SHAPE_VISITS:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(path)
            queue.append((path, url))
    return problems, visited


def test_every_demo_login_reaches_no_broken_page(app):
    started = time.monotonic()
    logins = _load_demo_for_walk()
    problems: list[str] = []
    pages = {}
    for email, password in logins:
        client = app.test_client()
        _sign_in(client, email, password)
        found, pages[email] = _walk(client, email)
        problems.extend(found)
    assert all(count > 10 for count in pages.values()), pages
    assert not problems, (
        f"{len(problems)} problems in {sum(pages.values())} pages "
        f"({time.monotonic() - started:.0f} s):\n" + "\n".join(problems)
    )
