"""The responsibility agreement (安全生产责任书) of a post and year as a PDF (A4 portrait).

The same content as the printable page of the matrix: the post's safety duties
of the three categories (管行业、管业务、管生产经营) with their kind of
responsibility, its business duties, its unit's targets for the year, and the
signatures of the holder and of the superior post's holder with their times.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from safety.services import pdf
from safety.services.matrix import CATEGORY_LABELS, KIND_LABELS, agreement_data


def _when(value: date | datetime | None) -> str:
    if value is None:
        return _("Not signed")
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return format_date(value, "yyyy-MM-dd")


def _duties(content: dict[str, Any], styles: pdf.Styles) -> list[Flowable]:
    if not content["duties"]:
        return [Paragraph(pdf.esc(_("No safety responsibilities.")), styles["muted"])]
    categories = {c.value: str(label) for c, label in CATEGORY_LABELS.items()}
    kinds = {k.value: str(label) for k, label in KIND_LABELS.items()}
    header = [_("Category"), _("Kind"), _("Unit"), _("Duty"), _("Description")]
    rows = [
        (
            categories.get(d.get("duty_category") or "", "—"),
            kinds.get(d.get("kind") or "", d.get("kind") or ""),
            d.get("unit_name") or "",
            d.get("duty_title") or "—",
            d.get("description") or d.get("duty_description") or "",
        )
        for d in content["duties"]
    ]
    return [pdf.table(header, rows, [12, 12, 14, 16, 36], styles, pagesize=pdf.PORTRAIT)]


def _targets(content: dict[str, Any], styles: pdf.Styles) -> list[Flowable]:
    if not content["targets"]:
        return [Paragraph(pdf.esc(_("None set.")), styles["muted"])]
    lines = [
        f"{t['title']}: {t['target_value']}" if t.get("target_value") else t["title"]
        for t in content["targets"]
    ]
    return [Paragraph(pdf.esc(line), styles["body"]) for line in lines]


def _signatures(data: dict[str, Any], styles: pdf.Styles) -> list[Flowable]:
    content = data["content"]
    rows = [
        (content["post_title"], r["user"].name, _when(r["signature"] and r["signature"].at))
        for r in data["holders"]
    ]
    rows += [
        (content["superior_title"], r["user"].name, _when(r["signature"] and r["signature"].at))
        for r in data["superiors"]
    ]
    header = [_("Signs as"), _("Full name"), _("Signed on")]
    body: list[Flowable] = [pdf.table(header, rows, [3, 3, 3], styles, pagesize=pdf.PORTRAIT)]
    if data["signatures"]:
        every = [
            (
                row["user"].name if row["user"] else "—",
                _("holder") if row["signature"].role == "holder" else _("superior"),
                _when(row["signature"].at),
            )
            for row in data["signatures"]
        ]
        body += [
            Paragraph(pdf.esc(_("Every signature")), styles["h2"]),
            pdf.table(
                header[1:2] + header[:1] + header[2:],
                every,
                [3, 3, 3],
                styles,
                pagesize=pdf.PORTRAIT,
            ),
        ]
    return body


def agreement_pdf(post_id: int, year: int, today: date) -> bytes:
    """The post's agreement of ``year`` (as stored, or as it would be generated) as a PDF.

    :raise NotFound: no such post, or a year outside 2000–2100.
    """
    data = agreement_data(post_id, year, today)
    content = data["content"]
    styles = pdf.styles()
    title = _("Safety responsibility agreement")
    meta = f"{_('Post')}: {content['post_title']} · {_('Unit')}: {content['unit_name']}"
    if content.get("superior_title"):
        meta += f" · {_('Superior post')}: {content['superior_title']}"
    story: list[Flowable] = [
        Paragraph(pdf.esc(f"{title} · {year}"), styles["title"]),
        Paragraph(pdf.esc(meta), styles["subtitle"]),
        Paragraph(
            pdf.esc(_("Printed on %(d)s", d=format_date(today, "yyyy-MM-dd"))), styles["muted"]
        ),
    ]
    if data["agreement"] is None:
        story.append(
            Paragraph(
                pdf.esc(
                    _("Not signed by anyone yet: the agreement is fixed at its first signature.")
                ),
                styles["muted"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    business = content.get("business_duties") or _("None recorded.")
    sections = (
        (_("1. Safety duties"), _duties(content, styles)),
        (_("2. Business duties"), [Paragraph(pdf.esc(business), styles["body"])]),
        (_("3. Targets for the year"), _targets(content, styles)),
        (_("4. Signatures"), _signatures(data, styles)),
    )
    for heading, body in sections:
        story += [Paragraph(pdf.esc(heading), styles["h2"]), *body]
    footer = f"{title} · {year} · {content['post_title']}"
    return pdf.build(story, title, footer, f"{year}", pagesize=pdf.PORTRAIT)
