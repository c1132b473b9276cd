"""The Excel ledger (隐患排查治理台账): read back with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from safety.services import hazards, ledger
from tests import builders
from tests.builders import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def read(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_date(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def test_ledger_round_trip_has_every_five_fixes_field(app: Any) -> None:
    post = builders.make_post(title="车间主任")
    holder = builders.make_holder(post, name="黄志强")
    late = builders.make_hazard(
        "rectifying",
        accountable_post=post,
        deadline=TODAY - timedelta(days=5),
        title="氨压缩机安全阀超期未校验",
        location="压缩机房",
        risk={"l": 6, "e": 6, "c": 15},
    )
    closed = builders.make_hazard("closed", level="major", title="液氨储罐区无泄漏报警")
    buffer = io.BytesIO()
    rows = hazards.iter_hazards(hazards.HazardFilters(sort="id"), user=None, today=TODAY)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert ledger.write_ledger(rows, buffer, today=TODAY) == 2
        english = ledger.headings()
    table = read(buffer.getvalue())
    head = table[1]
    assert head == english
    # Empty trailing cells are not stored: pad each row to the headings.
    body = {
        row[0]: dict(zip(head, row + [None] * (len(head) - len(row)), strict=True))
        for row in table[2:]
    }
    assert set(body) == {late.number, closed.number}

    row = body[late.number]
    assert row["Title"] == "氨压缩机安全阀超期未校验"
    assert row["Accountable post"] == "车间主任"
    assert row["Accountable people"] == holder.name
    assert row["Measures"] == "更换破损护栏并设置警示标志"
    assert row["Funds (yuan)"] == 5000
    assert as_date(row["Deadline"]) == TODAY - timedelta(days=5)
    assert row["Contingency plan"] == "设置警戒区，专人监护"
    assert row["Overdue"] == "Yes" and row["Days overdue"] == 5
    assert row["Risk (D = L×E×C)"] == 540 and row["Risk level"] == "Major risk"

    row = body[closed.number]
    assert row["Status"] == "Closed" and row["Overdue"] == "No" and row["Days overdue"] == 0
    assert row["Verified by"] == "Builder"
    assert as_date(row["Verified on"]) == TODAY
    assert "objective 方案内容" in row["Rectification plan (major)"]
    assert row["Listed for supervision"] == "No"


def test_export_page_streams_the_filtered_ledger(app: Any, client: Any, auth: Any) -> None:
    builders.make_hazard("rectifying", deadline=TODAY - timedelta(days=1), title="逾期的")
    builders.make_hazard("reported", title="刚上报")
    builders.make_user(email="u@example.com", locale="zh_CN")
    auth.login("u@example.com")
    response = client.get("/hazards/export.xlsx?overdue=yes")
    assert response.status_code == 200
    assert response.mimetype == ledger.XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    table = read(response.get_data())
    titles = [row[1] for row in table[2:]]
    assert titles == ["逾期的"]
    assert table[1][0] == "编号"  # Chinese headings for a Chinese user
