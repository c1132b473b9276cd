"""Excel workbooks of the reports (openpyxl), the same figures as the pages.

No PDF here: no well-kept pure-Python PDF library ships with the project, and
the print-styled pages give a PDF through the browser's "Save as PDF".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from safety.services import reports

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="EEF1F4")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _state_labels() -> dict[str, str]:
    return {
        "reported": _("Reported"),
        "rectifying": _("Rectifying"),
        "pending_verification": _("Pending verification"),
        "closed": _("Closed"),
    }


def _level_labels() -> dict[str, str]:
    return {"general": _("General"), "major": _("Major")}


def _plan_labels() -> dict[str, str]:
    return {"complete": _("Complete"), "incomplete": _("Incomplete"), "none": _("None")}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _title(ws: Worksheet, title: str, subtitle: str) -> None:
    ws.append([title])
    ws["A1"].font = _TITLE
    ws.append([subtitle])
    ws.append([])


def _table(ws: Worksheet, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    ws.append(list(header))
    head_row = ws.max_row
    for col in range(1, len(header) + 1):
        cell = ws.cell(row=head_row, column=col)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(list(row))
        for col in range(1, len(header) + 1):
            ws.cell(row=ws.max_row, column=col).border = _BOX
    ws.append([])


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _holders_text(line: reports.HazardLine) -> str:
    parts = []
    for span in line.holders:
        end = span.end.isoformat() if span.end else _("now")
        parts.append(f"{span.name} ({span.start.isoformat()} – {end})")
    return "; ".join(parts) or _("Vacant")


def _summary_rows(board: reports.Dashboard) -> list[tuple[str, Any]]:
    f = board.figures
    return [
        (_("Hazards found"), f.found),
        (_("Closed (of those found)"), f.closed_of_found),
        (_("Rectification rate"), _pct(f.rectification_rate)),
        (_("On-time rate"), _pct(f.on_time_rate)),
        (_("Closed in the period"), f.closed_in_period),
        (_("Open at the as-of date"), f.open_total),
        (_("Open major hazards"), f.open_major),
        (_("Overdue"), f.overdue),
        (_("Overdue major hazards"), f.overdue_major),
        *[
            (_("Overdue %(bucket)s days", bucket=key), f.ageing.get(key, 0))
            for key, _f, _l in reports.AGEING_BUCKETS
        ],
        (_("Funds committed"), float(f.funds)),
        (_("Voided"), f.void),
        (_("Inspections done"), board.inspections.done),
        (_("Inspections planned"), board.inspections.planned),
        (_("Responsibility lists signed"), f"{board.signed} / {len(board.sign_offs)}"),
        (_("Sign-off coverage"), _pct(board.sign_off_rate)),
    ]


def monthly_workbook(report: reports.MonthlyReport) -> bytes:
    """The monthly meeting report as a workbook: one sheet per section."""
    board = report.dashboard
    subtitle = _(
        "%(scope)s · %(period)s · as of %(as_of)s",
        scope=board.scope.name(),
        period=board.period.label(),
        as_of=board.as_of.isoformat(),
    )
    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    _title(ws, _("Monthly safety report"), subtitle)
    _table(ws, [_("Figure"), _("Value")], _summary_rows(board))
    _widths(ws, [34, 18])

    ws = wb.create_sheet(_("By unit")[:31])
    _title(ws, _("By unit"), subtitle)
    _table(
        ws,
        [
            _("Unit"),
            _("Found"),
            _("Closed"),
            _("Rectification rate"),
            _("Open"),
            _("Overdue"),
            _("Funds committed"),
            _("Inspections done"),
            _("Inspections planned"),
        ],
        [
            (
                row.name,
                row.figures.found,
                row.figures.closed_of_found,
                _pct(row.figures.rectification_rate),
                row.figures.open_total,
                row.figures.overdue,
                float(row.figures.funds),
                row.inspections_done,
                row.inspections_planned,
            )
            for row in board.units
        ],
    )
    _widths(ws, [28, 10, 10, 14, 10, 10, 16, 14, 14])

    ws = wb.create_sheet(_("Major hazards")[:31])
    _title(ws, _("Major hazards"), subtitle)
    states, plans = _state_labels(), _plan_labels()
    _table(
        ws,
        [_("Number"), _("Title"), _("Unit"), _("Found on"), _("Status"), _("Deadline"), _("Plan")],
        [
            (
                line.number,
                line.title,
                line.unit_name,
                line.found_on.isoformat(),
                states.get(line.state, line.state),
                line.deadline.isoformat() if line.deadline else "",
                plans[line.plan_status],
            )
            for line in report.major
        ],
    )
    _widths(ws, [16, 36, 20, 12, 14, 12, 12])

    ws = wb.create_sheet(_("Overdue hazards")[:31])
    _title(ws, _("Overdue hazards"), subtitle)
    levels = _level_labels()
    _table(
        ws,
        [
            _("Number"),
            _("Title"),
            _("Unit"),
            _("Grade"),
            _("Deadline"),
            _("Days overdue"),
            _("Accountable post"),
            _("Held by"),
        ],
        [
            (
                line.number,
                line.title,
                line.unit_name,
                levels.get(line.level, line.level),
                line.deadline.isoformat() if line.deadline else "",
                line.days_overdue,
                line.post_title or "",
                _holders_text(line),
            )
            for line in report.overdue
        ],
    )
    _widths(ws, [16, 36, 20, 8, 12, 12, 20, 44])

    ws = wb.create_sheet(_("Unsigned lists")[:31])
    _title(ws, _("Unsigned responsibility lists"), subtitle)
    _table(
        ws,
        [_("Unit"), _("Post"), _("Holder"), _("Version")],
        [(s.unit_name, s.post_title, s.user_name, s.version) for s in board.unsigned],
    )
    _widths(ws, [24, 24, 16, 10])

    ws = wb.create_sheet(_("Trend")[:31])
    _title(ws, _("Hazards per month"), subtitle)
    _table(
        ws,
        [_("Month"), _("Found"), _("Closed"), _("Overdue at month end")],
        [(p.first.strftime("%Y-%m"), p.found, p.closed, p.overdue) for p in board.trend],
    )
    _widths(ws, [12, 10, 10, 20])
    return _save(wb)


def statutory_workbook(report: reports.StatutoryReport) -> bytes:
    """Hazard investigation and rectification statistics, with the signature line."""
    states, levels, plans = _state_labels(), _level_labels(), _plan_labels()
    wb = Workbook()
    ws = wb.active
    ws.title = _("Statistics")[:31]
    _title(
        ws,
        _("Hazard investigation and rectification statistics"),
        _(
            "%(scope)s · %(period)s · as of %(as_of)s",
            scope=report.scope.name(),
            period=report.period.label(),
            as_of=report.as_of.isoformat(),
        ),
    )
    header = [_("Unit")]
    for level in reports.LEVELS:
        header += [f"{levels[level]} · {states[s]}" for s in reports.STATES]
        header.append(f"{levels[level]} · {_('Total')}")
    header.append(_("Total"))
    rows = []
    for uid in report.unit_ids:
        row: list[Any] = [report.scope.units[uid].name]
        for level in reports.LEVELS:
            row += [report.cell(uid, level, s) for s in reports.STATES]
            row.append(report.unit_total(uid, level))
        row.append(report.unit_total(uid))
        rows.append(row)
    total: list[Any] = [_("Total")]
    for level in reports.LEVELS:
        total += [report.column_total(level, s) for s in reports.STATES]
        total.append(sum(report.unit_total(uid, level) for uid in report.unit_ids))
    total.append(sum(report.unit_total(uid) for uid in report.unit_ids))
    rows.append(total)
    _table(ws, header, rows)
    f = report.figures
    _table(
        ws,
        [_("Figure"), _("Value")],
        [
            (_("Hazards found"), f.found),
            (_("Closed (of those found)"), f.closed_of_found),
            (_("Rectification rate"), _pct(f.rectification_rate)),
            (_("On-time rate"), _pct(f.on_time_rate)),
            (_("Funds committed"), float(f.funds)),
            (_("Voided"), f.void),
        ],
    )
    ws.append([_("Major hazards")])
    ws.cell(row=ws.max_row, column=1).font = _BOLD
    _table(
        ws,
        [
            _("Number"),
            _("Title"),
            _("Unit"),
            _("Found on"),
            _("Status"),
            _("Deadline"),
            _("Funds"),
            _("Plan"),
        ],
        [
            (
                line.number,
                line.title,
                line.unit_name,
                line.found_on.isoformat(),
                states.get(line.state, line.state),
                line.deadline.isoformat() if line.deadline else "",
                float(line.funds) if line.funds is not None else None,
                plans[line.plan_status],
            )
            for line in report.major
        ],
    )
    ws.append([])
    ws.append([_("Principal person in charge (signature):"), "", "", _("Date:")])
    ws.cell(row=ws.max_row, column=1).font = _BOLD
    ws.append([_("Prepared by:"), "", "", _("Date:")])
    _widths(ws, [28] + [12] * (len(header) - 1))
    return _save(wb)


def _signature_text(span: reports.AccountableSpan) -> str:
    parts = []
    for sig in span.signatures:
        days = f"{sig.start.isoformat()} – {sig.end.isoformat()}"
        if sig.version is None:
            parts.append(f"{days}: {_('no list yet')}")
        elif sig.signed_on is not None:
            parts.append(
                f"{days}: "
                + _("signed version %(v)d on %(day)s", v=sig.version, day=sig.signed_on.isoformat())
            )
        else:
            parts.append(f"{days}: " + _("version %(v)d not signed", v=sig.version))
    return "\n".join(parts)


def _reminder_text(spans: list[reports.ReminderSpan]) -> str:
    return "\n".join(f"{r.start.isoformat()} – {r.end.isoformat()}: {r.count}" for r in spans)


def accountability_workbook(cases: list[reports.AccountabilityCase], subtitle: str) -> bytes:
    """The accountability evidence: one row per person (or vacancy) per overdue hazard."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Accountability")[:31]
    _title(ws, _("Accountability report"), subtitle)
    rows: list[list[Any]] = []
    for case in cases:
        h = case.hazard
        head = [
            h.number,
            h.title,
            h.unit_name,
            h.deadline.isoformat() if h.deadline else "",
            f"{case.overdue_from.isoformat()} – {case.overdue_to.isoformat()}",
            h.post_title or "",
        ]
        for span in case.spans:
            rows.append(
                head
                + [
                    span.name,
                    f"{span.start.isoformat()} – {span.end.isoformat()}",
                    span.days,
                    _signature_text(span),
                    _reminder_text(span.reminders) or _("none"),
                ]
            )
        for lo, hi in case.vacant:
            rows.append(
                head
                + [
                    _("Vacant"),
                    f"{lo.isoformat()} – {hi.isoformat()}",
                    (hi - lo).days + 1,
                    "",
                    "",
                ]
            )
    _table(
        ws,
        [
            _("Number"),
            _("Title"),
            _("Unit"),
            _("Deadline"),
            _("Overdue"),
            _("Accountable post"),
            _("Person"),
            _("Held the post while overdue"),
            _("Days"),
            _("Responsibility list"),
            _("Reminders received"),
        ],
        rows,
    )
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(ws, [16, 30, 16, 12, 24, 16, 12, 24, 8, 40, 28])
    return _save(wb)
