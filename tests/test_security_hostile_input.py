"""Hostile input gets a clear 4xx, never a 500 (contract §9, issue 14)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from safety.forms import is_safe_next
from safety.services import excel
from tests import builders

HUGE = "9" * 30


def _cursor(values: str) -> str:
    return base64.urlsafe_b64encode(values.encode()).decode().rstrip("=")


# --- control characters ------------------------------------------------------


def test_control_characters_in_api_text_are_a_422_naming_the_field(app: Any, api: Any) -> None:
    unit = builders.make_unit()
    user = builders.make_user()
    api.login(user.email)
    response = api.post("/hazards", json={"title": "漏\u0007油", "unit_id": unit.id})
    assert response.status_code == 422
    assert "title" in response.get_json()["error"]["fields"]
    nested = api.post(
        "/inspections",
        json={
            "unit_id": unit.id,
            "performed_at": "2026-03-12T10:00:00+08:00",
            "items": [{"text": "ok\u001b[31m", "result": "pass"}],
        },
    )
    assert nested.status_code == 422
    assert "items.0.text" in nested.get_json()["error"]["fields"]
    # Tabs and new lines are text, not control characters.
    fine = api.post("/hazards", json={"title": "漏油", "unit_id": unit.id, "description": "a\n\tb"})
    assert fine.status_code == 201, fine.get_json()


def test_control_characters_in_html_forms_are_removed(app: Any, client: Any, auth: Any) -> None:
    unit = builders.make_unit()
    user = builders.make_user()
    auth.login(user.email)
    token = auth.csrf("/hazards/new")
    response = client.post(
        "/hazards/new",
        data={
            "csrf_token": token,
            "title": "阀门\u0007泄漏\x00",
            "unit_id": str(unit.id),
            "level": "general",
            "description": "第一行\r\n第二行\x1b",
        },
    )
    assert response.status_code in (302, 303, 200), response.status_code
    from safety.models import Hazard

    hazard = builders.db.session.query(Hazard).one()
    assert hazard.title == "阀门泄漏"
    assert hazard.description.replace("\r", "") == "第一行\n第二行"


# --- spreadsheets ------------------------------------------------------------


def test_excel_helper_writes_formulas_as_text() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    excel.append(sheet, ["=1+1", "+1", "-2+3", "@SUM(A1)", "ok\u0007", 5, None, "\tx"])
    buffer = io.BytesIO()
    book.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=False))
    assert [c.value for c in row[:6]] == ["=1+1", "+1", "-2+3", "@SUM(A1)", "ok", 5]
    assert all(c.data_type == "s" for c in row[:4])
    assert row[0].quotePrefix


def test_hazard_ledger_writes_a_formula_title_as_text(app: Any, client: Any, auth: Any) -> None:
    hazard = builders.make_hazard(title='=HYPERLINK("http://evil.example","x")')
    # Data written before control characters were refused must not break it.
    hazard.location = "车间\u0007二"
    builders.db.session.commit()
    admin = builders.actor()
    auth.login(admin.email)
    response = client.get("/hazards/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == hazard.title]
    assert cells and all(c.data_type == "s" for c in cells)


# --- sizes, redirects, numbers -------------------------------------------------


def test_an_oversize_body_is_a_413(app: Any, client: Any, config: dict) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    page = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert page.status_code == 413
    api = client.post(
        "/api/v1/tokens", data=b"{" + b" " * 5000 + b"}", content_type="application/json"
    )
    assert api.status_code == 413
    assert api.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        " //evil.example",
        "/\r\n/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "\x00/evil",
    ],
)
def test_unsafe_next_targets_are_refused(target: str) -> None:
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/hazards/?status=reported", "/hazards/1#x"])
def test_local_next_targets_are_followed(target: str) -> None:
    assert is_safe_next(target)


def test_sign_in_never_leaves_the_site(app: Any, client: Any) -> None:
    user = builders.make_user()
    for raw in ("%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%0A%2Fevil.example"):
        page = client.get(f"/login?next={raw}")
        assert page.status_code == 200
        from tests.conftest import csrf_token_from

        token = csrf_token_from(page.get_data(as_text=True))
        from urllib.parse import unquote

        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": builders.PASSWORD,
                "csrf_token": token,
                "next": unquote(raw),
            },
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil" not in location, location
        client.post(
            "/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))}
        )


def test_the_language_switch_on_a_404_never_leaves_the_site(app: Any, client: Any) -> None:
    page = client.get("/%09/evil.example")
    assert page.status_code == 404
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/language", data={"csrf_token": token, "locale": "en", "next": "/\t/evil.example"}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_huge_numbers_and_infinity_are_a_422(app: Any, api: Any, client: Any, auth: Any) -> None:
    user = builders.make_user()
    builders.make_hazard()
    api.login(user.email)
    for path in (
        f"/hazards?unit_id={HUGE}",
        f"/hazards?accountable_post_id={HUGE}",
        f"/units?cursor={_cursor(json.dumps([int(HUGE)]))}",
        f"/hazards?cursor={_cursor('[Infinity]')}",
        f"/hazards?sort=deadline&cursor={_cursor('[Infinity, Infinity]')}",
        f"/hazards?sort=deadline&cursor={_cursor(json.dumps([int(HUGE), int(HUGE)]))}",
        f"/units?cursor={_cursor('[NaN]')}",
    ):
        response = api.get(path)
        assert response.status_code in (200, 422), (path, response.status_code)
        if response.status_code == 422:
            assert response.get_json()["error"]["fields"], path
    auth.login(user.email)
    for path in (f"/hazards/?unit_id={HUGE}", f"/hazards/?cursor={_cursor('[Infinity]')}"):
        assert client.get(path).status_code < 500, path


def test_imports_drop_control_characters() -> None:
    from safety.services import checklist_import, org_import

    assert checklist_import._cell_text(" 阀门\u0007检查 ") == "阀门检查"
    assert org_import._cell("车间\x1b一") == "车间一"
