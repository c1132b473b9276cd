"""Units, posts, people and post holdings."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import permissions
from safety.extensions import db
from safety.models import Locale, Post, PostHolder, PostLevel, Unit, User
from safety.models.queries import (  # noqa: F401  (re-exported for the services)
    holding_filter,
    unit_ancestor_ids,
    unit_subtree_ids,
)
from safety.services import audit
from safety.services.db import exists, get_or_404
from safety.services.errors import Forbidden, ValidationError
from safety.services.passwords import MIN_PASSWORD_LENGTH, hash_password
from safety.services.validation import choice as _enum
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref


def require_admin(actor: User | None) -> None:
    """:raise Forbidden: unless ``actor`` is an admin."""
    if not permissions.is_admin(actor):
        raise Forbidden(_("Only administrators may change the organisation."))


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _require_text(errors: dict[str, str], field: str, value: str | None, max_len: int) -> str:
    text = _clean(value)
    if not text:
        errors[field] = _("This field is required.")
    elif len(text) > max_len:
        errors[field] = _("At most %(n)d characters.", n=max_len)
    return text


# --- units -------------------------------------------------------------------


def create_unit(
    actor: User | None, *, name: str, code: str, parent_id: int | None = None, now: datetime
) -> Unit:
    require_admin(actor)
    errors: dict[str, str] = {}
    name = _require_text(errors, "name", name, 200)
    code = _require_text(errors, "code", code, 64)
    parent = _ref(errors, "parent_id", Unit, parent_id)
    if code and "code" not in errors and exists(sa.select(Unit.id).where(Unit.code == code)):
        errors["code"] = _("The code %(code)s is already in use.", code=code)
    _raise(errors)
    unit = Unit(name=name, code=code, parent_id=parent.id if parent else None)
    db.session.add(unit)
    audit.record(actor, "unit.create", unit, {"name": name, "code": code}, now=now)
    db.session.commit()
    return unit


def update_unit(
    actor: User | None,
    unit: Unit,
    *,
    name: str,
    code: str,
    parent_id: int | None,
    now: datetime,
) -> Unit:
    """:raise ValidationError: also when the new parent would make a cycle."""
    require_admin(actor)
    errors: dict[str, str] = {}
    name = _require_text(errors, "name", name, 200)
    code = _require_text(errors, "code", code, 64)
    parent = _ref(errors, "parent_id", Unit, parent_id)
    if (
        code
        and "code" not in errors
        and exists(sa.select(Unit.id).where(Unit.code == code, Unit.id != unit.id))
    ):
        errors["code"] = _("The code %(code)s is already in use.", code=code)
    if parent is not None and unit.id in unit_ancestor_ids(parent.id):
        errors["parent_id"] = _("A unit cannot be placed below itself.")
    _raise(errors)
    changes = audit.diff(
        unit, {"name": name, "code": code, "parent_id": parent.id if parent else None}
    )
    if changes:
        audit.record(actor, "unit.update", unit, changes, now=now)
    db.session.commit()
    return unit


# --- posts -------------------------------------------------------------------


def superior_chain(post: Post) -> list[Post]:
    """The post's superiors, nearest first (stops at a cycle, which is refused anyway)."""
    chain: list[Post] = []
    current = post.superior
    while current is not None and current not in chain and current is not post:
        chain.append(current)
        current = current.superior
    return chain


def _post_fields(
    errors: dict[str, str],
    title: str,
    unit_id: Any,
    superior_post_id: Any,
    level: Any,
) -> dict[str, Any]:
    title = _require_text(errors, "title", title, 200)
    unit = _ref(errors, "unit_id", Unit, unit_id)
    if unit is None and "unit_id" not in errors:
        errors["unit_id"] = _("This field is required.")
    superior = _ref(errors, "superior_post_id", Post, superior_post_id)
    level_value = _enum(errors, "level", PostLevel, level)
    return {
        "title": title,
        "unit_id": unit.id if unit else None,
        "superior_post_id": superior.id if superior else None,
        "level": level_value,
    }


def _party(errors: dict[str, str], value: Any) -> bool:
    if isinstance(value, bool):
        return value
    errors["party"] = _("Choose yes or no.")
    return False


def create_post(
    actor: User | None,
    *,
    title: str,
    unit_id: int,
    level: str,
    superior_post_id: int | None = None,
    business_duties: str | None = None,
    party: Any = False,
    now: datetime,
) -> Post:
    """``party`` marks a 党组织 post (党政同责)."""
    require_admin(actor)
    errors: dict[str, str] = {}
    values = _post_fields(errors, title, unit_id, superior_post_id, level)
    values["party"] = _party(errors, party)
    _raise(errors)
    post = Post(**values, business_duties=_clean(business_duties) or None)
    db.session.add(post)
    audit.record(actor, "post.create", post, values, now=now)
    db.session.commit()
    return post


def update_post(
    actor: User | None,
    post: Post,
    *,
    title: str,
    unit_id: int,
    level: str,
    superior_post_id: int | None,
    business_duties: str | None = None,
    party: Any = None,
    now: datetime,
) -> Post:
    """:raise ValidationError: also when the superior chain would loop back.

    ``party`` None keeps the post's party flag as it is.
    """
    require_admin(actor)
    errors: dict[str, str] = {}
    values = _post_fields(errors, title, unit_id, superior_post_id, level)
    values["party"] = post.party if party is None else _party(errors, party)
    sup_id = values["superior_post_id"]
    if sup_id is not None:
        superiors = dict(db.session.execute(sa.select(Post.id, Post.superior_post_id)).all())
        seen: set[int] = set()
        current: int | None = sup_id
        while current is not None and current not in seen:
            if current == post.id:
                errors["superior_post_id"] = _(
                    "A post cannot be its own superior, even indirectly."
                )
                break
            seen.add(current)
            current = superiors.get(current)
    _raise(errors)
    values["business_duties"] = _clean(business_duties) or None
    changes = audit.diff(post, values)
    if changes:
        audit.record(actor, "post.update", post, changes, now=now)
    db.session.commit()
    return post


# --- people ------------------------------------------------------------------


def _valid_email(errors: dict[str, str], email: str | None) -> str:
    from email_validator import EmailNotValidError, validate_email

    text = _clean(email).lower()
    if not text:
        errors["email"] = _("This field is required.")
        return text
    try:
        text = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = _("Not a valid email address.")
    return text


def validate_new_password(errors: dict[str, str], field: str, password: str | None) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = _("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    locale: str | None = None,
    is_admin: bool = False,
    now: datetime,
    bootstrap: bool = False,
) -> User:
    """Create a login. ``bootstrap`` (CLI only) skips the admin check."""
    if not bootstrap:
        require_admin(actor)
    errors: dict[str, str] = {}
    email = _valid_email(errors, email)
    name = _require_text(errors, "name", name, 200)
    validate_new_password(errors, "password", password)
    locale_value = _enum(errors, "locale", Locale, locale or Locale.ZH_CN.value)
    if "email" not in errors and exists(sa.select(User.id).where(User.email == email)):
        errors["email"] = _("The email %(email)s is already in use.", email=email)
    _raise(errors)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        locale=locale_value,
        is_admin=bool(is_admin),
        active=True,
        session_nonce=secrets.token_hex(16),
    )
    db.session.add(user)
    audit.record(
        actor,
        "user.create",
        user,
        {"email": email, "name": name, "is_admin": bool(is_admin)},
        now=now,
    )
    db.session.commit()
    return user


def update_user(
    actor: User | None,
    user: User,
    *,
    name: str,
    email: str,
    locale: str,
    is_admin: bool,
    now: datetime,
) -> User:
    require_admin(actor)
    errors: dict[str, str] = {}
    email = _valid_email(errors, email)
    name = _require_text(errors, "name", name, 200)
    locale_value = _enum(errors, "locale", Locale, locale)
    if "email" not in errors and exists(
        sa.select(User.id).where(User.email == email, User.id != user.id)
    ):
        errors["email"] = _("The email %(email)s is already in use.", email=email)
    if actor is not None and actor.id == user.id and not is_admin:
        errors["is_admin"] = _("You cannot remove your own administrator rights.")
    _raise(errors)
    changes = audit.diff(
        user, {"name": name, "email": email, "locale": locale_value, "is_admin": bool(is_admin)}
    )
    if changes:
        audit.record(actor, "user.update", user, changes, now=now)
    db.session.commit()
    return user


def deactivate_user(actor: User | None, user: User, *, today: date, now: datetime) -> User:
    """From ``today`` the person cannot sign in and holds no post.

    Their open holdings end yesterday (history is kept); their sessions and
    API tokens end (reactivation brings none back).
    """
    require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise ValidationError({"user": _("You cannot deactivate yourself.")})
    user.active = False
    user.deactivated_on = today
    user.session_nonce = secrets.token_hex(16)
    from safety.services.accounts import revoke_all_tokens  # (accounts imports org)

    revoke_all_tokens(user, now=now)
    ended = end_open_holdings(user, today - timedelta(days=1))
    audit.record(actor, "user.deactivate", user, {"on": today, "holdings_ended": ended}, now=now)
    db.session.commit()
    return user


def reactivate_user(actor: User | None, user: User, *, now: datetime) -> User:
    require_admin(actor)
    user.active = True
    user.deactivated_on = None
    audit.record(actor, "user.reactivate", user, {}, now=now)
    db.session.commit()
    return user


def end_open_holdings(user: User, last_day: date) -> list[int]:
    """Close every holding of ``user`` still running after ``last_day`` (no commit).

    Holdings that start after ``last_day`` are left as they are: ending them
    would need an end before their start. They give nothing while the person
    is deactivated (holders are always filtered on ``User.active``).
    """
    holdings = db.session.scalars(
        sa.select(PostHolder).where(
            PostHolder.user_id == user.id,
            PostHolder.start_date <= last_day,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date > last_day),
        )
    ).all()
    for holding in holdings:
        holding.end_date = last_day
    return [h.id for h in holdings]


# --- holdings ----------------------------------------------------------------


def assign_holder(
    actor: User | None,
    *,
    post_id: int,
    user_id: Any,
    start_date: date | None,
    end_date: date | None = None,
    now: datetime,
) -> PostHolder:
    """Record that a person holds a post over [start_date, end_date]."""
    require_admin(actor)
    post = get_or_404(Post, post_id)
    errors: dict[str, str] = {}
    user = _ref(errors, "user_id", User, user_id)
    if user is None and "user_id" not in errors:
        errors["user_id"] = _("This field is required.")
    if start_date is None:
        errors["start_date"] = _("This field is required.")
    elif end_date is not None and end_date < start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    if user is not None and not user.active:
        errors["user_id"] = _("%(name)s is deactivated.", name=user.name)
    if user is not None and start_date is not None and "end_date" not in errors:
        overlap = sa.select(PostHolder.id).where(
            PostHolder.post_id == post.id,
            PostHolder.user_id == user.id,
            sa.or_(PostHolder.end_date.is_(None), PostHolder.end_date >= start_date),
        )
        if end_date is not None:
            overlap = overlap.where(PostHolder.start_date <= end_date)
        if exists(overlap):
            errors["start_date"] = _(
                "%(name)s already holds this post in that period.", name=user.name
            )
    _raise(errors)
    holding = PostHolder(post_id=post.id, user_id=user.id, start_date=start_date, end_date=end_date)
    db.session.add(holding)
    audit.record(
        actor,
        "holder.assign",
        holding,
        {"post_id": post.id, "user_id": user.id, "start_date": start_date, "end_date": end_date},
        now=now,
    )
    db.session.commit()
    return holding


def end_holding(actor: User | None, holding: PostHolder, *, end_date: date, now: datetime) -> None:
    require_admin(actor)
    if end_date < holding.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    changes = audit.diff(holding, {"end_date": end_date})
    if changes:
        audit.record(actor, "holder.end", holding, changes, now=now)
    db.session.commit()


def holders_on(post_ids: Iterable[int], on: date) -> dict[int, list[User]]:
    """Active people holding each post on ``on``: ``{post_id: [User, ...]}``."""
    ids = list(post_ids)
    result: dict[int, list[User]] = {pid: [] for pid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(PostHolder.post_id, User)
        .join(User, User.id == PostHolder.user_id)
        .where(PostHolder.post_id.in_(ids), holding_filter(on), User.active.is_(True))
        .order_by(PostHolder.post_id, User.name)
    ).all()
    for post_id, user in rows:
        result[post_id].append(user)
    return result


def posts_held_by(user: User, on: date) -> list[int]:
    """Ids of the posts ``user`` holds on ``on``."""
    if not user.active:
        return []
    return list(
        db.session.scalars(
            sa.select(PostHolder.post_id).where(PostHolder.user_id == user.id, holding_filter(on))
        )
    )
