"""Pictures people look at: the four-colour map, the 风险公告栏, the 岗位风险告知卡."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from safety import clock, permissions
from safety.models import Post, Unit
from safety.risks import bp
from safety.risks.forms import ImportForm
from safety.risks.views import _get, _labels, _user
from safety.services import qrcodes, risks_excel, risks_pages
from safety.services.errors import Forbidden, ValidationError


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


@bp.route("/units/<int:unit_id>/export.xlsx")
def export(unit_id: int) -> Response:
    """风险分级管控清单 of the unit and the units below it, as Excel."""
    unit = _get(Unit, unit_id)
    out = io.BytesIO()
    risks_excel.write_register(unit, out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=risks_excel.today_name(unit, clock.today()),
    )


@bp.route("/units/<int:unit_id>/import", methods=["GET", "POST"])
def import_sheet(unit_id: int) -> Any:
    """Import a 风险分级管控清单 (the exported layout), all or nothing, with row errors."""
    unit = _get(Unit, unit_id)
    if not permissions.can_edit_risk_register(_user(), unit.id, clock.today()):
        abort(403)
    form = ImportForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = request.files.get(form.file.name)
            try:
                counts = risks_excel.import_register(
                    _user(), upload.read() if upload else b"", now=clock.now()
                )
            except ValidationError as error:
                errors, status = error.fields, 422
            except Forbidden as error:
                errors, status = {"file": [error.message]}, 403
            else:
                flash(
                    _(
                        "Imported: %(points)d risk points, %(risks)d risks, "
                        "%(assessments)d assessments, %(controls)d controls.",
                        **counts,
                    ),
                    "success",
                )
                return redirect(url_for("risks.unit", unit_id=unit.id))
        else:
            flash(_("The form expired; please send it again."), "error")
            status = 422
    return render_template(
        "risks/import.html", unit=unit, form=form, errors=errors, **_labels()
    ), status
