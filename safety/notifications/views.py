"""Notifications: my digests, my calendar feed, the outbox (admins), reminder logs.

Views stay thin: they read through the services and call them for changes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from safety import clock, permissions
from safety.forms import EmptyForm
from safety.models import EmailStatus, Hazard, OutboxEmail, User
from safety.notifications import bp
from safety.notifications.forms import TestEmailForm
from safety.services import calendar, events, outbox, reminders
from safety.services.db import get_or_404
from safety.services.errors import Conflict, ValidationError

PAGE_SIZE = 100


def _me() -> User:
    return current_user._get_current_object()


def _require_admin() -> User:
    user = _me()
    if not permissions.is_admin(user):
        abort(403)
    return user


def _labels() -> dict[str, Any]:
    """Translated labels the templates show for stored codes."""
    return {
        "reasons": {r: reminders.reason_label(r) for r in reminders.ALL_REASONS},
        "kinds": {
            "overdue": _("overdue"),
            "due_soon": _("due soon"),
            "unsigned": _("responsibility list not signed"),
            "inspection_due": _("inspection due"),
            "control_check": _("control check due"),
            **reminders.kind_labels(),
        },
        "statuses": {
            "queued": _("queued"),
            "sent": _("sent"),
            "failed": _("failed"),
            "cancelled": _("cancelled"),
            None: _("not emailed"),
        },
    }


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """My notifications: what my recent digests said, and my calendar feed."""
    user = _me()
    feed_url = (
        url_for("notifications.calendar_feed", token=user.calendar_token, _external=True)
        if user.calendar_token
        else None
    )
    return render_template(
        "notifications/index.html",
        notices=events.my_notices(user),
        digests=reminders.my_digests(user),
        feed_url=feed_url,
        form=EmptyForm(),
        labels=_labels(),
        days_text=reminders.days_text,
        is_admin_user=permissions.is_admin(user),
    )


@bp.route("/notices/read", methods=["POST"])
@login_required
def notices_read():  # noqa: ANN201
    if EmptyForm().validate_on_submit():
        events.mark_notices_read(_me(), now=clock.now())
    return redirect(url_for("notifications.index"))


@bp.route("/calendar", methods=["POST"])
@login_required
def calendar_create():  # noqa: ANN201
    if EmptyForm().validate_on_submit():
        calendar.create_calendar_token(_me(), now=clock.now())
        flash(_("Your calendar address is ready. Any previous address no longer works."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
def calendar_revoke():  # noqa: ANN201
    if EmptyForm().validate_on_submit():
        calendar.revoke_calendar_token(_me(), now=clock.now())
        flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    """The private feed: no session (calendar apps cannot sign in), the token is the key."""
    user = calendar.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = calendar.build_calendar(user, today=clock.today(), now=clock.now())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="safety.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/outbox")
@login_required
def outbox_index():  # noqa: ANN201
    """Admins: every email with its status, attempts and last error; warnings."""
    _require_admin()
    status = request.args.get("status") or None
    if status not in (None, *(s.value for s in EmailStatus)):
        abort(404)
    before = request.args.get("before", type=int)
    emails, counts = outbox.outbox_page(status, before, PAGE_SIZE)
    older = emails[PAGE_SIZE - 1].id if len(emails) > PAGE_SIZE else None
    return render_template(
        "notifications/outbox.html",
        emails=emails[:PAGE_SIZE],
        older=older,
        status=status,
        counts=counts,
        without_email=reminders.digests_without_email(clock.today() - timedelta(days=14)),
        form=EmptyForm(),
        test_form=TestEmailForm(),
        labels=_labels(),
    )


@bp.route("/outbox/<int:email_id>/retry", methods=["POST"])
@login_required
def outbox_retry(email_id: int):  # noqa: ANN201
    admin = _require_admin()
    email = get_or_404(OutboxEmail, email_id)
    if EmptyForm().validate_on_submit():
        now = clock.now()
        try:
            outbox.retry_email(admin, email, now=now)
        except Conflict as error:
            flash(error.message, "error")
        else:
            outbox.flush_outbox(now=now, ignore_backoff=True, only_ids=[email.id])
            email = get_or_404(OutboxEmail, email_id)
            _flash_outcome(email)
    return redirect(url_for("notifications.outbox_index", status=request.args.get("status")))


@bp.route("/outbox/retry-failed", methods=["POST"])
@login_required
def outbox_retry_failed():  # noqa: ANN201
    """Admins: every failed email queued again, then one flush."""
    admin = _require_admin()
    if EmptyForm().validate_on_submit():
        now = clock.now()
        count = outbox.retry_failed_emails(admin, now=now)
        result = outbox.flush_outbox(now=now, ignore_backoff=True)
        flash(
            _(
                "%(count)d failed emails queued again: %(sent)d sent, %(deferred)d will retry.",
                count=count,
                sent=result.sent,
                deferred=result.deferred,
            ),
            "success",
        )
    return redirect(url_for("notifications.outbox_index"))


@bp.route("/outbox/test", methods=["POST"])
@login_required
def outbox_test():  # noqa: ANN201
    admin = _require_admin()
    form = TestEmailForm()
    if form.validate_on_submit():
        try:
            email = outbox.send_test_email(admin, form.to.data, now=clock.now())
        except ValidationError as error:
            for messages in error.fields.values():
                for message in messages:
                    flash(message, "error")
        else:
            _flash_outcome(email)
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("notifications.outbox_index"))


def _flash_outcome(email: OutboxEmail) -> None:
    if email.status == EmailStatus.SENT:
        flash(_("Email sent to %(to)s.", to=email.to_addr), "success")
    elif email.status == EmailStatus.FAILED:
        flash(_("The mail server refused the email: %(error)s", error=email.last_error), "error")
    else:
        flash(
            _("Not delivered yet, will retry: %(error)s", error=email.last_error or ""),
            "error",
        )


@bp.route("/hazards/<int:hazard_id>")
@login_required
def hazard_log(hazard_id: int):  # noqa: ANN201
    """Who was told about a hazard on which days: the record accountability rests on."""
    hazard = get_or_404(Hazard, hazard_id)
    return render_template(
        "notifications/hazard_log.html",
        hazard=hazard,
        reminder_log=reminders.hazard_reminder_log(hazard.id),
        labels=_labels(),
        days_text=reminders.days_text,
    )
