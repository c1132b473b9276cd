"""Checklists from Excel: a template to fill in and an all-or-nothing import.

Safety departments keep their checklists in spreadsheets. The import reads
the first sheet; row 1 holds the headers of :data:`COLUMNS`; every later row
with any content is an item. A file with any bad row imports nothing and
every problem is reported with its row and column, so the user can fix the
sheet in one pass.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from safety import clock
from safety.models import Checklist, User
from safety.services import inspections
from safety.services.errors import ValidationError
from safety.services.validation import strip_controls

#: (key, header) in sheet order; the headers are what the template shows.
COLUMNS = (
    ("section", _l("Checklist section")),
    ("text", _l("Checklist item")),
    ("guidance", _l("Check guidance")),
    ("photo_required_on_fail", _l("Photo required on fail")),
)
#: Headers accepted whatever the user's language (the template is in theirs).
ENGLISH_HEADERS = (
    "Checklist section",
    "Checklist item",
    "Check guidance",
    "Photo required on fail",
)
CHINESE_HEADERS = ("分区", "检查内容", "检查要点", "不合格须拍照")
MAX_ROWS = 500
MAX_BYTES = 5 * 1024 * 1024
#: Rows read at most, blank ones included (formatting often runs past the items).
MAX_SHEET_ROWS = 10_000
YES = {"1", "true", "yes", "y", "是", "√", "x", "需要", "要"}
NO = {"", "0", "false", "no", "n", "否", "不需要", "不要"}


def template_workbook() -> bytes:
    """An .xlsx with the headers, two example rows and a yes/no list."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Checklist")
    for col, (_key, header) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=str(header))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        sheet.column_dimensions[get_column_letter(col)].width = (18, 50, 40, 16)[col - 1]
    sheet.append([_("Storage tanks"), _("Tank level gauges and alarms work"), "", _("no")])
    sheet.append(
        [
            _("Storage tanks"),
            _("No leaks at flanges and valves"),
            _("Check with a detector"),
            _("yes"),
        ]
    )
    choice = DataValidation(type="list", formula1=f'"{_("yes")},{_("no")}"', allow_blank=True)
    sheet.add_data_validation(choice)
    choice.add(f"D2:D{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()


def _where(row: int, col: int) -> str:
    header = COLUMNS[col][1]
    return _(
        "Row %(row)d, column %(col)s (%(header)s)",
        row=row,
        col=get_column_letter(col + 1),
        header=header,
    )


def parse_checklist(data: bytes) -> list[dict[str, Any]]:
    """Items read from an .xlsx, in order.

    :raise ValidationError: with one entry per bad cell, keyed ``rows.<row>.<column>``
        (spreadsheet row number and column key), or ``file`` when the file
        itself cannot be read.
    """
    if not data:
        raise ValidationError({"file": _("Choose an Excel file (.xlsx).")})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError({"file": _("Not an Excel file (.xlsx).")}) from None
    try:
        sheet = book.worksheets[0]
        # Reading stops one row past the limit: a sheet of a million blank
        # rows costs no more than one at the limit.
        rows = list(
            sheet.iter_rows(values_only=True, max_col=len(COLUMNS), max_row=MAX_SHEET_ROWS + 1)
        )
    finally:
        book.close()
    errors: dict[str, str] = {}
    if len(rows) > MAX_SHEET_ROWS:
        raise ValidationError({"file": _("The sheet has more than %(n)d rows.", n=MAX_SHEET_ROWS)})
    headers = [_cell_text(v) for v in (rows[0] if rows else ())]
    expected = [str(h) for _k, h in COLUMNS]
    known = (expected[:2], ENGLISH_HEADERS[:2], CHINESE_HEADERS[:2])
    if rows and tuple(headers[:2]) not in {tuple(k) for k in known}:
        errors["rows.1"] = _(
            "Row 1 must hold the headers: %(headers)s.", headers=", ".join(expected)
        )
        raise ValidationError(errors)
    items: list[dict[str, Any]] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell_text(v) for v in row] + [""] * (len(COLUMNS) - len(row))
        if not any(cells):
            continue
        if len(items) >= MAX_ROWS:
            errors["rows"] = _("At most %(n)d items per checklist.", n=MAX_ROWS)
            break
        section, text, guidance, photo = cells[: len(COLUMNS)]
        if not text:
            errors[f"rows.{number}.text"] = _where(number, 1) + ": " + _("This field is required.")
        elif len(text) > inspections.TEXT_MAX:
            errors[f"rows.{number}.text"] = (
                _where(number, 1) + ": " + _("At most %(n)d characters.", n=inspections.TEXT_MAX)
            )
        if len(section) > inspections.SECTION_MAX:
            errors[f"rows.{number}.section"] = (
                _where(number, 0) + ": " + _("At most %(n)d characters.", n=inspections.SECTION_MAX)
            )
        if len(guidance) > inspections.TEXT_MAX:
            errors[f"rows.{number}.guidance"] = (
                _where(number, 2) + ": " + _("At most %(n)d characters.", n=inspections.TEXT_MAX)
            )
        flag = photo.lower()
        yes = {str(_("yes")).lower(), *YES}
        no = {str(_("no")).lower(), *NO}
        if flag not in yes | no:
            errors[f"rows.{number}.photo_required_on_fail"] = (
                _where(number, 3) + ": " + _("Write yes or no.")
            )
        items.append(
            {
                "section": section or None,
                "text": text,
                "guidance": guidance or None,
                "photo_required_on_fail": flag in yes,
            }
        )
    if not items and not errors:
        errors["file"] = _("The sheet has no items.")
    if errors:
        raise ValidationError(errors)
    return items


def import_checklist(
    actor: User,
    data: bytes,
    *,
    name: str | None = None,
    checklist: Checklist | None = None,
    today: date | None = None,
    now: datetime,
) -> Checklist:
    """A new checklist (``name``) or a new version of ``checklist`` from a sheet.

    All or nothing: nothing is saved unless every row is valid.
    """
    items = parse_checklist(data)
    if checklist is None:
        return inspections.create_checklist(actor, {"name": name, "items": items}, now=now)
    return inspections.update_checklist(
        actor,
        checklist,
        {"name": name or checklist.name, "items": items},
        today=today or clock.local_date(now),
        now=now,
    )
