"""Excel workbooks of the reports (openpyxl), the same figures as the pages.

The monthly meeting report is also a PDF (A4 landscape), built from the
primitives of :mod:`safety.services.pdf` (its embedded Chinese font included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from safety.services import excel, report_exports_areas, reports
from safety.services.pdf import build as _build_pdf
from safety.services.pdf import esc as _esc
from safety.services.pdf import note as _note
from safety.services.pdf import signature_lines
from safety.services.pdf import styles as _pdf_styles
from safety.services.pdf import table as _pdf_table

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="EEF1F4")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _state_labels() -> dict[str, str]:
    from safety.services.hazards.labels import status_labels

    return status_labels(("reported", "rectifying", "pending_verification", "closed"))


def _level_labels() -> dict[str, str]:
    from safety.services.hazards.labels import level_labels

    return level_labels()


def _plan_labels() -> dict[str, str]:
    return {"complete": _("Complete"), "incomplete": _("Incomplete"), "none": _("None")}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _title(ws: Worksheet, title: str, subtitle: str) -> None:
    ws.append([title])
    ws["A1"].font = _TITLE
    excel.append(ws, [subtitle])
    ws.append([])


def _style_ids(ws: Worksheet, **styles: Any) -> list[tuple[str, int]]:
    """The workbook's ids of ``styles`` (font, fill, border, alignment), looked up once.

    Setting ``cell.border`` hashes the border and searches the workbook's styles
    for it: per cell, that was most of a large export's time. A table sets the
    ids on each cell instead; the cell's other style parts (a date's number
    format, the quote prefix :mod:`excel` may set) stay as they are.
    """
    probe = Cell(ws)
    for name, value in styles.items():
        setattr(probe, name, value)
    return [(f"{name}Id", getattr(probe._style, f"{name}Id")) for name in styles]


def _restyle(cell: Cell, ids: list[tuple[str, int]]) -> None:
    if cell._style is None:  # a cell without any style yet
        cell._style = StyleArray()
    for key, value in ids:
        setattr(cell._style, key, value)


def _table(
    ws: Worksheet, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, wrap: bool = False
) -> None:
    """A boxed table with a bold header row, appended below what the sheet holds
    (``wrap``: body cells wrap their text at the top, as the header's do).

    The row number is counted here: ``ws.max_row`` scans every cell, so reading
    it per cell made a 100k-row export quadratic.
    """
    ws.append(list(header))
    row_no = ws.max_row
    top = Alignment(wrap_text=True, vertical="top")
    head = _style_ids(ws, font=_BOLD, fill=_HEAD_FILL, border=_BOX, alignment=top)
    body = _style_ids(ws, border=_BOX, alignment=top) if wrap else _style_ids(ws, border=_BOX)
    for col in range(1, len(header) + 1):
        _restyle(ws.cell(row=row_no, column=col), head)
    width = len(header)
    for row in rows:
        values = list(row)
        excel.append(ws, values)
        row_no += 1
        for col in range(1, width + 1):
            _restyle(ws.cell(row=row_no, column=col), body)
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

    _units_sheet(wb, report, subtitle)
    _major_sheet(wb, report, subtitle)
    _overdue_sheet(wb, report, subtitle)
    _signoff_and_trend_sheets(wb, report, subtitle)
    report_exports_areas.monthly_sheets(wb, report, subtitle)
    return _save(wb)


def _units_sheet(wb: Workbook, report: reports.MonthlyReport, subtitle: str) -> None:
    board = report.dashboard
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


def _major_sheet(wb: Workbook, report: reports.MonthlyReport, subtitle: str) -> None:
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


def _overdue_sheet(wb: Workbook, report: reports.MonthlyReport, subtitle: str) -> None:
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


def _signoff_and_trend_sheets(wb: Workbook, report: reports.MonthlyReport, subtitle: str) -> None:
    board = report.dashboard
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
    report_exports_areas.statutory_sheets(wb, report)
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


def _actions_text(case: reports.AccountabilityCase) -> str:
    """The accountability actions naming the case's hazard, one a line."""
    return "\n".join(
        f"{a.decided_on.isoformat()} {a.user_name} ({a.post_title}) {a.kind_label}: {a.reason}"
        for a in case.actions
    )


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
        actions = _actions_text(case)
        for span in case.spans:
            rows.append(
                head
                + [
                    span.name,
                    f"{span.start.isoformat()} – {span.end.isoformat()}",
                    span.days,
                    _signature_text(span),
                    _reminder_text(span.reminders) or _("none"),
                    actions,
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
                    actions,
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
            _("Accountability actions"),
        ],
        rows,
        wrap=True,
    )
    _widths(ws, [16, 30, 16, 12, 24, 16, 12, 24, 8, 40, 28, 40])
    return _save(wb)


# --- PDF (reportlab) -----------------------------------------------------------------

#: Room a section needs below its heading, or it starts on the next page.
_SECTION_MIN = 40 * mm


def _money(value: Any) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _date(value: Any) -> str:
    return value.isoformat() if value else "—"


#: A section of the PDF: its heading and what follows it.
_Section = tuple[str, list[Flowable]]
_Styles = dict[str, ParagraphStyle]


def _summary_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    board = report.dashboard
    f = board.figures
    ageing = ", ".join(f"{key}: {f.ageing.get(key, 0)}" for key, _f, _l in reports.AGEING_BUCKETS)
    summary = [
        (_("Hazards found"), f.found, _("Of which closed"), f.closed_of_found),
        (
            _("Rectification rate"),
            _pct(f.rectification_rate),
            _("On-time rate"),
            _pct(f.on_time_rate),
        ),
        (_("Open at month end"), f.open_total, _("Open major hazards"), f.open_major),
        (_("Overdue"), f.overdue, _("Days overdue"), ageing),
        (
            _("Funds committed (yuan)"),
            _money(f.funds),
            _("Closed in the month"),
            f.closed_in_period,
        ),
        (
            _("Inspections done / planned"),
            f"{board.inspections.done} / {board.inspections.planned}",
            _("Responsibility lists signed"),
            f"{board.signed} / {len(board.sign_offs)} ({_pct(board.sign_off_rate)})",
        ),
    ]
    return _("1. Summary"), [_pdf_table([], summary, [3, 2, 3, 4], styles, header_row=False)]


def _units_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    board = report.dashboard
    if not board.units:
        return _("2. By unit"), _note(_("No units below this one."), styles)
    header = [
        _("Unit"),
        _("Found"),
        _("Closed"),
        _("Rectification rate"),
        _("Open"),
        _("Overdue"),
        _("Funds committed"),
        _("Inspections done / planned"),
    ]
    rows = [
        (
            row.name,
            row.figures.found,
            row.figures.closed_of_found,
            _pct(row.figures.rectification_rate),
            row.figures.open_total,
            row.figures.overdue,
            _money(row.figures.funds),
            f"{row.inspections_done} / {row.inspections_planned}",
        )
        for row in board.units
    ]
    return _("2. By unit"), [_pdf_table(header, rows, [28, 8, 8, 12, 8, 8, 14, 14], styles)]


def _major_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    if not report.major:
        return _("3. Major hazards"), _note(
            _("No major hazards found or open in this month."), styles
        )
    states, plans = _state_labels(), _plan_labels()
    header = [
        _("Number"),
        _("Title"),
        _("Unit"),
        _("Found on"),
        _("Status"),
        _("Deadline"),
        _("Plan"),
    ]
    rows = [
        (
            line.number,
            line.title,
            line.unit_name,
            _date(line.found_on),
            states.get(line.state, line.state),
            _date(line.deadline),
            plans[line.plan_status],
        )
        for line in report.major
    ]
    return _("3. Major hazards"), [_pdf_table(header, rows, [16, 40, 20, 12, 14, 12, 12], styles)]


def _overdue_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    heading = _("4. Overdue hazards at month end")
    if not report.overdue:
        return heading, _note(_("No hazard was overdue at month end."), styles)
    levels = _level_labels()
    header = [
        _("Number"),
        _("Title"),
        _("Unit"),
        _("Grade"),
        _("Deadline"),
        _("Days overdue"),
        _("Accountable post"),
        _("Held by (while overdue)"),
    ]
    rows = [
        (
            line.number,
            line.title,
            line.unit_name,
            levels.get(line.level, line.level),
            _date(line.deadline),
            line.days_overdue,
            line.post_title or "—",
            _holders_text(line),
        )
        for line in report.overdue
    ]
    return heading, [_pdf_table(header, rows, [16, 30, 16, 8, 12, 9, 18, 40], styles)]


def _inspections_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    done, planned = report.dashboard.inspections.done, report.dashboard.inspections.planned
    text = _("%(done)d inspections done of %(planned)d planned.", done=done, planned=planned)
    return _("5. Inspections done and planned"), [Paragraph(_esc(text), styles["body"])]


def _unsigned_section(report: reports.MonthlyReport, styles: _Styles) -> _Section:
    board = report.dashboard
    heading = _("6. Unsigned responsibility lists")
    if board.unsigned:
        rows = [(s.unit_name, s.post_title, s.user_name, s.version) for s in board.unsigned]
        header = [_("Unit"), _("Post"), _("Holder"), _("Version")]
        return heading, [_pdf_table(header, rows, [24, 24, 16, 10], styles)]
    return heading, _note(signed_note(board), styles)


def signed_note(board: reports.Dashboard) -> str:
    """What to say when no list is unsigned: never "everyone signed" over 0 / 0."""
    if not board.sign_offs:
        return _("No post in this scope has a responsibility list to sign.")
    return _("Every current holder has signed the current list.")


def _signature_block(styles: _Styles) -> list[Flowable]:
    signature = [
        (_("Principal person in charge (signature):"), "", _("Date:"), ""),
        (_("Prepared by:"), "", _("Date:"), ""),
    ]
    return signature_lines(signature, styles)


_SECTIONS = (
    _summary_section,
    _units_section,
    _major_section,
    _overdue_section,
    _inspections_section,
    _unsigned_section,
    *report_exports_areas.PDF_SECTIONS,
)


def monthly_pdf(report: reports.MonthlyReport) -> bytes:
    """The monthly meeting report as an A4 landscape PDF, the sections of the page.

    Long tables split across pages with their header row repeated; a heading
    starts a new page when fewer than :data:`_SECTION_MIN` remain below it.
    """
    board = report.dashboard
    styles = _pdf_styles()
    subtitle = _(
        "%(scope)s · %(period)s · as of %(as_of)s",
        scope=board.scope.name(),
        period=board.period.label(),
        as_of=board.as_of.isoformat(),
    )
    title = _("Monthly safety report")
    story: list[Flowable] = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(_esc(subtitle), styles["subtitle"]),
        Spacer(1, 4 * mm),
    ]
    if report.is_empty:
        empty = _(
            "No hazards, inspections or responsibility lists for this unit and "
            "month: there is nothing to report."
        )
        story += _note(empty, styles)
    for section in _SECTIONS:
        heading, body = section(report, styles)
        story += [CondPageBreak(_SECTION_MIN), Paragraph(_esc(heading), styles["h2"]), *body]
    story += _signature_block(styles)
    return _build_pdf(story, title, f"{title} · {subtitle}", board.period.key)
