"""The one way values reach a workbook: as text where a spreadsheet would run them.

Every workbook writer builds its cells here. A string that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is what Excel and
LibreOffice take as a formula when the cell is typed or edited: it is
written as a string cell with the quote prefix, never a formula. Characters
XML 1.0 cannot hold (control characters) are removed, since openpyxl
refuses them and the export would fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean(value: Any) -> Any:
    """``value`` without the characters a workbook cannot hold."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def cell(sheet: Any, value: Any) -> Cell:
    """A cell for ``sheet`` (write-only or not) holding ``value`` safely."""
    if isinstance(value, Cell):
        guard(value)
        return value
    made = WriteOnlyCell(sheet, value=clean(value))
    guard(made)
    return made


def guard(target: Cell) -> Cell:
    """Make a cell whose text could run as a formula plain text (in place)."""
    value = target.value
    if isinstance(value, str):
        cleaned = clean(value)
        if cleaned != value:
            target.value = cleaned
            value = cleaned
        if value.startswith(FORMULA_STARTS):
            target.data_type = "s"
            target.quotePrefix = True
    return target


def row(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    return [cell(sheet, value) for value in values]


def append(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` with every value made safe."""
    sheet.append(row(sheet, values))
