"""PDF primitives (reportlab's platypus): the font, styles, tables and page layout.

The Chinese text is set in a TrueType font shipped in ``safety/static/fonts`` and
embedded (as the subset of glyphs used) in every file, so a PDF reads on a machine
without Chinese fonts. The monthly report, the report of a major hazard to the
authority and the responsibility agreement are all built from these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

#: WenQuanYi Micro Hei (Apache-2.0), a TrueType collection shipped with the app:
#: reportlab embeds the subset of glyphs used, so a reader needs no Chinese font.
FONT_FILE = Path(__file__).resolve().parents[1] / "static" / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "WenQuanYiMicroHei"
GRID = colors.HexColor("#999999")
HEAD_FILL = colors.HexColor("#EEF1F4")
LANDSCAPE = landscape(A4)
PORTRAIT = A4
MARGIN = 15 * mm

Styles = dict[str, ParagraphStyle]


def font() -> str:
    """The embedded font's name, registered with reportlab on first use."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME


def styles() -> Styles:
    """Paragraph styles in the embedded font: title, subtitle, h2, body, cell, muted."""
    name = font()
    body = ParagraphStyle("body", fontName=name, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=24),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, leading=14),
        "h2": ParagraphStyle(
            "h2", parent=body, fontSize=12, leading=16, spaceBefore=10, keepWithNext=1
        ),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.HexColor("#555555")),
    }


def esc(value: Any) -> str:
    """Text for a Paragraph, which reads a little markup: escape it, keep line breaks."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def note(text: str, styles: Styles) -> list[Flowable]:
    """A muted line of text (an explanation under a heading or a table)."""
    return [Paragraph(esc(text), styles["muted"])]


def table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float],
    styles: Styles,
    *,
    header_row: bool = True,
    pagesize: tuple[float, float] = LANDSCAPE,
) -> Table:
    """A boxed table whose cells wrap; the header row repeats on every page it spans.

    ``widths`` are relative: the table fills the width between the margins.
    """
    cell = styles["cell"]
    data = [[Paragraph(esc(v), cell) for v in row] for row in rows]
    if header_row:
        data.insert(0, [Paragraph(esc(v), cell) for v in header])
    total = sum(widths)
    available = pagesize[0] - 2 * MARGIN
    result = Table(
        data,
        colWidths=[w * available / total for w in widths],
        repeatRows=1 if header_row else 0,
        hAlign="LEFT",
    )
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font()),  # a table's own default is Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header_row:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    result.setStyle(TableStyle(commands))
    return result


def signature_lines(
    rows: Sequence[Sequence[Any]], styles: Styles, *, pagesize: tuple[float, float] = LANDSCAPE
) -> list[Flowable]:
    """A block of ``(label, value, label, value)`` rows, the values on a line to sign on."""
    widths = [70 * mm, 80 * mm, 20 * mm, 50 * mm]
    shrink = min(1.0, (pagesize[0] - 2 * MARGIN) / sum(widths))
    block = Table(
        [[Paragraph(esc(v), styles["body"]) for v in row] for row in rows],
        colWidths=[w * shrink for w in widths],
        rowHeights=[12 * mm] * len(rows),
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                ("LINEBELOW", (3, 0), (3, -1), 0.5, colors.black),
            ]
        ),
    )
    return [Spacer(1, 10 * mm), KeepTogether(block)]


def build(
    story: list[Flowable],
    title: str,
    footer: str,
    key: str,
    *,
    pagesize: tuple[float, float] = LANDSCAPE,
) -> bytes:
    """Lay ``story`` out on A4 pages (landscape unless told) with a footer and page numbers."""
    name = font()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(name, 8)
        canvas.drawString(doc.leftMargin, 8 * mm, footer)
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin, 8 * mm, _("Page %(page)d", page=doc.page)
        )
        canvas.restoreState()

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{title} {key}",
        author="safety",
        initialFontName=name,  # else Helvetica, a font the file would not embed
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
