"""Excel in and out for the matrix: import duties and responsibilities, export the matrix.

The import is all or nothing: every row is checked first against the
database and the rest of the workbook, and any problem (named by sheet, row
and column) rejects the whole file with nothing written. Rows refer to posts
by their unit's code and title, to units by code and to duties by title, so
a workbook is readable and can be filled in by hand.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from safety.extensions import db
from safety.models import (
    Duty,
    DutyCategory,
    Post,
    Responsibility,
    ResponsibilityKind,
    Unit,
    User,
)
from safety.services import audit, excel, matrix
from safety.services.errors import ValidationError

MAX_ROWS = 5000

DUTY_SHEET = ("Duties", "职责")
RESPONSIBILITY_SHEET = ("Responsibilities", "责任")

#: (key, English header, Chinese header, required). Any of the three names a column.
DUTY_COLUMNS = [
    ("title", "Title", "职责名称", True),
    ("category", "Category", "类别", True),
    ("description", "Description", "说明", False),
]
RESPONSIBILITY_COLUMNS = [
    ("post_unit_code", "Post's unit code", "岗位所在单位编码", True),
    ("post_title", "Post title", "岗位名称", True),
    ("unit_code", "Responsible for unit (code)", "负责单位编码", True),
    ("kind", "Kind", "责任类型", True),
    ("duty_title", "Duty title", "职责名称", False),
    ("description", "Description", "说明", False),
]

CATEGORY_ALIASES = {
    "industry": DutyCategory.INDUSTRY,
    "行业": DutyCategory.INDUSTRY,
    "管行业": DutyCategory.INDUSTRY,
    "行业安全": DutyCategory.INDUSTRY,
    "business": DutyCategory.BUSINESS,
    "业务": DutyCategory.BUSINESS,
    "管业务": DutyCategory.BUSINESS,
    "业务安全": DutyCategory.BUSINESS,
    "production_operation": DutyCategory.PRODUCTION_OPERATION,
    "生产经营": DutyCategory.PRODUCTION_OPERATION,
    "管生产经营": DutyCategory.PRODUCTION_OPERATION,
    "生产经营安全": DutyCategory.PRODUCTION_OPERATION,
}
KIND_ALIASES = {
    "main": ResponsibilityKind.MAIN,
    "主": ResponsibilityKind.MAIN,
    "主体": ResponsibilityKind.MAIN,
    "主体责任": ResponsibilityKind.MAIN,
    "leadership": ResponsibilityKind.LEADERSHIP,
    "领": ResponsibilityKind.LEADERSHIP,
    "领导": ResponsibilityKind.LEADERSHIP,
    "领导责任": ResponsibilityKind.LEADERSHIP,
    "supervision": ResponsibilityKind.SUPERVISION,
    "监": ResponsibilityKind.SUPERVISION,
    "监管": ResponsibilityKind.SUPERVISION,
    "监管责任": ResponsibilityKind.SUPERVISION,
    "direct": ResponsibilityKind.DIRECT,
    "直": ResponsibilityKind.DIRECT,
    "直接": ResponsibilityKind.DIRECT,
    "直接责任": ResponsibilityKind.DIRECT,
}
KIND_FILLS = {
    ResponsibilityKind.MAIN: "F8D7DA",
    ResponsibilityKind.LEADERSHIP: "D6E4FF",
    ResponsibilityKind.SUPERVISION: "FFE8CC",
    ResponsibilityKind.DIRECT: "D3F4E0",
}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Problem:
    """One reason the workbook was rejected; ``row`` is the spreadsheet's own number."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str


class ImportRejected(ValidationError):
    """The workbook had problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        where = " ".join(str(p) for p in (first.sheet, first.row, first.column) if p)
        super().__init__(
            {"file": [f"{where}: {p.message}" if where else p.message for p in problems[:1]]},
            message=_("Nothing was imported: %(n)d problems.", n=len(problems)),
        )


@dataclass
class ImportResult:
    duties: int
    responsibilities: int
    posts: int


# --- reading ---------------------------------------------------------------------


def _sheet(workbook: Any, names: tuple[str, ...]) -> Any:
    for ws in workbook.worksheets:
        if ws.title.strip().lower() in {n.lower() for n in names}:
            return ws
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(
    ws: Any, columns: list[tuple[str, str, str, bool]], problems: list[Problem]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of ``ws`` as ``(row number, {key: text})``, skipping blank rows."""
    iterator = ws.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    names = {}
    for key, english, chinese, _req in columns:
        for alias in (key, english, chinese):
            names[alias.strip().lower()] = key
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        key = names.get(_cell(value).lower())
        if key is not None and key not in positions:
            positions[key] = index
    missing = [english for key, english, _zh, req in columns if req and key not in positions]
    for english in missing:
        problems.append(Problem(ws.title, 1, english, _("This column is missing.")))
    if missing:
        return []
    rows = []
    for number, values in enumerate(iterator, start=2):
        if number > MAX_ROWS + 1:
            problems.append(
                Problem(ws.title, number, None, _("At most %(n)d rows per sheet.", n=MAX_ROWS))
            )
            break
        record = {
            key: _cell(values[pos]) if pos < len(values) else "" for key, pos in positions.items()
        }
        if any(record.values()):
            rows.append((number, record))
    return rows


def _header(columns: list[tuple[str, str, str, bool]], key: str) -> str:
    return next(english for k, english, _zh, _r in columns if k == key)


# --- importing ---------------------------------------------------------------------


def import_workbook(actor: User | None, stream: IO[bytes], *, now: datetime) -> ImportResult:
    """Add the workbook's duties and responsibilities, or nothing at all.

    :raise Forbidden: unless ``actor`` may edit the matrix.
    :raise ImportRejected: listing every problem (sheet, row, column, message).
    """
    matrix.require_matrix_admin(actor)
    problems: list[Problem] = []
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, Exception):  # a damaged or foreign file fails in many ways
        raise ImportRejected(
            [Problem(None, None, None, _("The file is not an Excel workbook (.xlsx)."))]
        ) from None
    duty_ws = _sheet(workbook, DUTY_SHEET)
    resp_ws = _sheet(workbook, RESPONSIBILITY_SHEET)
    if duty_ws is None and resp_ws is None:
        raise ImportRejected(
            [
                Problem(
                    None,
                    None,
                    None,
                    _("The workbook needs a sheet named Duties or Responsibilities."),
                )
            ]
        )
    duty_rows = _rows(duty_ws, DUTY_COLUMNS, problems) if duty_ws is not None else []
    resp_rows = _rows(resp_ws, RESPONSIBILITY_COLUMNS, problems) if resp_ws is not None else []
    workbook.close()
    new_duties = _check_duties(duty_ws.title if duty_ws else "", duty_rows, problems)
    new_resps = _check_responsibilities(
        resp_ws.title if resp_ws else "", resp_rows, new_duties, problems
    )
    if problems:
        raise ImportRejected(problems)
    if not new_duties and not new_resps:
        raise ImportRejected([Problem(None, None, None, _("The workbook has no rows to import."))])
    return _write(actor, new_duties, new_resps, now)


def _check_duties(
    sheet: str, rows: list[tuple[int, dict[str, str]]], problems: list[Problem]
) -> dict[str, dict[str, Any]]:
    """Valid new duties by title; problems for the rest."""
    existing = set(db.session.scalars(sa.select(Duty.title)))
    result: dict[str, dict[str, Any]] = {}
    for number, record in rows:
        category = CATEGORY_ALIASES.get(record.get("category", "").lower())
        values, errors = matrix.validate_duty(
            {
                "title": record.get("title"),
                "category": category or record.get("category"),
                "description": record.get("description"),
            }
        )
        title = values["title"]
        if title and "title" not in errors:
            if title in existing:
                errors["title"] = _("A duty with this title exists already.")
            elif title in result:
                errors["title"] = _("This title appears twice in the sheet.")
        for key, message in errors.items():
            problems.append(Problem(sheet, number, _header(DUTY_COLUMNS, key), message))
        if not errors:
            result[title] = values
    return result


def _check_responsibilities(
    sheet: str,
    rows: list[tuple[int, dict[str, str]]],
    new_duties: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    """Valid new responsibilities (duty by title when new); problems for the rest."""
    if not rows:
        return []
    units = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    posts = {
        (code, title): (pid, title)
        for pid, title, code in db.session.execute(
            sa.select(Post.id, Post.title, Unit.code).join(Unit, Unit.id == Post.unit_id)
        )
    }
    duties: dict[str, list[int]] = {}
    for did, title in db.session.execute(sa.select(Duty.id, Duty.title)):
        duties.setdefault(title, []).append(did)
    taken = {
        (p, u, k, d)
        for p, u, k, d in db.session.execute(
            sa.select(
                Responsibility.post_id,
                Responsibility.unit_id,
                Responsibility.kind,
                Responsibility.duty_id,
            )
        )
    }
    result = []
    for number, record in rows:
        errors: dict[str, str] = {}

        def need(key: str, errors: dict[str, str] = errors, record: dict = record) -> str:
            value = record.get(key, "")
            if not value:
                errors[key] = _("This field is required.")
            return value

        post_code, post_title = need("post_unit_code"), need("post_title")
        unit_code, kind_text = need("unit_code"), need("kind")
        post = posts.get((post_code, post_title))
        if post_code and post_title and post is None:
            errors["post_title"] = _(
                "No post %(title)s in the unit %(code)s.", title=post_title, code=post_code
            )
        unit_id = units.get(unit_code)
        if unit_code and unit_id is None:
            errors["unit_code"] = _("No unit with the code %(code)s.", code=unit_code)
        kind = KIND_ALIASES.get(kind_text.lower()) if kind_text else None
        if kind_text and kind is None:
            allowed = ", ".join(k.value for k in ResponsibilityKind)
            errors["kind"] = _("Must be one of: %(allowed)s.", allowed=allowed)
        duty_title = record.get("duty_title", "")
        duty_key: int | str | None = None
        if duty_title:
            if duty_title in new_duties:
                duty_key = duty_title
            elif len(duties.get(duty_title, [])) == 1:
                duty_key = duties[duty_title][0]
            elif duty_title in duties:
                errors["duty_title"] = _(
                    "Several duties have this title; rename one before importing."
                )
            else:
                errors["duty_title"] = _("No duty with this title here or in the Duties sheet.")
        description = record.get("description", "")
        if len(description) > 5000:
            errors["description"] = _("At most %(n)d characters.", n=5000)
        if not errors:
            key = (post[0], unit_id, kind, duty_key)
            if key in taken:
                errors["kind"] = _("This responsibility exists already.")
            else:
                taken.add(key)
        for key, message in errors.items():
            problems.append(Problem(sheet, number, _header(RESPONSIBILITY_COLUMNS, key), message))
        if not errors:
            result.append(
                {
                    "post_id": post[0],
                    "unit_id": unit_id,
                    "kind": kind,
                    "duty": duty_key,
                    "description": description or None,
                }
            )
    return result


def _write(
    actor: User | None,
    new_duties: dict[str, dict[str, Any]],
    new_resps: list[dict[str, Any]],
    now: datetime,
) -> ImportResult:
    """One transaction: duties, then responsibilities, their audit and list versions."""
    created: dict[str, Duty] = {}
    for title, values in new_duties.items():
        duty = Duty(**values, created_at=now)
        db.session.add(duty)
        created[title] = duty
    db.session.flush()
    for duty in created.values():
        audit.record(actor, "duty.create", duty, {"title": duty.title, "source": "import"}, now=now)
    posts: set[int] = set()
    for values in new_resps:
        duty_ref = values.pop("duty")
        duty_id = created[duty_ref].id if isinstance(duty_ref, str) else duty_ref
        resp = Responsibility(**values, duty_id=duty_id, created_at=now)
        db.session.add(resp)
        posts.add(resp.post_id)
        audit.record(
            actor,
            "responsibility.create",
            resp,
            {**values, "duty_id": duty_id, "source": "import"},
            now=now,
        )
    matrix.record_list_versions(posts, actor=actor, now=now)
    db.session.commit()
    return ImportResult(duties=len(created), responsibilities=len(new_resps), posts=len(posts))


# --- workbooks out ---------------------------------------------------------------------


def _style_header(ws: Any) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def template_workbook() -> io.BytesIO:
    """The import template: both sheets with headers, an example row and a help sheet."""
    wb = Workbook()
    duties = wb.active
    duties.title = DUTY_SHEET[0]
    duties.append([english for _k, english, _zh, _r in DUTY_COLUMNS])
    duties.append(["组织开展隐患排查治理", "production_operation", "每月组织一次全面排查"])
    _style_header(duties)
    resps = wb.create_sheet(RESPONSIBILITY_SHEET[0])
    resps.append([english for _k, english, _zh, _r in RESPONSIBILITY_COLUMNS])
    resps.append(["SODA", "厂长", "SODA", "main", "组织开展隐患排查治理", "本厂安全生产第一责任人"])
    _style_header(resps)
    help_ws = wb.create_sheet(_("Help"))
    help_ws.append([_("Column"), _("Allowed values")])
    help_ws.append(
        ["Category", ", ".join(c.value for c in DutyCategory) + " / 行业, 业务, 生产经营"]
    )
    help_ws.append(
        ["Kind", ", ".join(k.value for k in ResponsibilityKind) + " / 主体, 领导, 监管, 直接"]
    )
    help_ws.append([_("Headers"), _("English or Chinese column names are both accepted.")])
    help_ws.append(
        [
            _("Posts"),
            _("A post is named by its unit's code and its title, as on the organisation pages."),
        ]
    )
    help_ws.append([_("All or nothing"), _("If any row is wrong, nothing is imported.")])
    _style_header(help_ws)
    for ws in (duties, resps, help_ws):
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 28
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def export_matrix(data: dict[str, Any]) -> io.BytesIO:
    """The matrix as a workbook, from :func:`matrix.matrix_data` (what GET /matrix answers).

    Sheet 1: one row per post, one column per unit, each cell the kinds'
    letters (主 领 监 直) on the first kind's colour; sheet 2: the gaps.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _("Matrix")
    units = data["units"]
    excel.append(
        ws,
        [_("Level"), _("Post's unit"), _("Post"), _("Post id")]
        + [f"{'  ' * depth}{u.name} ({u.code})" for u, depth in units],
    )
    column_of = {u.id: 5 + i for i, (u, _d) in enumerate(units)}
    cells: dict[int, dict[int, list[str]]] = {}
    for cell in data["cells"]:
        cells.setdefault(cell["post_id"], {})[cell["unit_id"]] = cell["kinds"]
    names = data["unit_names"]
    for row, post in enumerate(data["posts"], start=2):
        ws.cell(row, 1, str(matrix.LEVEL_LABELS[post.level]))
        excel.guard(ws.cell(row, 2, excel.clean(names.get(post.unit_id, ""))))
        excel.guard(ws.cell(row, 3, excel.clean(post.title)))
        ws.cell(row, 4, post.id)
        for unit_id, kinds in cells.get(post.id, {}).items():
            if unit_id not in column_of:
                continue
            members = [ResponsibilityKind(k) for k in kinds]
            target = ws.cell(
                row, column_of[unit_id], " ".join(str(matrix.KIND_LETTERS[k]) for k in members)
            )
            target.fill = PatternFill("solid", fgColor=KIND_FILLS[members[0]])
            target.alignment = Alignment(horizontal="center")
    _style_header(ws)
    ws.freeze_panes = "E2"
    for index in range(1, 5 + len(units)):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = 16 if index > 4 else 20
    legend = wb.create_sheet(_("Legend"))
    legend.append([_("Letter"), _("Kind")])
    for kind in matrix.KIND_ORDER:
        legend.append(
            [str(matrix.KIND_LETTERS[kind]), f"{matrix.KIND_LABELS[kind]} ({kind.value})"]
        )
        legend.cell(legend.max_row, 1).fill = PatternFill("solid", fgColor=KIND_FILLS[kind])
    _style_header(legend)
    gaps = wb.create_sheet(_("Gaps"))
    gaps.append([_("Type"), _("Unit"), _("Post id"), _("Message")])
    for gap in data["gaps"]:
        excel.append(
            gaps,
            [gap["type"], names.get(gap.get("unit_id"), ""), gap.get("post_id"), gap["message"]],
        )
    _style_header(gaps)
    gaps.column_dimensions["D"].width = 80
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
