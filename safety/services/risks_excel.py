"""The 风险分级管控清单 as Excel: exported, and imported all-or-nothing with row errors.

One row per control (a risk without controls has one row with the control
columns empty); points and risks repeat on their rows. Importing adds what is
missing: a point by (unit code, name), a risk by (point, event) with its
assessment (a changed assessment of an existing risk is added to its
history), a control by (risk, text). Nothing is saved unless every row is valid
and the importer may edit every unit named.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm import selectinload

from safety import permissions
from safety.clock import local_date
from safety.extensions import db
from safety.models import (
    ControlKind,
    Post,
    Risk,
    RiskAssessment,
    RiskControl,
    RiskPoint,
    RiskPointKind,
    Unit,
    User,
)
from safety.services import audit, risks
from safety.services.errors import Forbidden, ValidationError
from safety.services.org import unit_subtree_ids

#: (key, header, width); keys marked ``OUT_ONLY`` are written but never read.
COLUMNS: list[tuple[str, Any, int]] = [
    ("unit_code", _l("Unit code"), 12),
    ("unit", _l("Unit"), 16),
    ("point", _l("Risk point"), 20),
    ("point_kind", _l("Kind of risk point"), 12),
    ("location", _l("Where"), 16),
    ("event", _l("Risk event"), 24),
    ("consequence", _l("Possible consequence"), 20),
    ("method", _l("Method"), 8),
    ("l", "L", 6),
    ("e", "E", 6),
    ("c", "C", 6),
    ("s", "S", 6),
    ("direct_major_reason", _l("Major by direct judgement (reason)"), 20),
    ("score", _l("score"), 8),
    ("level", _l("Risk level"), 14),
    ("control_kind", _l("Kind of control"), 14),
    ("control", _l("Control measure"), 30),
    ("owner_unit_code", _l("Owner unit code"), 12),
    ("owner_post", _l("Owner post"), 16),
    ("tier", _l("Tier"), 10),
    ("check_every_days", _l("Check every (days)"), 10),
]
OUT_ONLY = {"unit", "score", "level", "tier"}
KEYS = [k for k, _h, _w in COLUMNS]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDDDDD")
_FILLS = {c: PatternFill("solid", fgColor=h.lstrip("#")) for c, h in risks.HEX.items()}


def _text_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell; text a spreadsheet would run as a formula stays text."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"
    return cell


def _register_of(
    unit_ids: list[int], point_ids: list[int]
) -> tuple[dict[int, list[Risk]], dict[int, list[RiskControl]], dict[int, list[RiskAssessment]]]:
    """Risks per point (highest first), controls and assessments (newest first) per risk."""
    rank = {lv: i for i, lv in enumerate(risks.LEVEL_ORDER)}
    in_units = RiskPoint.unit_id.in_(unit_ids)
    found = db.session.scalars(
        sa.select(Risk).join(RiskPoint, RiskPoint.id == Risk.risk_point_id).where(in_units)
    ).all()
    by_point: dict[int, list[Risk]] = {pid: [] for pid in point_ids}
    for risk in sorted(found, key=lambda r: (rank[r.level], r.id)):
        by_point[risk.risk_point_id].append(risk)
    controls: dict[int, list[RiskControl]] = {r.id: [] for r in found}
    for control in db.session.scalars(
        sa.select(RiskControl)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(in_units)
        .options(selectinload(RiskControl.owner_post))
        .order_by(RiskControl.id)
    ):
        controls[control.risk_id].append(control)
    history: dict[int, list[RiskAssessment]] = {r.id: [] for r in found}
    for assessment in db.session.scalars(
        sa.select(RiskAssessment)
        .join(Risk, Risk.id == RiskAssessment.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(in_units)
        .order_by(RiskAssessment.id.desc())
    ):
        history[assessment.risk_id].append(assessment)
    return by_point, controls, history


def _rows(unit_ids: list[int]) -> list[list[Any]]:
    depths = risks.unit_depths()
    units = {u.id: u for u in db.session.scalars(sa.select(Unit))}
    points = list(
        db.session.scalars(
            sa.select(RiskPoint).where(RiskPoint.unit_id.in_(unit_ids)).order_by(RiskPoint.id)
        )
    )
    # Filtered by unit, not by lists of ids: a big register would pass the
    # databases' limit on bound parameters (SQLite 32766, psycopg 65535).
    by_point, controls, history = _register_of(unit_ids, [p.id for p in points])
    out: list[list[Any]] = []
    for point in points:
        unit = units[point.unit_id]
        for risk in by_point[point.id]:
            last = history[risk.id][0]
            head = [
                unit.code,
                unit.name,
                point.name,
                point.kind.value,
                point.location or "",
                risk.event,
                risk.consequence or "",
                last.method.value,
                last.l,
                last.e,
                last.c,
                last.s,
                last.direct_major_reason or "",
                risk.score,
                str(risks.LEVEL_LABELS[risk.level]),
            ]
            for control in controls[risk.id] or [None]:
                if control is None:
                    out.append([*head, "", "", "", "", "", None])
                    continue
                post = control.owner_post
                out.append(
                    [
                        *head,
                        control.kind.value,
                        control.text,
                        units[post.unit_id].code,
                        post.title,
                        str(risks.TIER_LABELS[risks.tier_of_post(post, depths)]),
                        control.check_every_days,
                    ]
                )
    return out


def write_register(unit: Unit, target: str | IO[bytes]) -> int:
    """Write the register of ``unit`` and the units below it; the number of rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Risk register"))
    sheet.freeze_panes = "A2"
    for index, (_k, _h, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    head = []
    for _k, header, _w in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        head.append(cell)
    sheet.append(head)
    level_index = KEYS.index("level")
    rows = _rows(unit_subtree_ids(unit.id))
    colour_by_label = {str(risks.LEVEL_LABELS[lv]): risks.COLOURS[lv] for lv in risks.LEVEL_ORDER}
    for values in rows:
        cells = [_text_cell(sheet, v) for v in values]
        colour = colour_by_label.get(values[level_index])
        if colour:
            cells[level_index].fill = _FILLS[colour]
        sheet.append(cells)
    book.save(target)
    return len(rows)


# --- import -------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class _Row:
    number: int
    unit: Unit
    point: dict[str, Any]
    risk: dict[str, Any]
    grade: risks.Grade
    control: dict[str, Any] | None


def _read(data: bytes) -> list[tuple[Any, ...]]:
    if not data:
        raise ValidationError({"file": _("Choose an Excel file (.xlsx).")})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError({"file": _("Not an Excel file (.xlsx).")}) from None
    try:
        return list(book.worksheets[0].iter_rows(values_only=True, max_col=len(KEYS)))
    finally:
        book.close()


def _parse_row(number: int, cells: dict[str, str], errors: dict[str, str]) -> _Row | None:
    row_errors: dict[str, str] = {}
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == cells["unit_code"]))
    if unit is None:
        row_errors["unit_code"] = _("No unit with this code.")
    point = {"name": cells["point"], "kind": cells["point_kind"], "location": cells["location"]}
    if not point["name"]:
        row_errors["point"] = _("This field is required.")
    if point["kind"] not in {k.value for k in RiskPointKind}:
        row_errors["point_kind"] = _(
            "Must be one of: %(allowed)s.", allowed="installation, place, activity"
        )
    risk = {"event": cells["event"], "consequence": cells["consequence"] or None}
    if not risk["event"]:
        row_errors["event"] = _("This field is required.")
    grade_errors: dict[str, str] = {}
    assessment = {
        k: cells[k] or None for k in ("method", "l", "e", "c", "s", "direct_major_reason")
    }
    found = risks.grade(assessment, grade_errors)
    row_errors.update(grade_errors)
    control = None
    if any(
        cells[k]
        for k in ("control_kind", "control", "owner_unit_code", "owner_post", "check_every_days")
    ):
        post = db.session.scalar(
            sa.select(Post)
            .join(Unit, Unit.id == Post.unit_id)
            .where(Unit.code == cells["owner_unit_code"], Post.title == cells["owner_post"])
        )
        if post is None:
            row_errors["owner_post"] = _("No such post in the owner unit.")
        if cells["control_kind"] not in {k.value for k in ControlKind}:
            allowed = ", ".join(k.value for k in ControlKind)
            row_errors["control_kind"] = _("Must be one of: %(allowed)s.", allowed=allowed)
        if not cells["control"]:
            row_errors["control"] = _("This field is required.")
        every = cells["check_every_days"]
        if not every.isdigit() or not 1 <= int(every) <= risks.MAX_CHECK_DAYS:
            row_errors["check_every_days"] = _("Between 1 and %(n)d days.", n=risks.MAX_CHECK_DAYS)
        control = {
            "kind": cells["control_kind"],
            "text": cells["control"],
            "post": post,
            "every": int(every) if every.isdigit() else None,
        }
    for key, message in row_errors.items():
        column = get_column_letter(KEYS.index(key) + 1)
        errors[f"rows.{number}.{key}"] = _(
            "Row %(row)d, column %(col)s: %(message)s", row=number, col=column, message=message
        )
    if row_errors:
        return None
    return _Row(number, unit, point, risk, found, control)


def parse_register(data: bytes) -> list[_Row]:
    """Every row of the sheet, checked; :raise ValidationError: ``rows.<n>.<column>``."""
    rows = _read(data)
    headers = [_cell_text(v) for v in (rows[0] if rows else ())]
    known = {str(h) for _k, h, _w in COLUMNS[:3]} | {"Unit code", "单位编码"}
    if not rows or headers[:1] == [] or headers[0] not in known:
        raise ValidationError({"rows.1": _("Row 1 must hold the headers of the exported sheet.")})
    errors: dict[str, str] = {}
    parsed: list[_Row] = []
    for number, row in enumerate(rows[1:], start=2):
        values = [_cell_text(v) for v in row] + [""] * (len(KEYS) - len(row))
        if not any(values):
            continue
        if len(parsed) + len(errors) >= MAX_ROWS:
            errors["rows"] = _("At most %(n)d rows.", n=MAX_ROWS)
            break
        found = _parse_row(number, dict(zip(KEYS, values, strict=False)), errors)
        if found is not None:
            parsed.append(found)
    if not parsed and not errors:
        errors["file"] = _("The sheet has no rows.")
    if errors:
        raise ValidationError(errors)
    return parsed


def import_register(actor: User | None, data: bytes, *, now: datetime) -> dict[str, int]:
    """Add what the sheet holds and the register lacks; all or nothing.

    :raise Forbidden: a row names a unit the actor may not edit.
    :raise ValidationError: any bad row (nothing is saved).
    """
    today = local_date(now)
    rows = parse_register(data)
    for row in rows:
        if not permissions.can_edit_risk_register(actor, row.unit.id, today):
            raise Forbidden(
                _(
                    "Row %(row)d: you may not edit the register of %(unit)s.",
                    row=row.number,
                    unit=row.unit.name,
                )
            )
    counts = {"points": 0, "risks": 0, "assessments": 0, "controls": 0}
    try:
        for row in rows:
            _apply_row(actor, row, now, counts)
        audit.record(actor, "risk_register.import", rows[0].unit, {"counts": counts}, now=now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return counts


def _apply_row(actor: User | None, row: _Row, now: datetime, counts: dict[str, int]) -> None:
    point = db.session.scalar(
        sa.select(RiskPoint).where(
            RiskPoint.unit_id == row.unit.id, RiskPoint.name == row.point["name"]
        )
    )
    if point is None:
        point = RiskPoint(
            unit_id=row.unit.id,
            name=row.point["name"],
            kind=RiskPointKind(row.point["kind"]),
            location=row.point["location"] or None,
            created_by_id=getattr(actor, "id", None),
            created_at=now,
        )
        db.session.add(point)
        db.session.flush()
        counts["points"] += 1
    g = row.grade
    risk = db.session.scalar(
        sa.select(Risk).where(Risk.risk_point_id == point.id, Risk.event == row.risk["event"])
    )
    if risk is None:
        risk = Risk(
            risk_point_id=point.id,
            event=row.risk["event"],
            consequence=row.risk["consequence"],
            method=g.method,
            score=g.score,
            level=g.level,
            assessed_at=now,
            created_at=now,
        )
        db.session.add(risk)
        db.session.flush()
        risks.add_assessment(risk, g, actor, now)
        counts["risks"] += 1
    else:
        last = risks.assessments_of(risk)[0]
        same = (last.method, last.l, last.e, last.c, last.s, last.direct_major_reason) == (
            g.method,
            g.l,
            g.e,
            g.c,
            g.s,
            g.direct_major_reason,
        )
        if not same:
            risks.add_assessment(risk, g, actor, now)
            counts["assessments"] += 1
    db.session.flush()
    if row.control is None:
        return
    exists = db.session.scalar(
        sa.select(RiskControl.id).where(
            RiskControl.risk_id == risk.id, RiskControl.text == row.control["text"]
        )
    )
    if exists is None:
        db.session.add(
            RiskControl(
                risk_id=risk.id,
                kind=ControlKind(row.control["kind"]),
                text=row.control["text"],
                owner_post_id=row.control["post"].id,
                check_every_days=row.control["every"],
                next_due=local_date(now),
                created_by_id=getattr(actor, "id", None),
                created_at=now,
            )
        )
        db.session.flush()
        counts["controls"] += 1


def today_name(unit: Unit, today: date) -> str:
    """The download's file name."""
    return f"risk-register-{unit.code}-{today.isoformat()}.xlsx"
