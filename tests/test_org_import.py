"""Excel import: all or nothing, every problem named by sheet, row and column."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from safety.extensions import db
from safety.models import AuditEvent, Post, PostHolder, Unit, User
from safety.services import org_import
from safety.services.errors import Forbidden
from safety.services.org_import import HOLDINGS, PEOPLE, POSTS, UNITS, ImportRejected, Sheet
from tests import builders
from tests.builders import NOW

TABLES = (Unit, Post, User, PostHolder, AuditEvent)


def _counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in TABLES
    }


def workbook(sheets: dict[Sheet, list[list[Any]]], headers: bool = True) -> io.BytesIO:
    """An .xlsx with the template's header row and ``rows`` on each given sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec, rows in sheets.items():
        ws = wb.create_sheet(spec.title)
        if headers:
            ws.append([c.header for c in spec.columns])
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = {
    UNITS: [
        ["GRP", "集团", None],
        ["GRP-SHOP", "车间", "GRP"],  # a parent in the same workbook
    ],
    POSTS: [
        ["GRP-SHOP", "安全员", "operation", "GRP-SHOP", "车间主任", None],  # superior below
        ["GRP", "总经理", "决策层", None, None, "主持全面工作"],
        ["GRP-SHOP", "车间主任", "management", "GRP", "总经理", None],
    ],
    PEOPLE: [
        ["Wang@Example.com", "王五", "long enough 1", "en", "否"],
        ["zhao@example.com", "赵六", "long enough 2", None, "是"],
    ],
    HOLDINGS: [
        ["GRP", "总经理", "wang@example.com", date(2025, 1, 1), None],
        ["GRP-SHOP", "安全员", "zhao@example.com", "2025-01-01", "2025-12-31"],
    ],
}


def test_whole_workbook_is_imported_with_references_resolved(app):
    admin = builders.actor()
    result = org_import.import_workbook(admin, workbook(GOOD), now=NOW)
    assert result.counts() == {"units": 2, "posts": 3, "people": 2, "holdings": 2}
    shop = db.session.scalar(sa.select(Unit).where(Unit.code == "GRP-SHOP"))
    assert shop.parent.code == "GRP"
    officer = db.session.scalar(sa.select(Post).where(Post.title == "安全员"))
    assert [p.title for p in _chain(officer)] == ["车间主任", "总经理"]
    wang = db.session.scalar(sa.select(User).where(User.email == "wang@example.com"))
    assert wang.locale.value == "en" and not wang.is_admin
    zhao = db.session.scalar(sa.select(User).where(User.email == "zhao@example.com"))
    assert zhao.is_admin
    holding = db.session.scalar(sa.select(PostHolder).where(PostHolder.user_id == zhao.id))
    assert (holding.start_date, holding.end_date) == (date(2025, 1, 1), date(2025, 12, 31))
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
    )
    assert sorted(set(actions)) == ["holder.assign", "post.create", "unit.create", "user.create"]


def _chain(post: Post) -> list[Post]:
    from safety.services.org import superior_chain

    return superior_chain(post)


def test_rows_may_refer_to_what_already_exists(app):
    plant = builders.make_unit(code="SODA")
    head = builders.make_post(title="厂长", unit=plant)
    person = builders.make_user(email="old@example.com")
    book = workbook(
        {
            POSTS: [["SODA", "安全员", "operation", "SODA", "厂长", None]],
            HOLDINGS: [["SODA", "厂长", "old@example.com", date(2025, 1, 1), None]],
        }
    )
    org_import.import_workbook(builders.actor(), book, now=NOW)
    officer = db.session.scalar(sa.select(Post).where(Post.title == "安全员"))
    assert officer.superior_post_id == head.id
    holding = db.session.scalar(sa.select(PostHolder))
    assert (holding.post_id, holding.user_id) == (head.id, person.id)


def test_the_downloaded_template_imports_as_is(app):
    template = org_import.template_workbook()
    names = load_workbook(template).sheetnames
    assert names[1:] == [s.title for s in org_import.SHEETS]
    template.seek(0)
    result = org_import.import_workbook(builders.actor(), template, now=NOW)
    assert result.counts() == {"units": 1, "posts": 1, "people": 1, "holdings": 1}


def _problems(book: io.BytesIO) -> list[tuple[str, int | None, str | None]]:
    admin = builders.actor()
    before = _counts()
    with pytest.raises(ImportRejected) as caught:
        org_import.import_workbook(admin, book, now=NOW)
    db.session.rollback()
    assert _counts() == before, "a rejected workbook wrote something"
    return [(p.sheet, p.row, p.column) for p in caught.value.problems]


def test_bad_workbook_lists_every_problem_and_writes_nothing(app):
    builders.make_unit(code="TAKEN")
    builders.make_user(email="taken@example.com")
    bad = {
        UNITS: [
            ["GRP", "集团", None],  # fine: but the file fails as a whole
            ["TAKEN", "重复", None],  # row 3: code exists
            ["LOOP-A", "甲", "LOOP-B"],  # rows 4-5: a cycle
            ["LOOP-B", "乙", "LOOP-A"],
            ["ORPHAN", "孤儿", "NOPE"],  # row 6: unknown parent
            [None, "无编码", None],  # row 7: no code
        ],
        POSTS: [
            ["GRP", "总经理", "boss", None, None, None],  # row 2: bad level
            ["NOPE", "经理", "management", None, None, None],  # row 3: unknown unit
            ["GRP", "副总", "management", "GRP", None, None],  # row 4: half a reference
        ],
        PEOPLE: [
            ["not-an-email", "甲", "long enough 1", None, None],  # row 2
            ["taken@example.com", "乙", "long enough 1", None, None],  # row 3
            ["new@example.com", "丙", "short", "fr", "maybe"],  # row 4: three problems
        ],
        HOLDINGS: [
            ["GRP", "总经理", "ghost@example.com", "someday", None],  # row 2
            ["GRP", "总经理", "taken@example.com", date(2025, 5, 1), date(2025, 1, 1)],  # row 3
        ],
    }
    problems = _problems(workbook(bad))
    expected = {
        ("单位 Units", 3, "编码 Code"),
        ("单位 Units", 4, "上级单位编码 Parent code"),
        ("单位 Units", 5, "上级单位编码 Parent code"),
        ("单位 Units", 6, "上级单位编码 Parent code"),
        ("单位 Units", 7, "编码 Code"),
        ("岗位 Posts", 2, "层级 Level"),
        ("岗位 Posts", 3, "单位编码 Unit code"),
        ("岗位 Posts", 4, "上级岗位名称 Superior title"),
        ("人员 People", 2, "邮箱 Email"),
        ("人员 People", 3, "邮箱 Email"),
        ("人员 People", 4, "初始密码 Initial password"),
        ("人员 People", 4, "语言 Language"),
        ("人员 People", 4, "管理员 Administrator"),
        ("任职 Holdings", 2, "邮箱 Email"),
        ("任职 Holdings", 2, "开始日期 Start date"),
        ("任职 Holdings", 3, "结束日期 End date"),
    }
    assert expected <= set(problems)


@pytest.mark.parametrize(
    ("sheets", "where"),
    [
        ({UNITS: [["A", "甲", None], ["A", "乙", None]]}, ("单位 Units", 3, "编码 Code")),
        (
            {
                UNITS: [["A", "甲", None]],
                POSTS: [
                    ["A", "岗", "operation", "A", "岗2", None],
                    ["A", "岗2", "operation", "A", "岗", None],
                ],
            },
            ("岗位 Posts", 2, "上级岗位名称 Superior title"),
        ),
        (
            {
                UNITS: [["A", "甲", None]],
                POSTS: [["A", "岗", "operation", None, None, None]],
                PEOPLE: [["p@example.com", "甲", "long enough 1", None, None]],
                HOLDINGS: [
                    ["A", "岗", "p@example.com", date(2025, 1, 1), None],
                    ["A", "岗", "p@example.com", date(2025, 6, 1), None],
                ],
            },
            ("任职 Holdings", 3, "开始日期 Start date"),
        ),
    ],
    ids=["duplicate-code-in-sheet", "superior-cycle", "overlapping-holdings"],
)
def test_rules_across_rows_are_checked(app, sheets, where):
    assert where in _problems(workbook(sheets))


def test_missing_required_column_is_reported_on_row_1(app):
    wb = Workbook()
    ws = wb.active
    ws.title = "Units"
    ws.append(["Code"])  # no name column
    ws.append(["A"])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    assert ("单位 Units", 1, "名称 Name") in _problems(buffer)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a workbook at all", b"PK\x03\x04broken zip", "名称,编码\n".encode()],
    ids=["empty", "text", "broken-zip", "csv"],
)
def test_a_file_that_is_not_xlsx_is_refused(app, content):
    problems = _problems(io.BytesIO(content))
    assert problems == [("", None, None)]


def test_workbook_without_known_sheets_or_rows_is_refused(app):
    wb = Workbook()
    wb.active.title = "Something else"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    assert len(_problems(buffer)) == 1
    assert len(_problems(workbook({UNITS: []}))) == 1


def test_only_admins_import(app):
    with pytest.raises(Forbidden):
        org_import.import_workbook(builders.make_user(), workbook(GOOD), now=NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


# --- through the page ----------------------------------------------------------


def _upload(client: Any, auth: Any, content: io.BytesIO, name: str = "org.xlsx") -> Any:
    token = auth.csrf("/org/import")
    return client.post(
        "/org/import",
        data={"csrf_token": token, "workbook": (content, name)},
        content_type="multipart/form-data",
    )


def test_admin_downloads_the_template(client, auth, admin):
    auth.login(admin.email)
    response = client.get("/org/import/template.xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["Content-Type"]
    assert load_workbook(io.BytesIO(response.data)).sheetnames[1] == "单位 Units"


def test_upload_imports_and_redirects(client, auth, admin):
    auth.login(admin.email)
    response = _upload(client, auth, workbook(GOOD))
    assert response.status_code == 302
    assert "已导入 2 个单位" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_upload_shows_problem_table_and_writes_nothing(client, auth, admin):
    auth.login(admin.email)
    before = _counts()
    book = workbook({UNITS: [["A", "甲", "NOPE"]]})
    response = _upload(client, auth, book)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未导入任何数据" in page
    assert "没有编码为 NOPE 的单位" in page and "上级单位编码 Parent code" in page
    assert _counts() == before


def test_upload_of_a_non_xlsx_file_is_refused_by_the_form(client, auth, admin):
    auth.login(admin.email)
    response = _upload(client, auth, io.BytesIO(b"hello"), name="notes.txt")
    assert response.status_code == 422
    assert "只能导入 .xlsx 工作簿" in response.get_data(as_text=True)
    response = _upload(client, auth, io.BytesIO(b"hello"), name="fake.xlsx")
    assert response.status_code == 422
    assert "不是 Excel 工作簿" in response.get_data(as_text=True)


def test_upload_without_csrf_token_is_400(client, auth, admin):
    auth.login(admin.email)
    response = client.post(
        "/org/import",
        data={"workbook": (workbook(GOOD), "org.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _counts()["Unit"] == 0


def test_dates_may_be_excel_datetimes(app):
    book = workbook(
        {
            UNITS: [["A", "甲", None]],
            POSTS: [["A", "岗", "operation", None, None, None]],
            PEOPLE: [["p@example.com", "甲", "long enough 1", None, None]],
            HOLDINGS: [["A", "岗", "p@example.com", datetime(2025, 3, 1, 0, 0), None]],  # noqa: DTZ001 - Excel has no zones
        }
    )
    org_import.import_workbook(builders.actor(), book, now=NOW)
    assert db.session.scalar(sa.select(PostHolder.start_date)) == date(2025, 3, 1)


def test_a_clash_at_write_time_rejects_the_workbook_and_writes_nothing(app, monkeypatch):
    admin = builders.actor()
    before = _counts()
    real_write = org_import._write

    def racing_write(actor, plan, now):  # noqa: ANN001, ANN202
        result = real_write(actor, plan, now)
        db.session.add(Unit(name="抢先", code="GRP"))  # another request won the race
        return result

    monkeypatch.setattr(org_import, "_write", racing_write)
    with pytest.raises(ImportRejected):
        org_import.import_workbook(admin, workbook(GOOD), now=NOW)
    assert _counts() == before
