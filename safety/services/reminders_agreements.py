"""Responsibility agreements (安全生产责任书) waiting for a signature join the digest.

An agreement of the current year exists from its first signature (contract
§8). Each current holder of its post who has not signed it hears (``holder``),
and so do the holders of the superior post while no holder of it has
countersigned (``countersign``). A new holder signs their own.
"""

from __future__ import annotations

import sqlalchemy as sa

from safety.extensions import db
from safety.models import AgreementSignature, Post, ResponsibilityAgreement
from safety.services.reminders_plan import Facts, Item, Tally

HOLDER = "holder"
SUPERIOR = "superior"


def add_unsigned_agreements(facts: Facts, tally: Tally) -> None:
    """Tell who must still sign an agreement of this year (two queries)."""
    year = facts.today.year
    agreements = db.session.execute(
        sa.select(ResponsibilityAgreement.id, Post.id, Post.superior_post_id, Post.title)
        .join(Post, Post.id == ResponsibilityAgreement.post_id)
        .where(ResponsibilityAgreement.year == year)
        .order_by(ResponsibilityAgreement.id)
    ).all()
    if not agreements:
        return
    signed = set(
        db.session.execute(
            sa.select(
                AgreementSignature.agreement_id, AgreementSignature.role, AgreementSignature.user_id
            ).where(AgreementSignature.agreement_id.in_([a[0] for a in agreements]))
        ).all()
    )
    countersigned = {aid for aid, role, _user in signed if role == SUPERIOR}
    for agreement_id, post_id, superior_id, title in agreements:
        item = Item(
            object_type="agreement",
            object_id=agreement_id,
            kind="agreement_unsigned",
            reason=HOLDER,
            days=None,
            number=str(year),
            title=title,
            unit="",
            deadline=None,
            link=f"{facts.base_url}/matrix/posts/{post_id}/agreements/{year}",
        )
        missing = [
            u for u in facts.holders.get(post_id, []) if (agreement_id, HOLDER, u) not in signed
        ]
        tally.tell(missing, item, HOLDER)
        if superior_id is not None and agreement_id not in countersigned:
            tally.tell(facts.holders.get(superior_id, []), item, "countersign")
