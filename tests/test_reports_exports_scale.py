"""The Excel exports cost linear time in their rows."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from safety.services import report_exports


class CountingSheet(Worksheet):
    """A worksheet that counts reads of ``max_row`` (a scan of every cell each time)."""

    reads = 0

    @property
    def max_row(self) -> int:  # type: ignore[override]
        CountingSheet.reads += 1
        return Worksheet.max_row.fget(self)  # type: ignore[attr-defined]


def _reads_for(rows: int) -> int:
    book = Workbook()
    sheet = CountingSheet(book, title="t")
    CountingSheet.reads = 0
    report_exports._table(sheet, ["a", "b", "c"], [(i, i, i) for i in range(rows)])
    assert sheet.cell(row=rows + 1, column=3).value == rows - 1
    assert sheet.cell(row=rows + 1, column=3).border.left.style == "thin"
    return CountingSheet.reads


def test_table_does_not_rescan_the_sheet_for_every_cell(app: Any) -> None:
    assert _reads_for(1000) == _reads_for(10)
