"""The Excel ledger is streamed (issue 13): chunks as it is read, every row in the file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from safety.demo.scale import scale_demo
from safety.models import Hazard
from safety.services import ledger
from tests import builders
from tests.builders import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_streamed_ledger_opens_and_has_every_row(
    app: Any, db: Any, client: Any, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 40)  # several chunks from small data
    scale_demo(hazards=300, people=30, seed=2, now=NOW)
    late = builders.make_hazard("rectifying", deadline=date(2020, 1, 1), title="@SUM(A1)")
    db.session.commit()
    auth.login(builders.actor().email)

    response = client.get("/hazards/export.xlsx?sort=deadline", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    # Nothing read the whole body first to count it (the request log did).
    assert "Content-Length" not in response.headers
    assert response.mimetype == ledger.XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    chunks = list(response.response)
    response.close()
    assert len(chunks) > 300 // 40  # written as it was read, not at the end

    sheet = load_workbook(io.BytesIO(b"".join(chunks))).active
    rows = list(sheet.iter_rows(min_row=3))
    numbers = [row[0].value for row in rows]
    expected = db.session.scalars(sa.select(Hazard.number)).all()
    assert sorted(numbers) == sorted(expected) and len(numbers) == 301
    # The list's order (sort by deadline): the long-overdue hazard first.
    assert numbers[0] == late.number
    first = rows[0]
    assert first[1].value == "@SUM(A1)" and first[1].data_type == "s" and first[1].quotePrefix
    assert first[19].font.bold and first[20].value > 2000
    assert isinstance(first[16].value, datetime) and first[16].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "C3"
    statuses = {row[11].value for row in rows}
    assert len(statuses) == 5  # every status the generator makes


def test_a_filtered_ledger_has_only_the_filtered_rows(
    app: Any, db: Any, client: Any, auth: Any
) -> None:
    builders.make_hazard("rectifying", deadline=date(2020, 1, 1), title="逾期的")
    builders.make_hazard("closed", title="已关闭")
    auth.login(builders.actor().email)
    data = client.get("/hazards/export.xlsx?overdue=yes").data
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [row[1] for row in table[2:]] == ["逾期的"]
    assert table[0][1] == f"截至 {TODAY.isoformat()}" or str(TODAY) in table[0][1]
