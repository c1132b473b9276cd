"""Who may do what to a hazard: the contract's table, through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from safety.extensions import db
from safety.models import HazardStatus
from safety.services import hazards
from safety.services.errors import Forbidden
from tests import builders
from tests.builders import NOW, TODAY

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody signs in here: skip argon2 so the many people these tests make are cheap."""
    monkeypatch.setattr("safety.services.org.hash_password", lambda password: "unused")


ROLES = (
    "admin",
    "main",
    "leadership",
    "supervision",
    "direct",
    "parent_supervision",
    "child_supervision",
    "accountable",
    "submitter",
    "reporter",
    "outsider",
)

#: action → roles permitted (everyone else gets 403).
ALLOWED = {
    "assign": {"admin", "main", "leadership", "supervision", "parent_supervision"},
    "extend": {"admin", "main", "leadership", "supervision", "parent_supervision"},
    "void": {"admin", "main", "leadership", "supervision", "parent_supervision"},
    "submit": {"accountable", "submitter"},
    "verify": {"admin", "leadership", "supervision", "parent_supervision"},
    "reject": {"admin", "leadership", "supervision", "parent_supervision"},
}
START = {
    "assign": "reported",
    "extend": "rectifying",
    "void": "reported",
    "submit": "rectifying",
    "verify": "pending_verification",
    "reject": "pending_verification",
}


def setup(status: str, *roles: str) -> tuple[Any, dict[str, Any]]:
    """A hazard in ``status`` in a unit with a parent and a child, and one person per role."""
    parent = builders.make_unit()
    unit = builders.make_unit(parent=parent)
    post = builders.make_post(unit=unit)
    submitter = builders.make_holder(post)
    reporter = builders.make_user()
    makers = {
        "admin": lambda: builders.make_user(is_admin=True),
        "main": lambda: builders.grant_hazard_role("main", unit),
        "leadership": lambda: builders.grant_hazard_role("leadership", unit),
        "supervision": lambda: builders.grant_hazard_role("supervision", unit),
        "direct": lambda: builders.grant_hazard_role("direct", unit),
        "parent_supervision": lambda: builders.grant_hazard_role("supervision", parent),
        "child_supervision": lambda: builders.grant_hazard_role(
            "supervision", builders.make_unit(parent=unit)
        ),
        "accountable": lambda: builders.make_holder(post),
        "submitter": lambda: submitter,
        "reporter": lambda: reporter,
        "outsider": builders.make_user,
    }
    people = {role: makers[role]() for role in roles}
    hazard = builders.make_hazard(
        status, unit=unit, accountable_post=post, submitter=submitter, reporter=reporter
    )
    return hazard, people


def run(action: str, user: Any, hazard: Any) -> None:
    kw: dict[str, Any] = {"version": hazard.version, "now": NOW, "today": TODAY}
    if action == "assign":
        data = {
            "accountable_post_id": builders.make_post(unit=hazard.unit).id,
            "deadline": TODAY + timedelta(days=5),
            "measures": "m",
            "funds": 0,
            "contingency_plan": "c",
        }
        hazards.assign_hazard(user, hazard, data, **kw)
    elif action == "extend":
        hazards.extend_hazard(
            user, hazard, deadline=hazard.deadline + timedelta(days=5), reason="r", **kw
        )
    elif action == "void":
        hazards.void_hazard(user, hazard, reason="重复", **kw)
    elif action == "submit":
        hazards.submit_hazard(user, hazard, note="done", **kw)
    elif action == "verify":
        hazards.verify_hazard(user, hazard, note="ok", **kw)
    else:
        hazards.reject_hazard(user, hazard, note="no", **kw)


@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_table(action: str, subtests: Any) -> None:
    """Each role against each action, a fresh hazard per role (one database per action)."""
    for role in ROLES:
        with subtests.test(role=role):
            hazard, people = setup(START[action], role)
            user = people[role]
            if role in ALLOWED[action]:
                run(action, user, hazard)
                assert hazard.version >= 2
            else:
                with pytest.raises(Forbidden):
                    run(action, user, hazard)
                db.session.rollback()


@pytest.mark.parametrize("role", ["supervision", "admin"])
def test_verify_by_submitter_is_forbidden_even_with_the_right(role: str) -> None:
    hazard, people = setup("rectifying", role, "leadership")
    user = people[role]
    builders.make_holding(hazard.accountable_post, user)
    hazards.submit_hazard(user, hazard, note="done", version=hazard.version, now=NOW, today=TODAY)
    with pytest.raises(Forbidden):
        hazards.verify_hazard(user, hazard, note="ok", version=hazard.version, now=NOW, today=TODAY)
    with pytest.raises(Forbidden):
        hazards.reject_hazard(user, hazard, note="x", version=hazard.version, now=NOW, today=TODAY)
    hazards.verify_hazard(
        people["leadership"], hazard, note="ok", version=hazard.version, now=NOW, today=TODAY
    )
    assert hazard.status == HazardStatus.CLOSED


def test_holding_that_ended_gives_no_right_to_submit() -> None:
    post = builders.make_post()
    former = builders.make_user()
    builders.make_holding(post, former, end=TODAY - timedelta(days=1))
    hazard = builders.make_hazard("rectifying", accountable_post=post)
    with pytest.raises(Forbidden):
        hazards.submit_hazard(
            former, hazard, note="done", version=hazard.version, now=NOW, today=TODAY
        )


def test_allowed_actions_match_status_and_rights() -> None:
    hazard, people = setup("rectifying", "outsider", "admin", "accountable")
    assert hazards.allowed_actions(people["outsider"], hazard, TODAY) == {
        a: False for a in hazards.allowed_actions(people["outsider"], hazard, TODAY)
    }
    admin = hazards.allowed_actions(people["admin"], hazard, TODAY)
    assert admin["extend"] and admin["void"] and not admin["assign"] and not admin["verify"]
    assert hazards.allowed_actions(people["accountable"], hazard, TODAY)["submit"]
