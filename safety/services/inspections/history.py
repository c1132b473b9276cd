"""Submitted inspections: history with counts, findings, drafts, summaries, Excel."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety import clock
from safety.extensions import db
from safety.models import (
    Hazard,
    Inspection,
    InspectionItem,
    InspectionStatus,
    ItemResult,
    User,
)
from safety.services.org import unit_subtree_ids


def findings(inspection: Inspection) -> list[tuple[InspectionItem, Hazard | None]]:
    """Failed items with their hazard (its current status), in item order."""
    failed = [item for item in inspection.items if item.result == ItemResult.FAIL]
    ids = [item.hazard_id for item in failed if item.hazard_id is not None]
    hazards = (
        {h.id: h for h in db.session.scalars(sa.select(Hazard).where(Hazard.id.in_(ids)))}
        if ids
        else {}
    )
    return [(item, hazards.get(item.hazard_id)) for item in failed]


def inspection_of_hazard(hazard_id: int) -> Inspection | None:
    """The inspection whose failed item raised this hazard (for a link back)."""
    return db.session.scalar(
        sa.select(Inspection)
        .join(InspectionItem, InspectionItem.inspection_id == Inspection.id)
        .where(InspectionItem.hazard_id == hazard_id)
    )


def drafts_of(user: User) -> list[Inspection]:
    return list(
        db.session.scalars(
            sa.select(Inspection)
            .where(Inspection.inspector_id == user.id, Inspection.status == InspectionStatus.DRAFT)
            .order_by(Inspection.created_at.desc())
        )
    )


# --- history ------------------------------------------------------------------


@dataclass
class HistoryRow:
    inspection: Inspection
    passed: int
    failed: int
    not_applicable: int
    hazards: int

    @property
    def pass_rate(self) -> float | None:
        """Passed share of the items that applied (None when none applied)."""
        applied = self.passed + self.failed
        return self.passed / applied if applied else None


def history(
    *,
    unit_id: int | None = None,
    include_subunits: bool = True,
    inspector_id: int | None = None,
    checklist_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    with_findings: bool | None = None,
    limit: int | None = 500,
) -> list[HistoryRow]:
    """Submitted inspections, newest first, with their item counts (one query).

    ``date_from``/``date_to`` bound ``performed_at`` (half-open: from ≤ t < to).
    """
    counts = (
        sa.select(
            InspectionItem.inspection_id.label("iid"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.PASS, 1), else_=0)).label("p"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.FAIL, 1), else_=0)).label("f"),
            sa.func.sum(sa.case((InspectionItem.result == ItemResult.NA, 1), else_=0)).label("n"),
            sa.func.count(InspectionItem.hazard_id).label("h"),
        )
        .group_by(InspectionItem.inspection_id)
        .subquery()
    )
    stmt = (
        sa.select(Inspection, counts.c.p, counts.c.f, counts.c.n, counts.c.h)
        .outerjoin(counts, counts.c.iid == Inspection.id)
        .where(Inspection.status == InspectionStatus.SUBMITTED)
    )
    if unit_id is not None:
        ids = unit_subtree_ids(unit_id) if include_subunits else [unit_id]
        stmt = stmt.where(Inspection.unit_id.in_(ids))
    if inspector_id is not None:
        stmt = stmt.where(Inspection.inspector_id == inspector_id)
    if checklist_id is not None:
        stmt = stmt.where(Inspection.checklist_id == checklist_id)
    if date_from is not None:
        stmt = stmt.where(Inspection.performed_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(Inspection.performed_at < date_to)
    if with_findings is True:
        stmt = stmt.where(sa.func.coalesce(counts.c.f, 0) > 0)
    elif with_findings is False:
        stmt = stmt.where(sa.func.coalesce(counts.c.f, 0) == 0)
    stmt = stmt.order_by(Inspection.performed_at.desc(), Inspection.id.desc()).options(
        selectinload(Inspection.unit), selectinload(Inspection.inspector)
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        HistoryRow(inspection, int(p or 0), int(f or 0), int(n or 0), int(h or 0))
        for inspection, p, f, n, h in db.session.execute(stmt).all()
    ]


def summary(rows: Sequence[HistoryRow]) -> dict[str, Any]:
    """Totals over history rows: inspections, findings, hazards, overall pass rate."""
    passed = sum(r.passed for r in rows)
    failed = sum(r.failed for r in rows)
    return {
        "inspections": len(rows),
        "findings": failed,
        "hazards": sum(r.hazards for r in rows),
        "pass_rate": passed / (passed + failed) if passed + failed else None,
    }


#: Characters that make a spreadsheet read a text as a formula.


def history_workbook(rows: Sequence[HistoryRow], checklist_names: dict[int, str]) -> bytes:
    """The history as an Excel workbook, headers in the reader's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from safety.services import excel

    book = Workbook()
    sheet = book.active
    sheet.title = _("Inspections")
    sheet.append(
        [
            _("No."),
            _("Performed at"),
            _("Unit"),
            _("Checklist"),
            _("Version"),
            _("Location"),
            _("Inspector"),
            _("Passed"),
            _("Failed"),
            _("Not applicable"),
            _("Pass rate"),
            _("Hazards raised"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        inspection = row.inspection
        excel.append(
            sheet,
            [
                inspection.id,
                inspection.performed_at.astimezone(clock.tz()).replace(tzinfo=None),
                f"{inspection.unit.code} {inspection.unit.name}",
                checklist_names.get(inspection.checklist_id or -1, ""),
                inspection.checklist_version,
                inspection.location or "",
                inspection.inspector.name if inspection.inspector else "",
                row.passed,
                row.failed,
                row.not_applicable,
                round(row.pass_rate, 4) if row.pass_rate is not None else None,
                row.hazards,
            ],
        )
        sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row=sheet.max_row, column=11).number_format = "0.0%"
    for column, width in zip(
        "ABCDEFGHIJKL", (8, 18, 28, 28, 8, 20, 14, 8, 8, 8, 10, 10), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
