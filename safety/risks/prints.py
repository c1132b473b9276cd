"""Pictures people look at: the four-colour map, the 风险公告栏, the 岗位风险告知卡."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from markupsafe import Markup

from safety import clock
from safety.models import Post, Unit
from safety.risks import bp
from safety.risks.views import _get, _labels
from safety.services import qrcodes, risks_pages


@bp.route("/units/<int:unit_id>/map")
def map(unit_id: int) -> str:  # noqa: A001
    """四色分布图: each risk point coloured by its highest risk; open hazards marked."""
    unit = _get(Unit, unit_id)
    bands, width, height = risks_pages.unit_map(unit)
    return render_template(
        "risks/map.html", unit=unit, bands=bands, width=width, height=height, **_labels()
    )


@bp.route("/units/<int:unit_id>/board")
def board(unit_id: int) -> str:
    """风险公告栏: every risk of the unit, highest first, with controls and owners (printable)."""
    unit = _get(Unit, unit_id)
    today = clock.today()
    return render_template(
        "risks/board.html",
        unit=unit,
        lines=risks_pages.unit_board(unit, today),
        today=today,
        **_labels(),
    )


def post_page_url(post: Post) -> str:
    """The absolute link a card's QR code holds (BASE_URL, so printed cards keep working)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("risks.post", post_id=post.id)


@bp.route("/posts/<int:post_id>/card")
def card(post_id: int) -> str:
    """岗位风险告知卡: a post's risks, controls and emergency measures; A4 with a QR code."""
    post = _get(Post, post_id)
    today = clock.today()
    link = post_page_url(post)
    svg = qrcodes.qr_svg(link, scale=0.8).decode()
    return render_template(
        "risks/card.html",
        post=post,
        lines=risks_pages.post_card(post, today),
        qr=Markup(svg),  # noqa: S704  (segno's own SVG, no user input inside but the URL)
        link=link,
        today=today,
        **_labels(),
    )
