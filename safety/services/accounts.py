"""Signing in, API tokens, and what people change about their own account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from safety.extensions import db
from safety.models import ApiToken, Locale, User
from safety.services import audit, throttling
from safety.services.errors import AuthenticationFailed, ValidationError
from safety.services.org import validate_new_password
from safety.services.passwords import check_password, hash_password


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


def authenticate(email: str, password: str, *, now: datetime, address: str | None = None) -> User:
    """Check credentials, throttled per account and per ``address`` (the client's IP).

    :raise Throttled: (429) while a wait from earlier failures runs; the
        password is then neither checked nor counted.
    :raise AuthenticationFailed: with one message whether or not the email
        exists.
    """
    throttling.check(email, address, now=now)
    user = find_user_by_email(email)
    password_ok = check_password(user.password_hash if user else None, password or "")
    if user is None or not password_ok:
        throttling.record_failure(email, address, now=now)
        db.session.commit()
        raise AuthenticationFailed(_("Wrong email or password."))
    throttling.record_success(email)
    db.session.commit()
    if not user.active:
        raise AuthenticationFailed(_("This account is deactivated."))
    return user


def rotate_session(user: User) -> None:
    """Invalidate every session of ``user`` (sign-out, password change)."""
    user.session_nonce = secrets.token_hex(16)
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: "<id>:<nonce>" must match the current nonce."""
    user_id, _sep, nonce = (session_id or "").partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def change_password(user: User, *, current_password: str, new_password: str, now: datetime) -> None:
    """:raise ValidationError: wrong current password or a weak new one."""
    errors: dict[str, str] = {}
    if not check_password(user.password_hash, current_password or ""):
        errors["current_password"] = _("The current password is wrong.")
    validate_new_password(errors, "new_password", new_password)
    if errors:
        raise ValidationError(errors)
    user.password_hash = hash_password(new_password)
    user.session_nonce = secrets.token_hex(16)
    revoke_all_tokens(user, now=now)
    audit.record(user, "user.password_change", user, {}, now=now)
    db.session.commit()


def set_locale(user: User, locale: str, *, now: datetime) -> None:
    try:
        value = Locale(locale)
    except ValueError:
        raise ValidationError({"locale": _("Unknown language.")}) from None
    changes = audit.diff(user, {"locale": value})
    if changes:
        audit.record(user, "user.locale", user, changes, now=now)
    db.session.commit()


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    email: str, password: str, *, now: datetime, address: str | None = None
) -> tuple[str, datetime]:
    """Sign in and return a new bearer token and its expiry."""
    user = authenticate(email, password, now=now, address=address)
    raw = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=int(current_app.config["API_TOKEN_LIFETIME"]))
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(raw), expires_at=expires_at))
    db.session.commit()
    return raw, expires_at


def revoke_all_tokens(user: User, *, now: datetime) -> None:
    """End every API token of ``user`` (deactivation, password change; no commit).

    Revoked stays revoked: reactivating the person brings none back.
    """
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_token(raw: str, *, now: datetime) -> bool:
    """End the token ``raw`` (signing out of the API); False when it names none."""
    done = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _token_hash(raw or ""), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    return done is not None


def user_for_token(raw: str, *, now: datetime) -> User | None:
    """The active user a bearer token names, or None when unknown/expired/revoked."""
    if not raw:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    return user if user.active else None
