"""The hazard ledger (隐患排查治理台账) as an Excel workbook.

Written with openpyxl's write-only mode: rows go to disk as they come, so a
100k-hazard export never sits in memory. Columns are the ones safety
departments keep: the 五定, status, overdue flag and days, verifier, dates
and the major hazard's authority fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from safety.clock import local_date
from safety.models import Hazard, HazardLevel, User
from safety.services import excel
from safety.services import hazards as svc
from safety.services.overdue import days_overdue, is_overdue

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: (column heading, width); headings are translated when written.
COLUMNS: list[tuple[str, int]] = [
    ("Number", 16),
    ("Title", 30),
    ("Unit", 18),
    ("Location", 18),
    ("Category", 12),
    ("Grade", 8),
    ("Risk (D = L×E×C)", 10),
    ("Risk level", 10),
    ("Found on", 12),
    ("Reported by", 10),
    ("Description", 40),
    ("Status", 12),
    ("Accountable post", 22),
    ("Accountable people", 18),
    ("Measures", 40),
    ("Funds (yuan)", 12),
    ("Deadline", 12),
    ("Contingency plan", 30),
    ("Rectification plan (major)", 40),
    ("Overdue", 8),
    ("Days overdue", 8),
    ("Submitted on", 12),
    ("Verified by", 10),
    ("Verified on", 12),
    ("Reported to authority on", 12),
    ("Listed for supervision", 10),
    ("Supervising authority", 18),
    ("Written off on", 12),
]

_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE3EA")
_OVERDUE_FONT = Font(bold=True, color="B42318")
_WRAP = Alignment(wrap_text=True, vertical="top")


def headings() -> list[str]:
    labels = {
        "Number": _("Number"),
        "Title": _("Title"),
        "Unit": _("Unit"),
        "Location": _("Location"),
        "Category": _("Category"),
        "Grade": _("Grade"),
        "Risk (D = L×E×C)": _("Risk (D = L×E×C)"),
        "Risk level": _("Risk level"),
        "Found on": _("Found on"),
        "Reported by": _("Reported by"),
        "Description": _("Hazard description"),
        "Status": _("Status"),
        "Accountable post": _("Accountable post"),
        "Accountable people": _("Accountable people"),
        "Measures": _("Measures"),
        "Funds (yuan)": _("Funds (yuan)"),
        "Deadline": _("Deadline"),
        "Contingency plan": _("Contingency plan"),
        "Rectification plan (major)": _("Rectification plan (major)"),
        "Overdue": _("Overdue"),
        "Days overdue": _("Days overdue"),
        "Submitted on": _("Submitted on"),
        "Verified by": _("Verified by"),
        "Verified on": _("Verified on"),
        "Reported to authority on": _("Reported to authority on"),
        "Listed for supervision": _("Listed for supervision"),
        "Supervising authority": _("Supervising authority"),
        "Written off on": _("Written off on"),
    }
    return [labels[name] for name, _width in COLUMNS]


def _plan_text(hazard: Hazard) -> str:
    if not hazard.plan:
        return ""
    return "\n".join(
        f"{svc.PLAN_LABELS[part]}：{hazard.plan[part]}"
        for part in svc.PLAN_PARTS
        if hazard.plan.get(part)
    )


def ledger_row(
    hazard: Hazard, holders: list[User], today: date, people: dict[int, str]
) -> list[Any]:
    """One ledger line (plain values; dates as dates, money as a number)."""
    score = svc.risk_score(hazard)
    grade = svc.risk_grade(score)
    yes, no = _("Yes"), _("No")
    is_late = is_overdue(hazard, today)
    return [
        hazard.number,
        hazard.title,
        hazard.unit.name,
        hazard.location or "",
        str(svc.CATEGORY_LABELS.get(hazard.category or "", hazard.category or "")),
        str(svc.LEVEL_LABELS[hazard.level]),
        score,
        str(svc.RISK_LABELS[grade]) if grade else "",
        hazard.found_on,
        people.get(hazard.reporter_id or 0, ""),
        hazard.description or "",
        str(svc.STATUS_LABELS[hazard.status]),
        hazard.accountable_post.title if hazard.accountable_post else "",
        "、".join(u.name for u in holders),
        hazard.measures or "",
        float(hazard.funds) if hazard.funds is not None else None,
        hazard.deadline,
        hazard.contingency_plan or "",
        _plan_text(hazard),
        yes if is_late else no,
        days_overdue(hazard, today),
        local_date(hazard.submitted_at) if hazard.submitted_at else None,
        people.get(hazard.verified_by_id or 0, ""),
        local_date(hazard.verified_at) if hazard.verified_at else None,
        hazard.reported_to_authority_on,
        (yes if hazard.listed_for_supervision else no) if hazard.level == HazardLevel.MAJOR else "",
        hazard.supervising_authority or "",
        hazard.written_off_on,
    ]


def _people_names() -> dict[int, str]:
    """Every person's name by id (one query; people are few next to hazards)."""
    import sqlalchemy as sa

    from safety.extensions import db

    return dict(db.session.execute(sa.select(User.id, User.name)).all())


def write_ledger(
    rows: Iterable[tuple[Hazard, list[User]]], target: str | IO[bytes], *, today: date
) -> int:
    """Write the ledger of ``rows`` to ``target`` (a path or binary file); the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Hazard ledger"))
    sheet.freeze_panes = "C3"
    from openpyxl.utils import get_column_letter

    for index, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    title = WriteOnlyCell(sheet, value=_("Hazard investigation and rectification ledger"))
    title.font = Font(bold=True, size=14)
    sheet.append([title, f"{_('As of')} {today.isoformat()}"])
    head = []
    for text in headings():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = _HEAD_FONT
        cell.fill = _HEAD_FILL
        cell.alignment = _WRAP
        head.append(cell)
    sheet.append(head)
    people = _people_names()
    overdue_index = [name for name, _w in COLUMNS].index("Overdue")
    date_columns = {
        i for i, (name, _w) in enumerate(COLUMNS) if name.endswith(" on") or name == "Deadline"
    }
    count = 0
    for hazard, holders in rows:
        values = ledger_row(hazard, holders, today, people)
        cells = []
        for i, value in enumerate(values):
            cell = excel.cell(sheet, value)
            if i in date_columns and value is not None:
                cell.number_format = "yyyy-mm-dd"
            if i == overdue_index and is_overdue(hazard, today):
                cell.font = _OVERDUE_FONT
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(target)
    return count
