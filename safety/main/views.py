"""The home page, "My work": what the signed-in person must act on today."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from safety import clock
from safety.hazards.views import row_for
from safety.main import bp
from safety.services import hazards as svc
from safety.services import home


@bp.route("/")
@login_required
def index() -> str:
    """Lists to sign, plans due, hazards to act on, rejected fixes, recent inspections."""
    today = clock.today()
    work = home.my_work(current_user._get_current_object(), today=today)
    hazards = work.hazards

    def rows(items: list) -> list[dict]:
        return [row_for(h, hazards.holders.get(h.accountable_post_id, []), today) for h in items]

    return render_template(
        "main/index.html",
        work=work,
        to_rectify=rows(hazards.to_rectify),
        to_verify=rows(hazards.to_verify),
        to_assign=rows(hazards.to_assign),
        overdue=rows(hazards.overdue),
        rejected=[(row_for(r.hazard, [], today), r.reason) for r in work.rejected],
        extension_requests=rows(work.extension_requests),
        counts=hazards.counts,
        all_units=hazards.unit_count == -1,
        unit_count=hazards.unit_count,
        statuses=svc.STATUS_LABELS,
        today=today,
    )
