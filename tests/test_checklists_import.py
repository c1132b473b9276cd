"""Checklists from Excel: the template round-trips; a bad row imports nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from safety.extensions import db
from safety.models import Checklist, ChecklistItem
from safety.services import checklist_import, inspections
from safety.services.errors import ValidationError
from tests import builders
from tests.conftest import NOW, TODAY


def _sheet(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["分区", "检查内容", "检查要点", "不合格须拍照"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_imports_as_is(app):
    data = checklist_import.template_workbook()
    headers = [c.value for c in load_workbook(io.BytesIO(data)).active[1]]
    assert headers == ["分区", "检查内容", "检查要点", "不合格须拍照"]
    checklist = checklist_import.import_checklist(builders.actor(), data, name="样例", now=NOW)
    items = inspections.checklist_items(checklist)
    assert len(items) == 2
    assert [i.photo_required_on_fail for i in items] == [False, True]


def test_rows_become_items_in_order(app):
    data = _sheet(
        [
            ["储罐", "液位计完好", None, "否"],
            [None, None, None, None],  # blank rows are skipped
            ["储罐", "无泄漏", "用检测仪", "是"],
            ["消防", "灭火器在有效期内", "", "yes"],
        ]
    )
    checklist = checklist_import.import_checklist(builders.actor(), data, name="储罐区", now=NOW)
    items = inspections.checklist_items(checklist)
    assert [(i.section, i.text, i.guidance, i.photo_required_on_fail) for i in items] == [
        ("储罐", "液位计完好", None, False),
        ("储罐", "无泄漏", "用检测仪", True),
        ("消防", "灭火器在有效期内", None, True),
    ]


def test_bad_rows_import_nothing_and_each_problem_names_row_and_column(app):
    data = _sheet(
        [
            ["储罐", "液位计完好", None, "否"],
            ["储罐", None, "缺内容", "否"],
            ["储罐", "无泄漏", None, "也许"],
        ]
    )
    with pytest.raises(ValidationError) as error:
        checklist_import.import_checklist(builders.actor(), data, name="x", now=NOW)
    fields = error.value.fields
    assert set(fields) == {"rows.3.text", "rows.4.photo_required_on_fail"}
    assert "B" in fields["rows.3.text"][0] and "3" in fields["rows.3.text"][0]
    assert "D" in fields["rows.4.photo_required_on_fail"][0]
    assert db.session.query(Checklist).count() == 0
    assert db.session.query(ChecklistItem).count() == 0


@pytest.mark.parametrize("data", [b"", b"not a spreadsheet", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_excel_is_a_clear_error(app, data):
    with pytest.raises(ValidationError) as error:
        checklist_import.parse_checklist(data)
    assert list(error.value.fields) == ["file"]


def test_missing_name_is_named(app):
    with pytest.raises(ValidationError) as error:
        checklist_import.import_checklist(builders.actor(), _sheet([["", "a", "", ""]]), now=NOW)
    assert "name" in error.value.fields


def test_import_into_an_existing_checklist_makes_a_new_version(app):
    checklist = inspections.create_checklist(
        builders.actor(), {"name": "c", "items": ["a"]}, now=NOW
    )
    checklist_import.import_checklist(
        builders.actor(), _sheet([["", "b", "", ""]]), checklist=checklist, today=TODAY, now=NOW
    )
    assert checklist.version == 2
    assert [i.text for i in inspections.checklist_items(checklist, 1)] == ["a"]


def test_import_page_lists_every_problem(app, client, auth, admin):
    auth.login(admin.email)
    token = auth.csrf("/inspections/checklists/import")
    response = client.post(
        "/inspections/checklists/import",
        data={
            "csrf_token": token,
            "name": "导入",
            "file": (io.BytesIO(_sheet([["", None, "x", ""], ["", "ok", "", "??"]])), "c.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.text.count("<li>") >= 2
    assert db.session.query(Checklist).count() == 0
    template = client.get("/inspections/checklists/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
