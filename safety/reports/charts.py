"""Small server-side SVG charts: no JavaScript, no CDN, printable.

Colours come from classes in ``reports.css`` (CSP forbids inline styles);
every chart carries a ``<title>``/``<desc>`` and sits next to a table of the
same numbers, so nothing depends on seeing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str | None = None
    #: Shown at the bar's end instead of the number (e.g. "85%").
    text: str | None = None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _link(href: str | None, body: str, label: str) -> str:
    """``body`` as a link named ``label`` (the link is a control of its own)."""
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{body}</a>' if href else body


def _open(chart_id: str, width: int, height: int, title: str, linked: bool) -> list[str]:
    """The ``<svg>`` start: an image when it is a picture only, a labelled group when
    it holds links (an image's children are hidden, so links inside one would be
    unreachable: axe's ``nested-interactive``)."""
    role = "group" if linked else "img"
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="{role}" '
        f'viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(chart_id)}-t" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
    ]


def bar_chart(
    bars: Sequence[Bar], *, title: str, chart_id: str, series: int = 0, width: int = 520
) -> Markup:
    """Horizontal bars, one per item; each bar links to the list behind it."""
    row, label_w, pad = 26, 170, 8
    height = max(1, len(bars)) * row + 2 * pad
    top = max((b.value for b in bars), default=0) or 1
    plot = width - label_w - 60
    parts = _open(chart_id, width, height, title, any(b.href for b in bars))
    for i, bar in enumerate(bars):
        y = pad + i * row
        w = 0 if bar.value <= 0 else max(2, round(plot * bar.value / top))
        text = bar.text if bar.text is not None else _fmt(bar.value)
        body = (
            f'<text class="chart-label" x="{label_w - 6}" y="{y + 17}" text-anchor="end">'
            f"{escape(bar.label[:24])}</text>"
            f'<rect class="chart-s{series}" x="{label_w}" y="{y + 4}" '
            f'width="{w}" height="{row - 8}">'
            f"<title>{escape(bar.label)}: {escape(text)}</title></rect>"
            f'<text class="chart-value" x="{label_w + w + 6}" y="{y + 17}">{escape(text)}</text>'
        )
        parts.append(_link(bar.href, body, f"{bar.label}: {text}"))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], Sequence[str | None]]],
    *,
    title: str,
    chart_id: str,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """One polyline per series (name, values, link per point) over shared x labels."""
    left, right, top_pad, bottom = 40, 12, 12, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max((v for _n, values, _h in series for v in values), default=0) or 1
    step = plot_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        return round(top_pad + plot_h - plot_h * v / peak, 1)

    linked = any(h for _n, _v, hrefs in series for h in hrefs)
    parts = [
        *_open(chart_id, width, height, title, linked),
        f'<line class="chart-axis" x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}"/>',
        f'<text class="chart-value" x="{left - 6}" y="{top_pad + 8}" text-anchor="end">'
        f"{_fmt(peak)}</text>",
        f'<text class="chart-value" x="{left - 6}" y="{top_pad + plot_h}" '
        f'text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        parts.append(
            f'<text class="chart-label" x="{x(i)}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for s, (name, values, hrefs) in enumerate(series):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        parts.append(f'<polyline class="chart-line chart-s{s}" points="{points}"/>')
        for i, v in enumerate(values):
            dot = (
                f'<circle class="chart-s{s}" cx="{x(i)}" cy="{y(v)}" r="4">'
                f"<title>{escape(name)} {escape(labels[i])}: {_fmt(v)}</title></circle>"
            )
            label = f"{name} {labels[i]}: {_fmt(v)}"
            parts.append(_link(hrefs[i] if i < len(hrefs) else None, dot, label))
        lx = left + s * 150
        parts.append(
            f'<rect class="chart-s{s}" x="{lx}" y="{height - 18}" width="12" height="12"/>'
            f'<text class="chart-label" x="{lx + 16}" y="{height - 8}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
