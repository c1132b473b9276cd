"""Who reads which reports: the dashboard opens on the reader's own unit subtree,
and a unit's safety officer sees their unit's figures instead of a 403."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from tests import builders, report_data

NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ds(app: Any) -> report_data.DataSet:
    return report_data.build()


@pytest.fixture
def officer(ds: report_data.DataSet) -> Any:
    """A workshop safety officer: an operation post in A1 with direct responsibility."""
    post = builders.make_post(title="安全员", unit=ds.units["A1"], level="operation")
    builders.make_responsibility(post, kind="direct")
    user = builders.make_user(name="李明", email="officer@example.com")
    builders.make_holding(post, user, start=date(2026, 1, 1))
    return user


@pytest.fixture
def at_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _selected(html: str) -> list[str]:
    """The selected options of the unit selector."""
    select = html.split('<select name="unit_id"')[1].split("</select>")[0]
    options = select.split("<option value=")[1:]
    return [part.split('"')[1] for part in options if " selected" in part.split(">")[0]]


def test_a_workshop_safety_officer_sees_their_units_figures(
    ds: report_data.DataSet, officer: Any, auth: Any, client: Any, at_now: None
) -> None:
    auth.login("officer@example.com")
    a1 = ds.units["A1"].id
    for path in ("/reports/", "/reports/monthly", "/reports/monthly.xlsx", "/reports/statutory"):
        assert client.get(path).status_code == 200, path
    html = client.get("/reports/").get_data(as_text=True)
    assert _selected(html) == [str(a1)]
    assert ds.units["A1"].name in html
    # No "whole group" choice, no other unit, and a blank unit still means their own.
    assert ds.units["B"].name not in html
    assert _selected(client.get("/reports/?unit_id=").get_data(as_text=True)) == [str(a1)]
    assert client.get(f"/reports/?unit_id={ds.units['B'].id}").status_code == 403
    assert client.get(f"/reports/?unit_id={ds.units['G'].id}").status_code == 403


def test_the_dashboard_opens_on_the_readers_own_unit(
    ds: report_data.DataSet, auth: Any, client: Any, at_now: None
) -> None:
    """u2 holds the plant head's post of A: the dashboard opens on A, and may widen."""
    auth.login("u2@example.com")
    a = ds.units["A"].id
    assert _selected(client.get("/reports/").get_data(as_text=True)) == [str(a)]
    assert _selected(client.get("/reports/monthly").get_data(as_text=True)) == [str(a)]
    assert _selected(client.get("/reports/?unit_id=").get_data(as_text=True)) == []
    assert client.get(f"/reports/?unit_id={ds.units['B'].id}").status_code == 200


def test_an_administrator_without_a_post_opens_on_the_whole_group(
    ds: report_data.DataSet, admin: Any, auth: Any, client: Any, at_now: None
) -> None:
    auth.login(admin.email)
    assert _selected(client.get("/reports/").get_data(as_text=True)) == []


def test_a_reader_answering_for_the_group_opens_on_the_group(
    ds: report_data.DataSet, auth: Any, client: Any, at_now: None
) -> None:
    """A chief safety officer sits in a department but supervises the whole group:
    the dashboard opens on the group, not on the department."""
    dept = builders.make_unit(name="安全环保部", code="G-S", parent=ds.units["G"])
    post = builders.make_post(title="安全总监", unit=dept)
    builders.make_responsibility(post, unit=ds.units["G"], kind="supervision")
    builders.make_holding(post, builders.make_user(email="cso@example.com"), start=date(2026, 1, 1))
    auth.login("cso@example.com")
    assert _selected(client.get("/reports/").get_data(as_text=True)) == [str(ds.units["G"].id)]
