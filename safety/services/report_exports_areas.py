"""The monthly report's and statutory statistics' figures from major hazards, the
risk register and performance of duty, in the Excel workbooks and the PDF.

Each table is built once as a header and rows (``*_table``), then written as a
sheet or as a PDF section with the primitives of :mod:`safety.services.report_exports`
(imported when called: that module calls these through its hooks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from reportlab.platypus import Flowable

from safety.services import pdf, reports
from safety.services.reports.duty_figures import DutyFigures
from safety.services.reports.major_figures import MajorFigures
from safety.services.reports.risk_figures import RiskFigures

Table = tuple[list[str], list[list[Any]]]


def _money(value: Any) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _day(value: Any) -> str:
    return value.isoformat() if value else "—"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# --- the tables ---------------------------------------------------------------------


def listing_rows(majors: MajorFigures) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [_("Listed for supervision in the period"), majors.listed],
        [_("Written off by the authority in the period"), majors.written_off],
        [_("Listed, awaiting write-off"), majors.awaiting_write_off],
    ]
    if majors.due_on is not None:
        rows.append([_("Due to the authority by"), majors.due_on.isoformat()])
    return rows


def _supervision(five: Any) -> str:
    if five is None:
        return "—"
    if five.written_off_on:
        return _("Written off on %(day)s", day=five.written_off_on.isoformat())
    if five.listed:
        text = _("Listed")
        if five.supervision_deadline:
            deadline = five.supervision_deadline.isoformat()
            text += " · " + _("supervision deadline %(day)s", day=deadline)
        return text
    return "—"


def major_table(majors: MajorFigures, lines: Sequence[reports.HazardLine]) -> Table:
    """五落实 of each major hazard: responsibility, measures, funds, deadline, emergency."""
    header = [
        _("Number"),
        _("Title"),
        _("Unit"),
        _("Accountable post and holders"),
        _("Measures"),
        _("Funds (yuan)"),
        _("Deadline"),
        _("Emergency measures"),
        _("Stop work"),
        _("Supervision"),
    ]
    rows = []
    for line in lines:
        five = majors.of(line)
        holders = ", ".join(five.holders) if five and five.holders else ""
        responsibility = (line.post_title or "—") + (f" ({holders})" if holders else "")
        rows.append(
            [
                line.number,
                line.title,
                line.unit_name,
                responsibility,
                (five.measures if five else None) or "—",
                _money(five.funds if five else None),
                _day(five.deadline if five else None),
                (five.emergency if five else None) or "—",
                _("Work stopped") if five and five.stop_work else "—",
                _supervision(five),
            ]
        )
    return header, rows


def risk_units_table(risks: RiskFigures) -> Table:
    header = [_("Unit")]
    header += [label for _lv, label, _colour in risks.levels]
    header += [
        _("Total"),
        _("Checks due"),
        _("Done on time"),
        _("On-time check rate"),
        _("Failed checks"),
        _("Hazards from failed controls"),
    ]
    rows = []
    for name, c in [(r.name, r.counts) for r in risks.rows] + [(_("Total"), risks.total)]:
        rows.append(
            [name, *(c.colours[lv] for lv, _l, _c in risks.levels)]
            + [c.risks, c.checks_due, c.checks_on_time, _pct(c.on_time_rate)]
            + [c.failed, c.hazards_raised]
        )
    return header, rows


def failed_table(risks: RiskFigures) -> Table:
    header = [
        _("Unit"),
        _("Risk point"),
        _("Risk"),
        _("Colour"),
        _("Control"),
        _("Checked on"),
        _("Hazard raised"),
    ]
    rows = [
        [
            f.unit_name,
            f.risk_point,
            f.risk,
            f.level_label,
            f.control,
            f.checked_on.isoformat(),
            f.hazard_number or "—",
        ]
        for f in risks.failed
    ]
    return header, rows


_STATUSES = ("draft", "assessed", "confirmed", "disputed")


def duty_table(duty: DutyFigures) -> Table:
    labels = {
        "draft": _("Not yet assessed"),
        "assessed": _("Assessed"),
        "confirmed": _("Confirmed"),
        "disputed": _("Disputed"),
    }
    header = [_("Unit"), _("Scorecards"), *(labels[s] for s in _STATUSES)]
    header += [duty.grade_labels[g] for g in duty.grades] + [_("Accountability actions")]
    rows = []
    for name, c in [(r.name, r.counts) for r in duty.rows] + [(_("Total"), duty.total)]:
        rows.append(
            [name, c.cards, *(c.statuses[s] for s in _STATUSES)]
            + [c.grades[g] for g in duty.grades]
            + [c.actions]
        )
    return header, rows


# --- Excel ---------------------------------------------------------------------------


def _sheet(wb: Workbook, title: str, subtitle: str, tables: list[Table], widths: list[int]) -> None:
    from safety.services import report_exports as rx

    ws = wb.create_sheet(title[:31])
    rx._title(ws, title, subtitle)
    for header, rows in tables:
        rx._table(ws, header, rows)
    rx._widths(ws, widths)


def _major_sheet(wb: Workbook, majors: MajorFigures, lines: Any, subtitle: str) -> None:
    _sheet(
        wb,
        _("Major hazards, five in place"),
        subtitle,
        [([_("Figure"), _("Value")], listing_rows(majors)), major_table(majors, lines)],
        [16, 30, 16, 24, 30, 12, 12, 30, 10, 24],
    )


def monthly_sheets(wb: Workbook, report: reports.MonthlyReport, subtitle: str) -> None:
    """The monthly workbook's sheets for major hazards, risks and duty."""
    if report.majors is not None:
        _major_sheet(wb, report.majors, report.major, subtitle)
    areas = report.dashboard.areas
    if areas is None:
        return
    _sheet(
        wb,
        _("Risk register"),
        subtitle,
        [risk_units_table(areas.risks), failed_table(areas.risks)],
        [24, 14, 14, 14, 14, 10, 10, 12, 12, 12, 14],
    )
    _sheet(
        wb,
        _("Performance of duty"),
        f"{subtitle} · {areas.duty.period_code}",
        [duty_table(areas.duty)],
        [24, 10, 12, 10, 10, 10, 10, 10, 10, 14],
    )


def statutory_sheets(wb: Workbook, report: reports.StatutoryReport) -> None:
    """The statutory workbook's sheet of major hazards' 五落实, listing counts and due date."""
    if report.majors is None:
        return
    subtitle = _(
        "%(scope)s · %(period)s · as of %(as_of)s",
        scope=report.scope.name(),
        period=report.period.label(),
        as_of=report.as_of.isoformat(),
    )
    _major_sheet(wb, report.majors, report.major, subtitle)


# --- PDF ------------------------------------------------------------------------------


def _pdf_body(tables: list[tuple[Table, list[float]]], styles: Any) -> list[Flowable]:
    return [pdf.table(header, rows, widths, styles) for (header, rows), widths in tables]


def major_section(report: reports.MonthlyReport, styles: Any) -> tuple[str, list[Flowable]]:
    heading = _("7. Major hazards: five in place, listing and write-off")
    if report.majors is None:
        return heading, []
    counts = pdf.table([], listing_rows(report.majors), [6, 2], styles, header_row=False)
    body: list[Flowable] = [counts]
    if report.major:
        table = major_table(report.majors, report.major)
        body += _pdf_body([(table, [14, 24, 14, 18, 24, 10, 10, 22, 8, 16])], styles)
    return heading, body


def risk_section(report: reports.MonthlyReport, styles: Any) -> tuple[str, list[Flowable]]:
    heading = _("8. Risk register")
    areas = report.dashboard.areas
    if areas is None:
        return heading, []
    body = _pdf_body([(risk_units_table(areas.risks), [24, *[10] * 10])], styles)
    body += pdf.note(_("Risks whose controls failed in the period"), styles)
    if areas.risks.failed:
        body += _pdf_body([(failed_table(areas.risks), [16, 20, 24, 12, 30, 12, 14])], styles)
    else:
        body += pdf.note(_("No control check failed in this period."), styles)
    return heading, body


def duty_section(report: reports.MonthlyReport, styles: Any) -> tuple[str, list[Flowable]]:
    heading = _("9. Performance of duty")
    areas = report.dashboard.areas
    if areas is None:
        return heading, []
    header, rows = duty_table(areas.duty)
    widths = [24, *[10] * (len(header) - 1)]
    note = _(
        "Scorecards of %(period)s; accountability actions decided in the period.",
        period=areas.duty.period_code,
    )
    return heading, pdf.note(note, styles) + _pdf_body([((header, rows), widths)], styles)


#: The monthly PDF's sections after its own six.
PDF_SECTIONS = (major_section, risk_section, duty_section)
