"""The Excel reports speak the reader's language: headers, labels, no raw codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from safety.extensions import db
from tests import report_data

NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)
CJK = re.compile(r"[\u4e00-\u9fff]")
CODES = {
    "reported",
    "rectifying",
    "pending_verification",
    "closed",
    "void",
    "general",
    "major",
    "accountable",
    "superior",
    "complete",
    "incomplete",
}
PATHS = (
    "/reports/monthly.xlsx?period=2026-03",
    "/reports/statutory.xlsx?period=2026-Q1",
    "/reports/accountability.xlsx?period=2026-03",
)


def _header_cells(data: bytes) -> list[str]:
    """Every bold cell (titles and table headers) of every sheet, and sheet names."""
    book = load_workbook(BytesIO(data))
    cells: list[str] = []
    for ws in book.worksheets:
        cells.append(ws.title)
        for row in ws.iter_rows():
            cells += [str(c.value) for c in row if c.value is not None and c.font.b]
    return cells


def _all_cells(data: bytes) -> list[str]:
    book = load_workbook(BytesIO(data))
    return [
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    ]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_excel_headers_are_in_the_readers_language(
    app: Any, auth: Any, client: Any, locale: str
) -> None:
    ds = report_data.build()
    ds.users["u5"].locale = locale
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        auth.login("u5@example.com")
        for path in PATHS:
            response = client.get(f"{path}&unit_id={ds.units['G'].id}")
            assert response.status_code == 200, path
            headers = _header_cells(response.data)
            assert ("Unit" if locale == "en" else "单位") in headers, (path, headers[:12])
            for text in headers:
                if locale == "en":
                    assert not CJK.search(text), (path, text)
                elif re.search(r"[A-Za-z]{3,}", text):
                    assert CJK.search(text), (path, text)
            for text in _all_cells(response.data):
                assert text not in CODES, (path, text)


def test_every_reminder_reason_has_a_label(app: Any) -> None:
    """The accountability page names why someone was reminded, never the raw code."""
    from safety.reports.views import reason_labels
    from safety.services.reminders import REASON_ORDER

    with app.test_request_context():
        labels = reason_labels()
    for reason in REASON_ORDER:
        assert reason in labels and labels[reason] != reason, reason
