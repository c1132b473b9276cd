"""Excel import of units, posts, people and holdings, all or nothing.

A workbook has one sheet per kind (see :data:`SHEETS`); row 1 holds the
column names (Chinese and English), data starts on row 2. Rows refer to
each other, and to what is already in the database, by natural keys: a unit
by its code, a post by its unit's code plus its title, a person by email.

Every row of every sheet is checked first and *every* problem is reported
(sheet, row, column, message), so an admin fixes a workbook in one round.
Only a clean workbook is written, in one transaction with one audit event
per created object. The import creates; it never changes or removes what
exists (a key that already exists is a problem), so nothing can be
half-overwritten either.

The rules are those of :mod:`safety.services.org` (unique codes and emails,
no cycles in the unit tree or the chain of superiors, no overlapping
holdings, no holdings for deactivated people). They are checked here over
the whole workbook at once because the org service functions commit one
object at a time.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.exc import IntegrityError

from safety.extensions import db
from safety.models import Locale, Post, PostHolder, PostLevel, Unit, User
from safety.services import audit
from safety.services.errors import ValidationError
from safety.services.org import require_admin
from safety.services.passwords import MIN_PASSWORD_LENGTH, hash_password
from safety.services.validation import strip_controls

#: Rows per sheet at most: beyond that, split the workbook.
MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    example: tuple[Any, ...]

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


UNITS = Sheet(
    "units",
    "单位",
    "Units",
    (
        Column("code", "编码", "Code", True),
        Column("name", "名称", "Name", True),
        Column("parent_code", "上级单位编码", "Parent code"),
    ),
    ("EX-WS", "示例车间", ""),
)
POSTS = Sheet(
    "posts",
    "岗位",
    "Posts",
    (
        Column("unit_code", "单位编码", "Unit code", True),
        Column("title", "岗位名称", "Title", True),
        Column("level", "层级", "Level", True),
        Column("superior_unit_code", "上级岗位单位编码", "Superior unit code"),
        Column("superior_title", "上级岗位名称", "Superior title"),
        Column("business_duties", "业务职责", "Business duties"),
    ),
    ("EX-WS", "车间主任", "management", "", "", "负责示例车间的生产运行。"),
)
PEOPLE = Sheet(
    "people",
    "人员",
    "People",
    (
        Column("email", "邮箱", "Email", True),
        Column("name", "姓名", "Name", True),
        Column("password", "初始密码", "Initial password", True),
        Column("locale", "语言", "Language"),
        Column("is_admin", "管理员", "Administrator"),
    ),
    ("zhangsan@example.com", "张三", "change-me-123", "zh_CN", "否"),
)
HOLDINGS = Sheet(
    "holdings",
    "任职",
    "Holdings",
    (
        Column("unit_code", "单位编码", "Unit code", True),
        Column("title", "岗位名称", "Post title", True),
        Column("email", "邮箱", "Email", True),
        Column("start_date", "开始日期", "Start date", True),
        Column("end_date", "结束日期", "End date"),
    ),
    ("EX-WS", "车间主任", "zhangsan@example.com", date(2025, 1, 1), None),
)
SHEETS = (UNITS, POSTS, PEOPLE, HOLDINGS)

LEVEL_WORDS = {
    "decision": PostLevel.DECISION,
    "决策层": PostLevel.DECISION,
    "决策": PostLevel.DECISION,
    "management": PostLevel.MANAGEMENT,
    "管理层": PostLevel.MANAGEMENT,
    "管理": PostLevel.MANAGEMENT,
    "operation": PostLevel.OPERATION,
    "操作层": PostLevel.OPERATION,
    "操作": PostLevel.OPERATION,
}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "x", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook; ``row`` is the Excel row number."""

    sheet: str
    row: int | None
    column: str | None
    message: str


class ImportRejected(ValidationError):
    """The workbook is refused as a whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = _("The workbook was not imported: %(n)d problems.", n=len(problems))
        super().__init__({"workbook": summary}, summary)


@dataclass
class ImportResult:
    units: list[Unit] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    holdings: list[PostHolder] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "units": len(self.units),
            "posts": len(self.posts),
            "people": len(self.people),
            "holdings": len(self.holdings),
        }


# --- template ----------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
EXAMPLE_FONT = Font(italic=True, color="667085")


def template_workbook() -> io.BytesIO:
    """The workbook to fill in: instructions, then one sheet per kind with an example row."""
    wb = Workbook()
    info = wb.active
    info.title = "说明 Instructions"
    for line in _instructions():
        info.append([line])
    info.column_dimensions["A"].width = 110
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.append([c.header + (" *" if c.required else "") for c in spec.columns])
        ws.append(list(spec.example))
        for index, column in enumerate(spec.columns, start=1):
            ws.cell(row=1, column=index).font = HEADER_FONT
            ws.cell(row=1, column=index).fill = HEADER_FILL
            ws.cell(row=2, column=index).font = EXAMPLE_FONT
            ws.column_dimensions[get_column_letter(index)].width = max(16, len(column.header) + 4)
            if column.key.endswith("date"):
                ws.cell(row=2, column=index).number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def _instructions() -> list[str]:
    return [
        "组织机构导入模板 Organisation import template",
        "",
        "每类数据一张工作表；第 1 行为列名，从第 2 行开始填写。第 2 行是示例，请覆盖或删除。",
        "One sheet per kind; row 1 holds the column names, data starts on row 2. "
        "Row 2 is an example: overwrite or delete it.",
        "带 * 的列必填。Columns marked * are required.",
        "单位按编码引用，岗位按“单位编码 + 岗位名称”引用，人员按邮箱引用；"
        "可以引用系统中已有的数据，也可以引用同一工作簿中的行。",
        "Units are referred to by code, posts by unit code + title, people by email; "
        "a reference may name existing data or a row of this workbook.",
        "层级 Level: decision / management / operation（决策层 / 管理层 / 操作层）。",
        "语言 Language: zh_CN / en；管理员 Administrator: 是/否 (yes/no)。",
        "日期 Dates: yyyy-mm-dd。结束日期为空表示长期任职。An empty end date means open-ended.",
        "导入只新增，不修改已有数据；任何一行有错，整个文件都不会导入。",
        "The import only adds; if any row is wrong, nothing at all is imported.",
        "不需要的工作表可以留空或删除。Sheets you do not need may stay empty or be removed.",
    ]


# --- reading -----------------------------------------------------------------


@dataclass
class Row:
    sheet: Sheet
    number: int
    values: dict[str, Any]


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, sheet: Sheet | None, row: int | None, column: str | None, message: str) -> None:
        header = None
        if sheet is not None and column is not None:
            header = next((c.header for c in sheet.columns if c.key == column), column)
        self.items.append(Problem(sheet.title if sheet else "", row, header, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def _norm(text: Any) -> str:
    return " ".join(str(text or "").replace("*", " ").replace("＊", " ").split()).lower()


def _find_sheet(wb: Any, spec: Sheet) -> Any:
    names = {_norm(spec.title), _norm(spec.zh), _norm(spec.en)}
    for ws in wb.worksheets:
        if _norm(ws.title) in names:
            return ws
    return None


def _header_map(spec: Sheet, header: Iterable[Any]) -> dict[int, str]:
    """Column index → key, from row 1 (either language, or both, is accepted)."""
    lookup: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.header, column.zh, column.en):
            lookup[_norm(name)] = column.key
    return {i: lookup[_norm(cell)] for i, cell in enumerate(header) if _norm(cell) in lookup}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = strip_controls(value).strip()
        return value or None
    return value


def read_workbook(stream: IO[bytes]) -> tuple[dict[str, list[Row]], list[Problem]]:
    """Rows per sheet key, or the problems that stop the workbook being read at all."""
    problems = _Problems()
    try:
        data = stream.read()
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        problems.add(None, None, None, _("This file is not an Excel workbook (.xlsx)."))
        return {}, problems.items
    rows: dict[str, list[Row]] = {spec.key: [] for spec in SHEETS}
    try:
        found = 0
        for spec in SHEETS:
            ws = _find_sheet(wb, spec)
            if ws is None:
                continue
            found += 1
            rows[spec.key] = _read_sheet(ws, spec, problems)
        if not found:
            names = "、".join(spec.title for spec in SHEETS)
            problems.add(
                None, None, None, _("The workbook has none of the sheets %(names)s.", names=names)
            )
    finally:
        wb.close()
    return rows, problems.items


def _read_sheet(ws: Any, spec: Sheet, problems: _Problems) -> list[Row]:
    iterator = ws.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        return []
    columns = _header_map(spec, header)
    missing = [c for c in spec.columns if c.required and c.key not in columns.values()]
    for column in missing:
        problems.add(spec, 1, column.key, _("This column is missing from row 1."))
    if missing:
        return []
    result: list[Row] = []
    for number, cells in enumerate(iterator, start=2):
        values = {key: _cell(cells[i]) if i < len(cells) else None for i, key in columns.items()}
        if all(v is None for v in values.values()):
            continue
        if len(result) >= MAX_ROWS:
            problems.add(spec, number, None, _("Too many rows: at most %(n)d.", n=MAX_ROWS))
            break
        result.append(Row(spec, number, values))
    return result


# --- checking ----------------------------------------------------------------


def _text(problems: _Problems, row: Row, key: str, max_len: int, required: bool) -> str | None:
    value = row.values.get(key)
    if value is None:
        if required:
            problems.add(row.sheet, row.number, key, _("This field is required."))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > max_len:
        problems.add(row.sheet, row.number, key, _("At most %(n)d characters.", n=max_len))
        return None
    return text


def _date(problems: _Problems, row: Row, key: str, required: bool) -> date | None:
    value = row.values.get(key)
    if value is None:
        if required:
            problems.add(row.sheet, row.number, key, _("This field is required."))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        problems.add(
            row.sheet, row.number, key, _("Not a date: %(value)s (use yyyy-mm-dd).", value=value)
        )
        return None


@dataclass
class _UnitRow:
    row: Row
    code: str
    name: str
    parent_code: str | None


@dataclass
class _PostRow:
    row: Row
    key: tuple[str, str]
    level: PostLevel
    superior: tuple[str, str] | None
    business_duties: str | None


@dataclass
class _PersonRow:
    row: Row
    email: str
    name: str
    password: str
    locale: Locale
    is_admin: bool


@dataclass
class _HoldingRow:
    row: Row
    post: tuple[str, str]
    email: str
    start: date
    end: date | None


@dataclass
class _Plan:
    units: list[_UnitRow] = field(default_factory=list)
    posts: list[_PostRow] = field(default_factory=list)
    people: list[_PersonRow] = field(default_factory=list)
    holdings: list[_HoldingRow] = field(default_factory=list)
    #: Keys written in each sheet, accepted or not: a reference to a refused
    #: row is not reported again (the refused row carries the message).
    named_units: set[str] = field(default_factory=set)
    named_posts: set[tuple[str, str]] = field(default_factory=set)
    named_people: set[str] = field(default_factory=set)


def _existing_posts() -> dict[tuple[str, str], list[int]]:
    result: dict[tuple[str, str], list[int]] = {}
    for post_id, code, title in db.session.execute(
        sa.select(Post.id, Unit.code, Post.title).join(Unit, Unit.id == Post.unit_id)
    ):
        result.setdefault((code, title), []).append(post_id)
    return result


def check(rows: dict[str, list[Row]]) -> tuple[_Plan, list[Problem]]:
    """Check every row against the database and the rest of the workbook."""
    problems = _Problems()
    plan = _Plan()
    existing_units = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    existing_posts = _existing_posts()
    existing_users = {
        email: active for email, active in db.session.execute(sa.select(User.email, User.active))
    }
    _check_units(rows["units"], existing_units, plan, problems)
    _check_posts(rows["posts"], existing_units, existing_posts, plan, problems)
    _check_people(rows["people"], existing_users, plan, problems)
    _check_holdings(rows["holdings"], existing_posts, existing_users, plan, problems)
    return plan, sorted(problems.items, key=_reading_order)


def _reading_order(problem: Problem) -> tuple[int, int]:
    """Sheet by sheet, top to bottom (the sort is stable within a row)."""
    order = {spec.title: i for i, spec in enumerate(SHEETS)}
    return order.get(problem.sheet, -1), problem.row or 0


def _check_units(
    rows: list[Row], existing: dict[str, int], plan: _Plan, problems: _Problems
) -> None:
    seen: dict[str, int] = {}
    candidates: list[_UnitRow] = []
    for row in rows:
        code = _text(problems, row, "code", 64, True)
        name = _text(problems, row, "name", 200, True)
        parent = _text(problems, row, "parent_code", 64, False)
        if code is not None:
            plan.named_units.add(code)
            if code in existing:
                problems.add(
                    UNITS, row.number, "code", _("The code %(code)s is already in use.", code=code)
                )
                code = None
            elif code in seen:
                problems.add(
                    UNITS,
                    row.number,
                    "code",
                    _("The code %(code)s is also on row %(row)d.", code=code, row=seen[code]),
                )
                code = None
            else:
                seen[code] = row.number
        if code is not None and name is not None:
            candidates.append(_UnitRow(row, code, name, parent))
    sheet_codes = {c.code for c in candidates} | set(seen)
    parents = {c.code: c.parent_code for c in candidates}
    for unit in candidates:
        if unit.parent_code is None:
            plan.units.append(unit)
            continue
        if unit.parent_code not in existing and unit.parent_code not in sheet_codes:
            problems.add(
                UNITS,
                unit.row.number,
                "parent_code",
                _("No unit has the code %(code)s.", code=unit.parent_code),
            )
            continue
        if _loops(unit.code, parents):
            problems.add(
                UNITS,
                unit.row.number,
                "parent_code",
                _("A unit cannot be placed below itself."),
            )
            continue
        plan.units.append(unit)


def _loops(start: Any, parent_of: dict[Any, Any]) -> bool:
    """Whether following ``parent_of`` from ``start`` comes back to ``start``."""
    seen = set()
    current = parent_of.get(start)
    while current is not None and current not in seen:
        if current == start:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def _post_key(
    problems: _Problems, row: Row, unit_key: str, title_key: str, required: bool
) -> tuple[str, str] | None:
    unit_code = _text(problems, row, unit_key, 64, required)
    title = _text(problems, row, title_key, 200, required)
    if not required and (unit_code is None) != (title is None):
        missing = unit_key if unit_code is None else title_key
        problems.add(
            row.sheet, row.number, missing, _("Give both the unit code and the title, or neither.")
        )
        return None
    if unit_code is None or title is None:
        return None
    return unit_code, title


def _check_posts(
    rows: list[Row],
    existing_units: dict[str, int],
    existing: dict[tuple[str, str], list[int]],
    plan: _Plan,
    problems: _Problems,
) -> None:
    seen: dict[tuple[str, str], int] = {}
    candidates: list[_PostRow] = []
    for row in rows:
        key = _post_key(problems, row, "unit_code", "title", True)
        level_text = _text(problems, row, "level", 32, True)
        superior = _post_key(problems, row, "superior_unit_code", "superior_title", False)
        duties = _text(problems, row, "business_duties", 5000, False)
        level = LEVEL_WORDS.get(level_text.lower()) if level_text else None
        if level_text is not None and level is None:
            problems.add(
                POSTS,
                row.number,
                "level",
                _("Must be one of: %(allowed)s.", allowed="decision, management, operation"),
            )
        if key is not None:
            plan.named_posts.add(key)
            accepted_units = {u.code for u in plan.units}
            if key[0] not in existing_units and key[0] not in accepted_units:
                if key[0] not in plan.named_units:
                    problems.add(
                        POSTS,
                        row.number,
                        "unit_code",
                        _("No unit has the code %(code)s.", code=key[0]),
                    )
                key = None
            elif key in existing:
                problems.add(
                    POSTS,
                    row.number,
                    "title",
                    _("The unit %(code)s already has a post %(title)s.", code=key[0], title=key[1]),
                )
                key = None
            elif key in seen:
                problems.add(
                    POSTS,
                    row.number,
                    "title",
                    _("The same post is also on row %(row)d.", row=seen[key]),
                )
                key = None
            else:
                seen[key] = row.number
        if key is not None and level is not None:
            candidates.append(_PostRow(row, key, level, superior, duties))
    sheet_keys = set(seen)
    superiors = {c.key: c.superior for c in candidates}
    for post in candidates:
        if post.superior is not None:
            problem = _post_ref_problem(post.superior, existing, sheet_keys)
            if problem:
                problems.add(POSTS, post.row.number, "superior_title", problem)
                continue
            if post.superior not in {c.key for c in candidates} and post.superior in sheet_keys:
                continue  # its superior's own row was refused and reported
            if _loops(post.key, superiors):
                problems.add(
                    POSTS,
                    post.row.number,
                    "superior_title",
                    _("A post cannot be its own superior, even indirectly."),
                )
                continue
        plan.posts.append(post)


def _post_ref_problem(
    key: tuple[str, str], existing: dict[tuple[str, str], list[int]], sheet_keys: set[tuple]
) -> str | None:
    """Why ``key`` names no single post (None when it does)."""
    if key in sheet_keys:
        return None
    ids = existing.get(key, [])
    if not ids:
        return _("No post %(title)s in the unit %(code)s.", title=key[1], code=key[0])
    if len(ids) > 1:
        return _(
            "The unit %(code)s has several posts named %(title)s; rename them first.",
            code=key[0],
            title=key[1],
        )
    return None


def _check_people(
    rows: list[Row], existing: dict[str, bool], plan: _Plan, problems: _Problems
) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        email = _email(problems, row)
        name = _text(problems, row, "name", 200, True)
        password = _text(problems, row, "password", 200, True)
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            problems.add(
                PEOPLE,
                row.number,
                "password",
                _("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            )
            password = None
        locale = _locale(problems, row)
        is_admin = _flag(problems, row, "is_admin")
        if email is not None:
            plan.named_people.add(email)
            if email in existing:
                problems.add(
                    PEOPLE,
                    row.number,
                    "email",
                    _("The email %(email)s is already in use.", email=email),
                )
                email = None
            elif email in seen:
                problems.add(
                    PEOPLE,
                    row.number,
                    "email",
                    _("The email %(email)s is also on row %(row)d.", email=email, row=seen[email]),
                )
                email = None
            else:
                seen[email] = row.number
        if None not in (email, name, password, locale, is_admin):
            plan.people.append(_PersonRow(row, email, name, password, locale, is_admin))


def _email(problems: _Problems, row: Row) -> str | None:
    text = _text(problems, row, "email", 254, True)
    if text is None:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.add(row.sheet, row.number, "email", _("Not a valid email address."))
        return None


def _locale(problems: _Problems, row: Row) -> Locale | None:
    text = _text(problems, row, "locale", 16, False)
    if text is None:
        return Locale.ZH_CN
    for locale in Locale:
        if text.lower().replace("-", "_") == locale.value.lower():
            return locale
    if text in ("中文", "zh"):
        return Locale.ZH_CN
    if text.lower() in ("english", "英文"):
        return Locale.EN
    problems.add(
        row.sheet, row.number, "locale", _("Must be one of: %(allowed)s.", allowed="zh_CN, en")
    )
    return None


def _flag(problems: _Problems, row: Row, key: str) -> bool | None:
    value = row.values.get(key)
    if isinstance(value, bool):
        return value
    text = _norm(value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    problems.add(row.sheet, row.number, key, _("Write 是 (yes) or 否 (no)."))
    return None


def _check_holdings(
    rows: list[Row],
    existing_posts: dict[tuple[str, str], list[int]],
    existing_users: dict[str, bool],
    plan: _Plan,
    problems: _Problems,
) -> None:
    sheet_posts = {p.key for p in plan.posts}
    sheet_people = {p.email for p in plan.people}
    periods: dict[tuple[tuple[str, str], str], list[tuple[date, date | None, int]]] = {}
    for row in rows:
        post = _post_key(problems, row, "unit_code", "title", True)
        email = _email(problems, row)
        start = _date(problems, row, "start_date", True)
        end = _date(problems, row, "end_date", False)
        if start is not None and end is not None and end < start:
            problems.add(
                HOLDINGS,
                row.number,
                "end_date",
                _("The end date cannot be before the start date."),
            )
            end = None
            start = None
        if post is not None and post not in sheet_posts:
            problem = _post_ref_problem(post, existing_posts, set())
            if problem and post not in plan.named_posts:
                problems.add(HOLDINGS, row.number, "title", problem)
            if problem:  # a refused row of the Posts sheet: reported there
                post = None
        if email is not None and email not in sheet_people:
            if email in plan.named_people and email not in existing_users:
                email = None  # a refused row of the People sheet: reported there
            elif email not in existing_users:
                problems.add(
                    HOLDINGS,
                    row.number,
                    "email",
                    _("No person has the email %(email)s.", email=email),
                )
                email = None
            elif not existing_users[email]:
                problems.add(
                    HOLDINGS, row.number, "email", _("%(name)s is deactivated.", name=email)
                )
                email = None
        if post is None or email is None or start is None:
            continue
        overlap = _overlapping_row(periods.get((post, email), []), start, end)
        if overlap is not None:
            problems.add(
                HOLDINGS,
                row.number,
                "start_date",
                _("The same person holds this post on row %(row)d in that period.", row=overlap),
            )
            continue
        if (
            post not in sheet_posts
            and email not in sheet_people
            and _overlaps_existing(existing_posts[post][0], email, start, end)
        ):
            problems.add(
                HOLDINGS,
                row.number,
                "start_date",
                _("%(name)s already holds this post in that period.", name=email),
            )
            continue
        periods.setdefault((post, email), []).append((start, end, row.number))
        plan.holdings.append(_HoldingRow(row, post, email, start, end))


def _overlapping_row(
    periods: list[tuple[date, date | None, int]], start: date, end: date | None
) -> int | None:
    for other_start, other_end, number in periods:
        if (other_end is None or other_end >= start) and (end is None or other_start <= end):
            return number
    return None


def _overlaps_existing(post_id: int, email: str, start: date, end: date | None) -> bool:
    stmt = (
        sa.select(PostHolder.id)
        .join(User, User.id == PostHolder.user_id)
        .where(
            PostHolder.post_id == post_id,
            User.email == email,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= start),
        )
    )
    if end is not None:
        stmt = stmt.where(PostHolder.start_date <= end)
    return db.session.scalar(sa.select(stmt.exists())) or False


# --- writing -----------------------------------------------------------------


def import_workbook(actor: User | None, stream: IO[bytes], *, now: datetime) -> ImportResult:
    """Check the whole workbook, then create everything in one transaction.

    :raise Forbidden: unless ``actor`` is an admin.
    :raise ImportRejected: listing every problem; nothing is written.
    """
    require_admin(actor)
    rows, problems = read_workbook(stream)
    if problems:
        raise ImportRejected(problems)
    plan, problems = check(rows)
    if problems:
        raise ImportRejected(problems)
    if not (plan.units or plan.posts or plan.people or plan.holdings):
        raise ImportRejected([Problem("", None, None, _("The workbook has no rows to import."))])
    try:
        result = _write(actor, plan, now)
        db.session.commit()
    except IntegrityError:
        # Someone created one of these codes or emails between check and write.
        db.session.rollback()
        raise ImportRejected(
            [Problem("", None, None, _("The organisation changed meanwhile; upload again."))]
        ) from None
    except Exception:
        db.session.rollback()
        raise
    return result


def _write(actor: User | None, plan: _Plan, now: datetime) -> ImportResult:
    result = ImportResult()
    units = {code: uid for code, uid in db.session.execute(sa.select(Unit.code, Unit.id))}
    pending = list(plan.units)
    while pending:  # parents before children; cycles were refused in check()
        ready = [u for u in pending if u.parent_code is None or u.parent_code in units]
        if not ready:
            raise RuntimeError("unit rows left with no parent: check() let a cycle through")
        for item in ready:
            unit = Unit(name=item.name, code=item.code, parent_id=units.get(item.parent_code))
            db.session.add(unit)
            audit.record(
                actor,
                "unit.create",
                unit,
                {"name": unit.name, "code": unit.code, "parent_id": unit.parent_id, "import": True},
                now=now,
            )
            units[item.code] = unit.id
            result.units.append(unit)
        pending = [u for u in pending if u not in ready]
    posts = {key: ids[0] for key, ids in _existing_posts().items()}
    pending_posts = list(plan.posts)
    while pending_posts:
        ready_posts = [p for p in pending_posts if p.superior is None or p.superior in posts]
        if not ready_posts:
            raise RuntimeError("post rows left with no superior: check() let a cycle through")
        for item in ready_posts:
            values = {
                "title": item.key[1],
                "unit_id": units[item.key[0]],
                "superior_post_id": posts.get(item.superior) if item.superior else None,
                "level": item.level,
            }
            post = Post(**values, business_duties=item.business_duties)
            db.session.add(post)
            audit.record(actor, "post.create", post, {**values, "import": True}, now=now)
            posts[item.key] = post.id
            result.posts.append(post)
        pending_posts = [p for p in pending_posts if p not in ready_posts]
    for item in plan.people:
        user = User(
            email=item.email,
            name=item.name,
            password_hash=hash_password(item.password),
            locale=item.locale,
            is_admin=item.is_admin,
            active=True,
            session_nonce=secrets.token_hex(16),
        )
        db.session.add(user)
        audit.record(
            actor,
            "user.create",
            user,
            {"email": user.email, "name": user.name, "is_admin": user.is_admin, "import": True},
            now=now,
        )
        result.people.append(user)
    users = {email: uid for email, uid in db.session.execute(sa.select(User.email, User.id))}
    for item in plan.holdings:
        holding = PostHolder(
            post_id=posts[item.post],
            user_id=users[item.email],
            start_date=item.start,
            end_date=item.end,
        )
        db.session.add(holding)
        audit.record(
            actor,
            "holder.assign",
            holding,
            {
                "post_id": holding.post_id,
                "user_id": holding.user_id,
                "start_date": item.start,
                "end_date": item.end,
                "import": True,
            },
            now=now,
        )
        result.holdings.append(holding)
    return result
