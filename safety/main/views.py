from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from safety import clock
from safety.main import bp
from safety.services.org import posts_held_by


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """My work: what the signed-in person must act on."""
    from safety.extensions import db
    from safety.models import Post

    user = current_user._get_current_object()
    post_ids = posts_held_by(user, clock.today())
    posts = [db.session.get(Post, pid) for pid in post_ids]
    return render_template("main/index.html", posts=posts)
