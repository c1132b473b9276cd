"""Responsibility agreements (安全生产责任书): one per post per year.

An agreement is generated from the post's duties (of the three categories:
管行业、管业务、管生产经营) and the targets of its unit for the year, and is
frozen on its first signature. It is signed by the post's holder (each holder
signs their own, so a new holder signs too) and by a holder of the superior
post (contract §8).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from safety import permissions
from safety.extensions import db
from safety.models import AgreementSignature, Post, ResponsibilityAgreement, SafetyTarget, User
from safety.services import audit
from safety.services.db import insert_or_ignore
from safety.services.errors import Forbidden, NotFound, ValidationError
from safety.services.matrix.versions import live_items
from safety.services.org import holders_on
from safety.services.passwords import check_password
from safety.services.validation import load_or_404

HOLDER = "holder"
SUPERIOR = "superior"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _post_and_year(post_id: int, year: int) -> Post:
    post = load_or_404(Post, post_id, _("No such post."))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound(_("No agreement for that year."))
    return post


def agreement_content(post_id: int, year: int) -> dict[str, Any]:
    """What the agreement says: the post, its duties by category and its unit's targets."""
    post = _post_and_year(post_id, year)
    items = live_items([post.id])[post.id]
    duties = [i for i in items if i.get("section") == "safety"]
    business = next((i["text"] for i in items if i.get("section") == "business"), None)
    targets = db.session.scalars(
        sa.select(SafetyTarget)
        .where(SafetyTarget.unit_id == post.unit_id, SafetyTarget.year == year)
        .order_by(SafetyTarget.id)
    )
    superior = db.session.get(Post, post.superior_post_id) if post.superior_post_id else None
    return {
        "post_title": post.title,
        "unit_name": post.unit.name,
        "superior_post_id": superior.id if superior else None,
        "superior_title": superior.title if superior else None,
        "duties": duties,
        "business_duties": business,
        "targets": [
            {"title": t.title, "metric": t.metric, "target_value": t.target_value} for t in targets
        ],
    }


def _agreement(post_id: int, year: int) -> ResponsibilityAgreement | None:
    return db.session.scalar(
        sa.select(ResponsibilityAgreement).where(
            ResponsibilityAgreement.post_id == post_id, ResponsibilityAgreement.year == year
        )
    )


def may_sign_agreement(user: User | None, post: Post, today: date) -> bool:
    """A holder of the post or of its superior post today."""
    held = permissions.held_post_ids(user, today)
    return post.id in held or (post.superior_post_id is not None and post.superior_post_id in held)


def _signing_role(user: User, post: Post, today: date) -> str:
    held = permissions.held_post_ids(user, today)
    if post.id in held:
        return HOLDER
    if post.superior_post_id is not None and post.superior_post_id in held:
        return SUPERIOR
    raise Forbidden(_("Only a holder of this post or of its superior post may sign its agreement."))


def sign_agreement(
    user: User,
    post_id: int,
    year: int,
    *,
    password: str | None = None,
    now: datetime,
    today: date,
) -> AgreementSignature:
    """Sign the post's agreement of ``year``, freezing it on the first signature.

    Idempotent per person and role: signing again returns the first signature.

    :raise NotFound: no such post, or a year outside 2000–2100.
    :raise Forbidden: ``user`` holds neither the post nor its superior post today.
    :raise ValidationError: ``password`` (asked by the HTML form, 签字确认) is not the user's.
    """
    post = _post_and_year(post_id, year)
    role = _signing_role(user, post, today)
    if password is not None and not check_password(user.password_hash, password):
        raise ValidationError(
            {"password": _("The password is not right; the agreement was not signed.")}
        )
    values = {"post_id": post.id, "year": year}
    if insert_or_ignore(
        ResponsibilityAgreement,
        {**values, "content": agreement_content(post.id, year), "created_at": now},
        ["post_id", "year"],
    ):
        audit.record(user, "agreement.create", _agreement(post.id, year), values, now=now)
    agreement = _agreement(post.id, year)
    key = {"agreement_id": agreement.id, "user_id": user.id, "role": role}
    signed_as = post.id if role == HOLDER else post.superior_post_id
    if insert_or_ignore(
        AgreementSignature,
        {**key, "signed_as_post_id": signed_as, "at": now},
        ["agreement_id", "user_id", "role"],
    ):
        audit.record(user, "agreement.sign", agreement, {**values, "role": role}, now=now)
    signature = db.session.scalar(sa.select(AgreementSignature).filter_by(**key))
    db.session.commit()
    return signature


def agreement_data(post_id: int, year: int, today: date) -> dict[str, Any]:
    """The agreement as stored (or as it would be generated), its signatures and who signs."""
    post = _post_and_year(post_id, year)
    agreement = _agreement(post.id, year)
    content = agreement.content if agreement else agreement_content(post.id, year)
    signatures = (
        list(
            db.session.scalars(
                sa.select(AgreementSignature)
                .where(AgreementSignature.agreement_id == agreement.id)
                .order_by(AgreementSignature.at, AgreementSignature.id)
            )
        )
        if agreement
        else []
    )
    users = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_({s.user_id for s in signatures}))
        )
    }
    post_ids = [post.id] + ([post.superior_post_id] if post.superior_post_id else [])
    holders = holders_on(post_ids, today)

    def rows(pid: int | None, role: str) -> list[dict[str, Any]]:
        if pid is None:
            return []
        mine = {s.user_id: s for s in signatures if s.role == role}
        return [{"user": u, "signature": mine.get(u.id)} for u in holders.get(pid, [])]

    return {
        "post": post,
        "year": year,
        "agreement": agreement,
        "content": content,
        "signatures": [{"signature": s, "user": users.get(s.user_id)} for s in signatures],
        "holders": rows(post.id, HOLDER),
        "superiors": rows(post.superior_post_id, SUPERIOR),
    }
