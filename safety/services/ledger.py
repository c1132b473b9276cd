"""The hazard ledger (隐患排查治理台账) as an Excel workbook, streamed.

Columns are the ones safety departments keep: the 五定, status, overdue flag
and days, verifier, dates and the major hazard's authority fields.

A 100k-hazard ledger must start downloading at once and finish well inside
a worker's timeout (issue 13), so it is written as it is read:

- the rows come from one read snapshot (one transaction: people, today's
  holders of every post, then the hazards through a server-side cursor with
  ``yield_per``), as plain columns, never as ORM objects;
- openpyxl's write-only workbook makes everything but the rows (styles,
  column widths, frozen panes, the title and the headings) from a template
  with one row of each cell style; the rows are written as sheet XML in that
  template's styles, in chunks, into a zip archive that goes to the client
  as each chunk is compressed (``zipfile`` on an unseekable stream writes
  data descriptors, so nothing needs to be rewound).

Values go through the same rules as every workbook (:mod:`safety.services.excel`):
characters XML cannot hold are removed and text a spreadsheet would run as a
formula is marked as text (quote prefix).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import namedtuple
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from safety import clock
from safety.extensions import db
from safety.models import Hazard, HazardLevel, Post, PostHolder, Unit, User
from safety.services import excel
from safety.services import hazards as svc
from safety.services.hazards.lists import _sort_keys as sort_keys  # the lists' order
from safety.services.org import holding_filter
from safety.services.overdue import is_overdue

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


#: Rows per chunk: each chunk is compressed and handed to the client.
CHUNK_ROWS = 1000
#: The hazard columns a ledger line needs (no ORM objects: plain rows).
_HAZARD_COLUMNS = (
    Hazard.id,
    Hazard.number,
    Hazard.title,
    Hazard.location,
    Hazard.category,
    Hazard.level,
    Hazard.risk_l,
    Hazard.risk_e,
    Hazard.risk_c,
    Hazard.found_on,
    Hazard.reporter_id,
    Hazard.description,
    Hazard.status,
    Hazard.accountable_post_id,
    Hazard.measures,
    Hazard.funds,
    Hazard.deadline,
    Hazard.contingency_plan,
    Hazard.plan,
    Hazard.submitted_at,
    Hazard.verified_by_id,
    Hazard.verified_at,
    Hazard.reported_to_authority_on,
    Hazard.listed_for_supervision,
    Hazard.supervising_authority,
    Hazard.written_off_on,
)
_OVERDUE = [name for name, _w in COLUMNS].index("Overdue")
_DATES = frozenset(
    i for i, (name, _w) in enumerate(COLUMNS) if name.endswith(" on") or name == "Deadline"
)
_LETTERS = [get_column_letter(i) for i in range(1, len(COLUMNS) + 1)]
_EPOCH = date(1899, 12, 30)


def _plan_text(plan: dict | None) -> str:
    if not plan:
        return ""
    return "\n".join(
        f"{svc.PLAN_LABELS[part]}：{plan[part]}" for part in svc.PLAN_PARTS if plan.get(part)
    )


class _Labels:
    """Translated labels looked up once per export, not once per row."""

    def __init__(self) -> None:
        self.yes, self.no = _("Yes"), _("No")
        self.category = {k: str(v) for k, v in svc.CATEGORY_LABELS.items()}
        self.level = {k: str(v) for k, v in svc.LEVEL_LABELS.items()}
        self.status = {k: str(v) for k, v in svc.STATUS_LABELS.items()}
        self.risk = {k: str(v) for k, v in svc.RISK_LABELS.items()}
        self._grades: dict[float, str | None] = {}
        #: TIMEZONE, for the dates of instants (as :func:`safety.clock.local_date`).
        self.tz = clock.tz()

    def grade(self, score: float | None) -> str:
        if score is None:
            return ""
        if score not in self._grades:
            self._grades[score] = svc.risk_grade(score)
        grade = self._grades[score]
        return self.risk[grade] if grade else ""


def ledger_row(
    hazard: Any,
    *,
    unit: str,
    post: str,
    holders: str,
    today: date,
    people: dict[int, str],
    labels: _Labels | None = None,
) -> list[Any]:
    """One ledger line (plain values; dates as dates, money as a number).

    ``hazard`` is a :class:`Hazard` or a row with the same column names.
    """
    labels = labels or _Labels()
    score = svc.risk_score(hazard)
    yes, no = labels.yes, labels.no
    is_late = is_overdue(hazard, today)
    category = hazard.category or ""
    tz = labels.tz
    return [
        hazard.number,
        hazard.title,
        unit,
        hazard.location or "",
        labels.category.get(category, category),
        labels.level[hazard.level],
        score,
        labels.grade(score),
        hazard.found_on,
        people.get(hazard.reporter_id or 0, ""),
        hazard.description or "",
        labels.status[hazard.status],
        post,
        holders,
        hazard.measures or "",
        float(hazard.funds) if hazard.funds is not None else None,
        hazard.deadline,
        hazard.contingency_plan or "",
        _plan_text(hazard.plan),
        yes if is_late else no,
        (today - hazard.deadline).days if is_late else 0,
        hazard.submitted_at.astimezone(tz).date() if hazard.submitted_at else None,
        people.get(hazard.verified_by_id or 0, ""),
        hazard.verified_at.astimezone(tz).date() if hazard.verified_at else None,
        hazard.reported_to_authority_on,
        (yes if hazard.listed_for_supervision else no) if hazard.level == HazardLevel.MAJOR else "",
        hazard.supervising_authority or "",
        hazard.written_off_on,
    ]


# --- reading: one snapshot ------------------------------------------------------


def _people_names() -> dict[int, str]:
    """Every person's name by id (one query; people are few next to hazards)."""
    return dict(db.session.execute(sa.select(User.id, User.name)).all())


def _holder_names(today: date) -> dict[int, str]:
    """Today's active holders of every post, joined as the ledger shows them (one query)."""
    names: dict[int, list[str]] = {}
    for post_id, name in db.session.execute(
        sa.select(PostHolder.post_id, User.name)
        .join(User, User.id == PostHolder.user_id)
        .where(holding_filter(today), User.active.is_(True))
        .order_by(PostHolder.post_id, User.name)
    ):
        names.setdefault(post_id, []).append(name)
    return {post_id: "、".join(people) for post_id, people in names.items()}


def ledger_rows(
    filters: svc.HazardFilters, *, user: User | None, today: date, batch: int = 2000
) -> Iterator[list[Any]]:
    """Every ledger line of ``filters`` in the list's order, from one read snapshot.

    Three statements whatever the size: people, holders, and the hazards with
    their unit and post, fetched ``batch`` rows at a time (a server-side
    cursor on PostgreSQL), in a transaction of their own: read-only
    REPEATABLE READ on PostgreSQL, one deferred (snapshot) transaction on
    SQLite, so a change committed meanwhile is in none of them or all.
    """
    db.session.commit()  # end what the request read: nothing is pending in a GET
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    people = _people_names()
    holders = _holder_names(today)
    labels = _Labels()
    sort = filters.sort if filters.sort in svc.SORTS else "id"
    keys, desc = sort_keys(sort)
    stmt = (
        svc.filtered_query(filters, user=user, today=today)
        .with_only_columns(
            *_HAZARD_COLUMNS,
            Unit.name.label("unit_name"),
            Post.title.label("post_title"),
            maintain_column_froms=False,
        )
        .select_from(Hazard)
        .join(Unit, Unit.id == Hazard.unit_id)
        .outerjoin(Post, Post.id == Hazard.accountable_post_id)
        .order_by(*(k.desc() if d else k.asc() for k, d in zip(keys, desc, strict=True)))
        .execution_options(yield_per=batch)
    )
    # A named tuple reads its fields in C; a Row's names are looked up in Python.
    line = namedtuple("line", [c.key for c in _HAZARD_COLUMNS] + ["unit_name", "post_title"])  # noqa: PYI024
    for row in map(line._make, db.session.execute(stmt)):
        post = row.accountable_post_id
        yield ledger_row(
            row,
            unit=row.unit_name,
            post=row.post_title or "",
            holders=holders.get(post, "") if post is not None else "",
            today=today,
            people=people,
            labels=labels,
        )
    db.session.commit()  # the snapshot ends with the last row


# --- writing: a template, then the rows as sheet XML ------------------------------


class _Template:
    """The workbook's parts from openpyxl (head rows, styles, widths) and each style's id."""

    ROW = 3

    def __init__(self, today: date) -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Hazard ledger"))
        sheet.freeze_panes = "C3"
        for index, (_name, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        title = WriteOnlyCell(sheet, value=_("Hazard investigation and rectification ledger"))
        title.font = Font(bold=True, size=14)
        sheet.append([title, f"{_('As of')} {today.isoformat()}"])
        head = []
        for text in headings():
            cell = WriteOnlyCell(sheet, value=text)
            cell.font, cell.fill, cell.alignment = _HEAD_FONT, _HEAD_FILL, _WRAP
            head.append(cell)
        sheet.append(head)
        # One cell per style the rows use: plain, date, overdue, text-not-formula.
        plain = WriteOnlyCell(sheet, value="x")
        dated = WriteOnlyCell(sheet, value=date(2000, 1, 1))
        dated.number_format = "yyyy-mm-dd"
        late = WriteOnlyCell(sheet, value="x")
        late.font = _OVERDUE_FONT
        sheet.append([plain, dated, late, excel.cell(sheet, "=x")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        with zipfile.ZipFile(buffer) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}
        self.sheet_name = next(n for n in self.parts if n.startswith("xl/worksheets/sheet"))
        xml = self.parts.pop(self.sheet_name).decode()
        start = xml.index(f'<row r="{self.ROW}"')
        end = xml.index("</sheetData>")
        styles = [
            f' s="{m.group(1)}"' if m.group(1) else ""
            for m in re.finditer(r'<c r="[A-Z]+\d+"(?: s="(\d+)")?', xml[start:end])
        ]
        self.plain, self.date, self.late, self.text = styles
        self.head, self.tail = xml[:start].encode(), xml[end:].encode()


#: What sheet XML cannot hold as is: markup characters (escaped) and control
#: characters (removed, as :func:`safety.services.excel.clean` does).
_SPECIAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f&<>\r]")
_REPLACE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_NUMBERS = frozenset(
    [name for name, _w in COLUMNS].index(name)
    for name in ("Risk (D = L×E×C)", "Funds (yuan)", "Days overdue")
)


def _replace(match: re.Match[str]) -> str:
    return _REPLACE.get(match.group(), "")


def _row_xml(number: int, values: list[Any], template: _Template, late: bool) -> str:
    """One ``<row>`` of sheet XML; empty values are left out (as openpyxl does)."""
    n = str(number)
    cells = [f'<row r="{n}">']
    append = cells.append
    for i, value in enumerate(values):
        if value is None or value == "":
            continue
        if i in _DATES:
            append(f'<c r="{_LETTERS[i]}{n}"{template.date}><v>{(value - _EPOCH).days}</v></c>')
        elif i in _NUMBERS:
            append(f'<c r="{_LETTERS[i]}{n}" t="n"><v>{value}</v></c>')
        else:
            text = value if isinstance(value, str) else str(value)
            style = template.plain
            if i == _OVERDUE and late:
                style = template.late
            elif text.startswith(excel.FORMULA_STARTS):
                style = template.text
            if _SPECIAL.search(text):
                text = _SPECIAL.sub(_replace, text)
            append(
                f'<c r="{_LETTERS[i]}{n}"{style} t="inlineStr"><is><t xml:space="preserve">'
                f"{text}</t></is></c>"
            )
    append("</row>")
    return "".join(cells)


class _Sink(io.RawIOBase):
    """An unseekable file that keeps what is written until taken (the response body)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stream_workbook(rows: Iterable[list[Any]], *, today: date) -> Iterator[bytes]:
    """The ledger workbook of ``rows`` (from :func:`ledger_row`), as bytes in chunks.

    The first chunk (the workbook's small parts and the sheet's head) comes
    before any row is read.
    """
    template = _Template(today)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in template.parts.items():
            archive.writestr(name, data)
        with archive.open(template.sheet_name, "w", force_zip64=True) as sheet:
            sheet.write(template.head)
            yield sink.take()
            number = template.ROW
            chunk: list[str] = []
            for values in rows:
                late = bool(values[_OVERDUE + 1])  # days overdue: 0 unless overdue
                chunk.append(_row_xml(number, values, template, late))
                number += 1
                if len(chunk) == CHUNK_ROWS:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
                    yield sink.take()
            sheet.write("".join(chunk).encode())
            sheet.write(template.tail)
    yield sink.take()


def stream_ledger(filters: svc.HazardFilters, *, user: User | None, today: date) -> Iterator[bytes]:
    """The ledger of ``filters`` as a streamed workbook (see the module's docstring)."""
    return stream_workbook(ledger_rows(filters, user=user, today=today), today=today)


def write_ledger(
    rows: Iterable[tuple[Hazard, list[User]]], target: str | IO[bytes], *, today: date
) -> int:
    """Write the ledger of ``(hazard, holders)`` pairs to ``target`` (a path or binary
    file); the row count. For callers that hold ORM objects already."""
    people = _people_names()
    labels = _Labels()
    count = 0

    def values() -> Iterator[list[Any]]:
        nonlocal count
        for hazard, holders in rows:
            count += 1
            post = hazard.accountable_post
            yield ledger_row(
                hazard,
                unit=hazard.unit.name,
                post=post.title if post else "",
                holders="、".join(u.name for u in holders),
                today=today,
                people=people,
                labels=labels,
            )

    if isinstance(target, str):
        with open(target, "wb") as out:
            for data in stream_workbook(values(), today=today):
                out.write(data)
    else:
        for data in stream_workbook(values(), today=today):
            target.write(data)
    return count
