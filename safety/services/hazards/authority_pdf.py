"""The report of a major hazard to the authority as a PDF (A4 portrait).

The three parts the rules ask for (安全生产事故隐患排查治理暂行规定 §15):
现状及其产生原因; 危害程度和整改难易程度分析; 治理方案 — then the record of
the report itself: when and to whom it went, whether it was listed for
supervision (挂牌督办) and the supervision deadline. The same content as the
printable page, built from :mod:`safety.services.pdf`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from safety.models import Hazard
from safety.services import pdf
from safety.services.hazards.criteria import criterion_texts
from safety.services.hazards.labels import PLAN_LABELS, PLAN_PARTS, RISK_LABELS
from safety.services.hazards.risk import risk_grade, risk_score


def _when(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return format_date(value, "yyyy-MM-dd")


def _yes_no(value: bool | None) -> str:
    return _("Yes") if value else _("No")


def _pairs(rows: list[tuple[str, Any]], styles: pdf.Styles) -> Flowable:
    return pdf.table([], rows, [1, 3], styles, header_row=False, pagesize=pdf.PORTRAIT)


def _status_part(hazard: Hazard, styles: pdf.Styles) -> list[Flowable]:
    rows: list[tuple[str, Any]] = [(_("Date found"), _when(hazard.found_at))]
    if hazard.location:
        rows.append((_("Location"), hazard.location))
    if hazard.criterion:
        text = criterion_texts().get(hazard.criterion, "")
        rows.append((_("Criterion (判定标准)"), f"{hazard.criterion} {text}".strip()))
    body = [_pairs(rows, styles)]
    if hazard.description:
        body += [Spacer(1, 2 * mm), Paragraph(pdf.esc(hazard.description), styles["body"])]
    return body


def _harm_part(hazard: Hazard, styles: pdf.Styles) -> list[Flowable]:
    rows: list[tuple[str, Any]] = []
    score = risk_score(hazard)
    if score is not None:
        rows.append((_("Risk (LEC)"), f"D = {score:g} · {RISK_LABELS.get(risk_grade(score), '')}"))
    rows += [
        (_("Deadline"), _when(hazard.deadline)),
        (_("Funds (yuan)"), "—" if hazard.funds is None else f"{hazard.funds:,.2f}"),
        (_("Work stopped / people withdrawn"), _yes_no(hazard.stop_work)),
    ]
    return [_pairs(rows, styles)]


def _plan_part(hazard: Hazard, styles: pdf.Styles) -> list[Flowable]:
    if not hazard.plan:
        return [Paragraph(pdf.esc(_("Not assigned yet.")), styles["muted"])]
    rows = [(_("Measures"), hazard.measures or "—")]
    rows += [(PLAN_LABELS[p], hazard.plan.get(p, "")) for p in PLAN_PARTS]
    if hazard.plan_approved_at is not None:
        rows.append((_("Plan approved by the principal"), _when(hazard.plan_approved_at)))
    return [_pairs(rows, styles)]


def _report_record(hazard: Hazard, styles: pdf.Styles) -> list[Flowable]:
    if hazard.reported_to_authority_on is None:
        return [Paragraph(pdf.esc(_("Not reported to the authority yet.")), styles["muted"])]
    rows = [
        (_("Reported to the authority on"), _when(hazard.reported_to_authority_on)),
        (_("Authority"), hazard.supervising_authority or "—"),
        (_("Listed for supervision (挂牌督办)"), _yes_no(hazard.listed_for_supervision)),
        (_("Supervision deadline"), _when(hazard.supervision_deadline)),
    ]
    return [_pairs(rows, styles)]


def authority_report_pdf(hazard: Hazard, today: date) -> bytes:
    """The report of the major ``hazard`` to the authority, as printed on ``today``."""
    styles = pdf.styles()
    title = _("Report on a major hazard")
    subtitle = f"{hazard.number} · {hazard.title} · {hazard.unit.name}"
    story: list[Flowable] = [
        Paragraph(pdf.esc(title), styles["title"]),
        Paragraph(pdf.esc(subtitle), styles["subtitle"]),
        Paragraph(pdf.esc(_("Printed on %(d)s", d=_when(today))), styles["muted"]),
        Spacer(1, 4 * mm),
    ]
    parts = (
        (_("1. Current state and its causes"), _status_part),
        (_("2. Degree of harm and difficulty of rectification"), _harm_part),
        (_("3. Rectification plan"), _plan_part),
        (_("Report to the authority"), _report_record),
    )
    for heading, part in parts:
        story += [Paragraph(pdf.esc(heading), styles["h2"]), *part(hazard, styles)]
    story += pdf.signature_lines(
        [(_("Principal person in charge (signature):"), "", _("Date:"), "")],
        styles,
        pagesize=pdf.PORTRAIT,
    )
    footer = f"{title} · {hazard.number}"
    return pdf.build(story, title, footer, hazard.number, pagesize=pdf.PORTRAIT)
