"""Excel import of duties and responsibilities: all or nothing, every bad cell named."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import Workbook, load_workbook

from safety.extensions import db
from safety.models import AuditEvent, Duty, Responsibility, ResponsibilityListVersion
from safety.services import matrix_import
from safety.services.errors import Forbidden
from tests.builders import NOW, make_duty, make_post, make_responsibility, make_unit, make_user

DUTY_HEADER = ["Title", "Category", "Description"]
RESP_HEADER = [
    "Post's unit code",
    "Post title",
    "Responsible for unit (code)",
    "Kind",
    "Duty title",
    "Description",
]


def workbook(duties: list[list] | None = None, resps: list[list] | None = None, **kw) -> io.BytesIO:
    wb = Workbook()
    wb.remove(wb.active)
    if duties is not None:
        ws = wb.create_sheet(kw.get("duty_sheet", "Duties"))
        ws.append(kw.get("duty_header", DUTY_HEADER))
        for row in duties:
            ws.append(row)
    if resps is not None:
        ws = wb.create_sheet(kw.get("resp_sheet", "Responsibilities"))
        ws.append(kw.get("resp_header", RESP_HEADER))
        for row in resps:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.fixture
def org(app):
    soda = make_unit(code="SODA", name="纯碱厂")
    calc = make_unit(code="SODA-CALC", name="煅烧车间", parent=soda)
    head = make_post(unit=soda, title="厂长")
    officer = make_post(unit=calc, title="安全员", level="operation")
    return {"soda": soda, "calc": calc, "head": head, "officer": officer}


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count(model.id)))
        for model in (Duty, Responsibility, ResponsibilityListVersion, AuditEvent)
    )


def test_good_workbook_imports_everything_with_versions(org, admin):
    make_duty(title="已有职责", category="business")
    data = workbook(
        duties=[
            ["组织隐患排查", "production_operation", "每月一次"],
            ["落实安全投入", "管业务", None],
        ],
        resps=[
            ["SODA", "厂长", "SODA", "主体", "组织隐患排查", "第一责任人"],
            ["SODA", "厂长", "SODA-CALC", "leadership", "", ""],
            ["SODA-CALC", "安全员", "SODA-CALC", "直接责任", "已有职责", None],
            [None, None, None, None, None, None],  # blank rows are skipped
        ],
    )
    result = matrix_import.import_workbook(admin, data, now=NOW)
    assert (result.duties, result.responsibilities, result.posts) == (2, 3, 2)
    head_items = db.session.scalars(
        sa.select(Responsibility).where(Responsibility.post_id == org["head"].id)
    ).all()
    assert {r.kind.value for r in head_items} == {"main", "leadership"}
    versions = db.session.scalars(sa.select(ResponsibilityListVersion.post_id)).all()
    assert sorted(versions) == sorted([org["head"].id, org["officer"].id])


def test_chinese_headers_and_sheet_names_are_accepted(org, admin):
    data = workbook(
        duties=[["组织应急演练", "行业", ""]],
        resps=[["SODA", "厂长", "SODA", "监管", "组织应急演练", ""]],
        duty_sheet="职责",
        resp_sheet="责任",
        duty_header=["职责名称", "类别", "说明"],
        resp_header=[
            "岗位所在单位编码",
            "岗位名称",
            "负责单位编码",
            "责任类型",
            "职责名称",
            "说明",
        ],
    )
    assert matrix_import.import_workbook(admin, data, now=NOW).responsibilities == 1


def test_bad_workbook_lists_every_problem_and_writes_nothing(org, admin):
    make_duty(title="重复职责")
    make_responsibility(org["head"], org["soda"], "main")
    before = counts()
    data = workbook(
        duties=[
            ["", "industry", ""],  # row 2: title missing
            ["新职责", "safety", ""],  # row 3: bad category
            ["重复职责", "business", ""],  # row 4: exists already
            ["好职责", "business", ""],  # row 5: fine on its own
        ],
        resps=[
            ["SODA", "厂长", "SODA", "main", "", ""],  # row 2: exists already
            ["SODA", "不存在", "SODA", "main", "", ""],  # row 3: no such post
            ["SODA", "厂长", "NOPE", "boss", "", ""],  # row 4: unit and kind
            ["SODA", "厂长", "SODA", "direct", "没有的职责", ""],  # row 5: unknown duty
            ["SODA", "厂长", "SODA-CALC", "direct", "好职责", ""],  # row 6: fine
            ["SODA", "厂长", "SODA-CALC", "direct", "好职责", ""],  # row 7: twice in file
        ],
    )
    with pytest.raises(matrix_import.ImportRejected) as caught:
        matrix_import.import_workbook(admin, data, now=NOW)
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("Duties", 2, "Title"),
        ("Duties", 3, "Category"),
        ("Duties", 4, "Title"),
        ("Responsibilities", 2, "Kind"),
        ("Responsibilities", 3, "Post title"),
        ("Responsibilities", 4, "Responsible for unit (code)"),
        ("Responsibilities", 4, "Kind"),
        ("Responsibilities", 5, "Duty title"),
        ("Responsibilities", 7, "Kind"),
    }
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "Excel"),
        (None, "sheet"),
    ],
)
def test_unreadable_or_empty_files_are_rejected(org, admin, content, message):
    if content is None:
        wb = Workbook()
        wb.active.title = "Other"
        stream = io.BytesIO()
        wb.save(stream)
        stream.seek(0)
    else:
        stream = io.BytesIO(content)
    with pytest.raises(matrix_import.ImportRejected) as caught:
        matrix_import.import_workbook(admin, stream, now=NOW)
    assert len(caught.value.problems) == 1


def test_missing_required_column_is_named(org, admin):
    data = workbook(
        resps=[["SODA", "厂长", "main"]], resp_header=["Post's unit code", "Post title", "Kind"]
    )
    with pytest.raises(matrix_import.ImportRejected) as caught:
        matrix_import.import_workbook(admin, data, now=NOW)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (1, "Responsible for unit (code)")
    ]


def test_only_admins_import(org):
    with pytest.raises(Forbidden):
        matrix_import.import_workbook(make_user(), workbook(duties=[["x", "industry"]]), now=NOW)


def test_template_round_trips_once_its_posts_exist(admin, app):
    soda = make_unit(code="SODA")
    make_post(unit=soda, title="厂长")
    template = matrix_import.template_workbook()
    sheets = load_workbook(template).sheetnames
    assert sheets[:2] == ["Duties", "Responsibilities"]
    template.seek(0)
    result = matrix_import.import_workbook(admin, template, now=NOW)
    assert (result.duties, result.responsibilities) == (1, 1)


def test_import_page_shows_problems_with_422(client, auth, admin, org):
    with time_machine.travel(NOW, tick=False):
        auth.login(admin.email)
        token = auth.csrf("/matrix/import")
        data = workbook(resps=[["SODA", "厂长", "SODA", "boss", "", ""]])
        response = client.post(
            "/matrix/import",
            data={"csrf_token": token, "workbook": (data, "m.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Responsibilities" in html and "Kind" in html
        good = workbook(resps=[["SODA", "厂长", "SODA", "main", "", ""]])
        response = client.post(
            "/matrix/import",
            data={"csrf_token": token, "workbook": (good, "m.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        template = client.get("/matrix/import/template.xlsx")
        assert template.status_code == 200
        assert template.mimetype == matrix_import.XLSX_MIMETYPE
