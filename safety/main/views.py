"""The home page, "My work": what the signed-in person must act on today."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from safety import clock
from safety.hazards.views import row_for
from safety.main import bp
from safety.services import hazards as svc


@bp.route("/")
@login_required
def index() -> str:
    """Hazards to rectify, to verify, to assign, my overdue ones, counts for my units."""
    today = clock.today()
    work = svc.my_work(current_user._get_current_object(), today=today)

    def rows(items: list) -> list[dict]:
        return [row_for(h, work.holders.get(h.accountable_post_id, []), today) for h in items]

    return render_template(
        "main/index.html",
        to_rectify=rows(work.to_rectify),
        to_verify=rows(work.to_verify),
        to_assign=rows(work.to_assign),
        overdue=rows(work.overdue),
        counts=work.counts,
        all_units=work.unit_count == -1,
        unit_count=work.unit_count,
        statuses=svc.STATUS_LABELS,
        today=today,
    )
