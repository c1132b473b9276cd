"""The notice board (安全生产法 §41 通报): a unit's page, printable, and a read-only
copy at an unguessable, revocable link that shows nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from tests import builders, report_data
from tests.conftest import csrf_token_from

NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    return report_data.build()


@pytest.fixture
def at_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _publish(client: Any, unit_id: int) -> Any:
    page = client.get(f"/reports/notice/{unit_id}").get_data(as_text=True)
    return client.post(
        f"/reports/notice/{unit_id}/publish", data={"csrf_token": csrf_token_from(page)}
    )


def test_a_units_board_lists_its_open_and_recently_closed_hazards(
    ds: report_data.DataSet, auth: Any, client: Any, at_now: None
) -> None:
    auth.login("u5@example.com")
    h = ds.hazards
    html = client.get(f"/reports/notice/{ds.units['A'].id}").get_data(as_text=True)
    open_table = html.split('id="notice-open"')[1].split("</table>")[0]
    closed_table = html.split('id="notice-closed"')[1].split("</table>")[0]
    for key in ("H4", "H5", "H7", "H8", "H12"):
        assert h[key].number in open_table, key
    for key in ("H1", "H2"):  # closed within 30 days, in A and below
        assert h[key].number in closed_table, key
    for key in ("H6", "H3", "H10", "H13", "H9"):  # another unit, or closed long ago
        assert h[key].number not in html, key
    assert "液氨储罐安全阀失效" in open_table
    assert "2026-02-01" in open_table  # H5's deadline
    assert "甲厂厂长" in open_table  # the accountable post
    assert "整改中" in open_table and ("待确认" in open_table or "已上报" in open_table)
    assert 'id="notice-figures"' in html  # the month's figures
    assert "2026年4月" in html


def test_an_admin_publishes_a_read_only_link_that_shows_nothing_more(
    ds: report_data.DataSet, admin: Any, auth: Any, client: Any, app: Any, at_now: None
) -> None:
    auth.login(admin.email)
    a = ds.units["A"].id
    response = _publish(client, a)
    assert response.status_code == 302
    html = client.get(f"/reports/notice/{a}").get_data(as_text=True)
    tokens = re.findall(r"/reports/board/([A-Za-z0-9_-]+)", html)
    assert len(tokens) == 1 and len(tokens[0]) >= 40
    screen = app.test_client()  # not signed in
    board = screen.get(f"/reports/board/{tokens[0]}")
    assert board.status_code == 200
    text = board.get_data(as_text=True)
    assert ds.hazards["H5"].number in text
    assert "<a " not in text and "<nav" not in text and "<form" not in text
    assert board.headers["Referrer-Policy"] == "no-referrer"
    assert screen.get("/reports/").status_code == 302  # the rest still needs sign-in
    assert screen.get(f"/reports/board/{tokens[0][:-2]}xx").status_code == 404


def test_a_revoked_link_stops_at_once(
    ds: report_data.DataSet, admin: Any, auth: Any, client: Any, app: Any, at_now: None
) -> None:
    auth.login(admin.email)
    a = ds.units["A"].id
    _publish(client, a)
    page = client.get(f"/reports/notice/{a}").get_data(as_text=True)
    token = re.findall(r"/reports/board/([A-Za-z0-9_-]+)", page)[0]
    link_id = re.findall(r"/reports/notice/links/(\d+)/revoke", page)[0]
    response = client.post(
        f"/reports/notice/links/{link_id}/revoke", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert app.test_client().get(f"/reports/board/{token}").status_code == 404
    assert token not in client.get(f"/reports/notice/{a}").get_data(as_text=True)


def test_only_admins_publish(ds: report_data.DataSet, auth: Any, client: Any, at_now: None) -> None:
    auth.login("u5@example.com")
    assert _publish(client, ds.units["A"].id).status_code == 403


def test_a_units_officer_sees_their_board_only(
    ds: report_data.DataSet, auth: Any, client: Any, at_now: None
) -> None:
    post = builders.make_post(title="安全员", unit=ds.units["A1"], level="operation")
    builders.make_responsibility(post, kind="direct")
    builders.make_holding(post, builders.make_user(email="o@example.com"), start=date(2026, 1, 1))
    auth.login("o@example.com")
    assert client.get(f"/reports/notice/{ds.units['A1'].id}").status_code == 200
    assert client.get(f"/reports/notice/{ds.units['B'].id}").status_code == 403
    assert client.get("/reports/notice/999999").status_code in (403, 404)
    response = client.get("/reports/notice")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/notice/{ds.units['A1'].id}")
