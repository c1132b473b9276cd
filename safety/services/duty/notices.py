"""Emails of the assessment: the person hears when their scorecard is assessed
(with a link to confirm or dispute it); the deciders hear of a dispute.

Queued in the caller's transaction, delivered by the next outbox flush, each
in its recipient's language.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from safety import clock, permissions
from safety.extensions import db
from safety.models import Assessment, User
from safety.services.duty.rules import grade_label
from safety.services.org import holders_on
from safety.services.outbox import queue_email, render_email


def _link(row: Assessment) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/duty/assessments/{row.id}"


def _send(users: list[User], row: Assessment, kind: str, subject_of, now: datetime) -> None:
    for user in users:
        if not user.email or not user.active:
            continue
        with force_locale(user.locale.value):
            context = {
                "row": row,
                "link": _link(row),
                "recipient": user,
                "grade": grade_label(row.grade),
                "kind": kind,
            }
            queue_email(
                kind=f"duty_{kind}",
                to_addr=user.email,
                to_user_id=user.id,
                subject=subject_of(),
                text_body=render_email("email/duty.txt", context),
                html_body=render_email("email/duty.html", context),
                now=now,
                dedupe_key=f"duty:{kind}:{row.id}:{row.version}:{user.id}",
            )


def tell_assessed(row: Assessment, *, now: datetime) -> None:
    def subject() -> str:
        return _(
            "Your safety scorecard for %(period)s: %(total)s (%(grade)s)",
            period=row.period,
            total=f"{row.total:g}",
            grade=grade_label(row.grade),
        )

    _send([row.user], row, "assessed", subject, now)


def tell_disputed(row: Assessment, *, now: datetime) -> None:
    post_ids = permissions.assessor_post_ids(row.post, disputed=True)
    today = clock.local_date(now)
    users = [u for ids in holders_on(post_ids, today).values() for u in ids]
    if not users:
        users = list(
            db.session.scalars(
                sa.select(User).where(User.is_admin.is_(True), User.active.is_(True))
            )
        )

    def subject() -> str:
        return _(
            "%(name)s disputes the safety scorecard for %(period)s",
            name=row.user.name,
            period=row.period,
        )

    _send(users, row, "disputed", subject, now)
