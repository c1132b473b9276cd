"""Sign-in, sign-out, password and language."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from safety import clock
from safety.auth import bp
from safety.auth.forms import LanguageForm, LoginForm, PasswordForm
from safety.forms import apply_service_errors, is_safe_next
from safety.services import accounts
from safety.services.errors import AuthenticationFailed, ValidationError
from safety.services.throttling import Throttled


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.email.data, form.password.data, now=clock.now(), address=request.remote_addr
            )
        except Throttled as error:
            form.password.errors = [error.message]
            page = render_template("auth/login.html", form=form, language_form=LanguageForm())
            return page, 429, {"Retry-After": str(error.retry_after)}
        except AuthenticationFailed as error:
            form.password.errors = [error.message]
        else:
            session.clear()  # a fresh session at sign-in (no fixation)
            login_user(user)
            session.permanent = True
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form, language_form=LanguageForm())


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # noqa: ANN201
    accounts.rotate_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():  # noqa: ANN201
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            accounts.set_locale(
                current_user._get_current_object(), form.locale.data, now=clock.now()
            )
        else:
            session["locale"] = form.locale.data
    target = form.next.data or request.referrer
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():  # noqa: ANN201
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user._get_current_object(),
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                now=clock.now(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your password has changed. Please sign in again."), "info")
            return redirect(url_for("auth.login"))
    return render_template(
        "auth/account.html", form=form, language_form=LanguageForm(locale=current_user.locale.value)
    )
