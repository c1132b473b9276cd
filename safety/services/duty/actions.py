"""Accountability actions (失职追责): what was decided against whom, and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from safety import permissions
from safety.extensions import db
from safety.models import AccountabilityAction, ActionKind, Hazard, Post, User
from safety.services import audit
from safety.services.errors import Forbidden
from safety.services.validation import choice, load, raise_if_any, ref

#: The kinds of action, as the pages, the report and the workbook name them.
KIND_LABELS = {
    ActionKind.CRITICISM: _l("Criticism (通报批评)"),
    ActionKind.ADMONISHMENT: _l("Admonishment (诫勉谈话)"),
    ActionKind.FINE: _l("Fine (经济处罚)"),
    ActionKind.DEMOTION: _l("Demotion (降职)"),
    ActionKind.DISMISSAL: _l("Dismissal (撤职)"),
    ActionKind.OTHER: _l("Other"),
}


def _hazard_ids(errors: dict[str, str], value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 200:
        errors["hazard_ids"] = _("Give a list of hazard ids.")
        return []
    found = [load(Hazard, ident) for ident in value]
    missing = [str(ident) for ident, hazard in zip(value, found, strict=True) if hazard is None]
    if missing:
        errors["hazard_ids"] = _("No such record: %(id)s.", id=", ".join(missing))
    return sorted({h.id for h in found if h is not None})


def create_action(
    actor: User,
    *,
    user_id: Any,
    post_id: Any,
    kind: Any,
    reason: Any,
    decided_on: Any,
    hazard_ids: Any = None,
    now: datetime,
) -> AccountabilityAction:
    """Record an action (admins); it shows in the accountability report and the scorecard."""
    if not permissions.can_record_accountability(actor):
        raise Forbidden(_("Only administrators may do this."))
    errors: dict[str, str] = {}
    user = ref(errors, "user_id", User, user_id, required=True)
    post = ref(errors, "post_id", Post, post_id, required=True)
    action_kind = choice(errors, "kind", ActionKind, kind)
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = _("This field is required.")
    if not isinstance(decided_on, date):
        errors["decided_on"] = _("This field is required.")
    ids = _hazard_ids(errors, hazard_ids)
    raise_if_any(errors)
    action = AccountabilityAction(
        user_id=user.id,
        post_id=post.id,
        kind=action_kind,
        reason=reason.strip(),
        decided_on=decided_on,
        hazard_ids=ids,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(action)
    audit.record(
        actor,
        "accountability.record",
        action,
        {"user_id": user.id, "post_id": post.id, "kind": action_kind, "hazard_ids": ids},
        now=now,
    )
    db.session.commit()
    return action


def list_actions(*, user_id: int | None = None, post_id: int | None = None) -> sa.Select:
    stmt = sa.select(AccountabilityAction)
    if user_id is not None:
        stmt = stmt.where(AccountabilityAction.user_id == user_id)
    if post_id is not None:
        stmt = stmt.where(AccountabilityAction.post_id == post_id)
    return stmt


def recent_actions(limit: int = 200) -> list[AccountabilityAction]:
    """The latest actions, newest first, with their people and posts."""
    from sqlalchemy.orm import selectinload

    stmt = (
        list_actions()
        .options(selectinload(AccountabilityAction.user), selectinload(AccountabilityAction.post))
        .order_by(AccountabilityAction.decided_on.desc(), AccountabilityAction.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- in the accountability report ------------------------------------------------


@dataclass(frozen=True)
class ActionLine:
    """An action as the accountability report shows it next to a hazard's case."""

    id: int
    user_id: int
    user_name: str
    post_title: str
    kind: str
    kind_label: str
    reason: str
    decided_on: date


def actions_by_hazard(hazard_ids: Iterable[int]) -> dict[int, list[ActionLine]]:
    """``{hazard id: [actions naming it]}``, oldest decision first (one query).

    Actions are few (admins record them one by one), so their hazard lists are
    matched here rather than in SQL, the same on SQLite and PostgreSQL.
    """
    wanted = set(hazard_ids)
    found: dict[int, list[ActionLine]] = defaultdict(list)
    if not wanted:
        return found
    rows = db.session.execute(
        sa.select(AccountabilityAction, User.name, Post.title)
        .join(User, User.id == AccountabilityAction.user_id)
        .join(Post, Post.id == AccountabilityAction.post_id)
        .order_by(AccountabilityAction.decided_on, AccountabilityAction.id)
    ).all()
    for action, name, title in rows:
        line = None
        for hazard_id in set(action.hazard_ids or ()) & wanted:
            line = line or ActionLine(
                action.id,
                action.user_id,
                name,
                title,
                action.kind.value,
                str(KIND_LABELS[action.kind]),
                action.reason,
                action.decided_on,
            )
            found[hazard_id].append(line)
    return found


def attach_actions(cases: list[Any]) -> list[Any]:
    """Set each accountability case's ``actions`` (the hook of the accountability report)."""
    by_hazard = actions_by_hazard(case.hazard.id for case in cases)
    for case in cases:
        case.actions = by_hazard.get(case.hazard.id, [])
    return cases
