"""The 风险分级管控清单 in Excel: export, round trip, bad rows keep nothing, formulas stay text."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from safety.models import Risk, RiskAssessment, RiskControl, RiskPoint
from safety.services import risks_excel
from safety.services.errors import Forbidden, ValidationError
from tests import builders as b


@pytest.fixture
def register(app):
    root = b.make_unit(name="集团", code="G")
    plant = b.make_unit(name="纯碱厂", code="G01", parent=root)
    post = b.make_post(unit=plant, title="厂长")
    point = b.make_risk_point(unit=plant, name="液氨储罐区")
    risk = b.make_risk(point, event="液氨泄漏", consequence='=HYPERLINK("x")')
    b.make_control(risk, post, text="紧急切断联锁", check_every_days=30)
    b.make_risk(point, event="无措施的风险", method="ls", l=2, s=2)
    return {"root": root, "plant": plant, "post": post}


def _export(unit) -> bytes:
    out = io.BytesIO()
    risks_excel.write_register(unit, out)
    return out.getvalue()


def test_export_has_one_row_per_control_and_formulas_stay_text(register):
    data = _export(register["root"])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    by_event = {r[5]: r for r in rows[1:]}
    assert by_event["液氨泄漏"][16] == "紧急切断联锁"
    assert by_event["液氨泄漏"][13] == 270
    assert by_event["无措施的风险"][16] in (None, "")
    cell = next(c for c in sheet[2] + sheet[3] if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s"


def test_round_trip_into_an_empty_register_and_again_changes_nothing(register, db):
    data = _export(register["root"])
    db.session.execute(sa.delete(RiskAssessment))
    db.session.execute(sa.delete(RiskControl))
    db.session.execute(sa.delete(Risk))
    db.session.execute(sa.delete(RiskPoint))
    db.session.commit()
    counts = risks_excel.import_register(b.actor(), data, now=b.NOW)
    assert counts == {"points": 1, "risks": 2, "assessments": 0, "controls": 1}
    again = risks_excel.import_register(b.actor(), data, now=b.NOW)
    assert again == {"points": 0, "risks": 0, "assessments": 0, "controls": 0}
    risk = db.session.scalar(sa.select(Risk).where(Risk.event == "液氨泄漏"))
    assert (risk.score, risk.level.value) == (270, "high")


def _sheet(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([str(h) for _k, h, _w in risks_excel.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(**over):
    values = dict.fromkeys(risks_excel.KEYS, None)
    values.update(
        unit_code="G01", point="盐水罐区", point_kind="place", event="高处坠落", method="lec",
        l=1, e=3, c=7, control_kind="engineering", control="护栏检查", owner_unit_code="G01",
        owner_post="厂长", check_every_days=30,
    )  # fmt: skip
    values.update(over)
    return [values[k] for k in risks_excel.KEYS]


def test_bad_rows_are_named_and_nothing_is_saved(register, db):
    before = db.session.scalar(sa.select(sa.func.count(RiskPoint.id)))
    data = _sheet(
        [
            _row(),
            _row(unit_code="NOPE"),
            _row(l=4),
            _row(owner_post="不存在"),
            _row(check_every_days=0, point_kind="x"),
        ]
    )
    with pytest.raises(ValidationError) as caught:
        risks_excel.import_register(b.actor(), data, now=b.NOW)
    fields = caught.value.fields
    assert {"rows.3.unit_code", "rows.4.l", "rows.5.owner_post", "rows.6.check_every_days",
            "rows.6.point_kind"} <= set(fields)  # fmt: skip
    assert "rows.2.unit_code" not in fields
    assert re.search(r"4\D+I\b", fields["rows.4.l"][0])  # row 4, column I (any language)
    assert db.session.scalar(sa.select(sa.func.count(RiskPoint.id))) == before


def test_not_an_excel_file(register):
    with pytest.raises(ValidationError) as caught:
        risks_excel.import_register(b.actor(), b"hello", now=b.NOW)
    assert "file" in caught.value.fields


def test_import_needs_the_right_to_edit_every_unit(register, db):
    editor = b.grant_hazard_role("main", register["plant"])
    counts = risks_excel.import_register(editor, _sheet([_row()]), now=b.NOW)
    assert counts["points"] == 1
    other = b.make_unit(code="OTHER")
    with pytest.raises(Forbidden):
        risks_excel.import_register(editor, _sheet([_row(unit_code=other.code)]), now=b.NOW)


def test_pages_export_and_import(client, auth, register):
    auth.login(b.actor().email)
    response = client.get(f"/risks/units/{register['root'].id}/export.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).worksheets[0].max_row == 3
    page = client.get(f"/risks/units/{register['plant'].id}/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bad = client.post(
        f"/risks/units/{register['plant'].id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(_sheet([_row(l=4)])), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and 'data-key="rows.2.l"' in bad.get_data(as_text=True)
    good = client.post(
        f"/risks/units/{register['plant'].id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(_sheet([_row()])), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
