"""Random action sequences by random people against a model of the closed loop.

Each step predicts the outcome (success, 409, 403, 422) from a small model of
the rules, runs the service (through its one entry point, ``perform``) and
compares; invariants are checked after every step: only legal states,
verifier ≠ submitter, one event per successful action, overdue only when
rectifying and past the deadline. The model covers the major procedure
(approval, report to the authority, evaluation, pending_writeoff and
write-off) and extension requests with their cap (contract §7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from safety.extensions import db
from safety.models import Hazard, HazardEvent, HazardStatus
from safety.services import hazards
from safety.services.errors import Conflict, Forbidden, ValidationError
from safety.services.overdue import days_overdue, is_overdue, overdue_clause
from tests import builders
from tests.builders import NOW, TODAY

S = HazardStatus
PEOPLE = ("admin", "manager", "supervisor", "holder1", "holder2", "outsider")
MANAGERS = {"admin", "manager", "supervisor"}
#: ``main`` for the unit: the only one who may approve a major hazard's plan.
PRINCIPALS = {"manager"}
MAJOR_ONLY = {"approve_plan", "report_authority"}
ACTIONS = (
    *hazards.ACTIONS,
    "request_extension",
    "refuse_extension",
    "approve_plan",
    "report_authority",
    "write_off",
)
CAP = 2
VERIFIERS = {"admin", "supervisor"}
#: The admin also holds the accountable post, so may submit and then must not verify.
HOLDERS = {"holder1", "holder2", "admin"}
SOURCES = {action: sources for action, (sources, _target) in hazards.TRANSITIONS.items()}
TARGET = {action: target for action, (_sources, target) in hazards.TRANSITIONS.items()}


@dataclass
class Model:
    id: int
    status: HazardStatus = S.REPORTED
    version: int = 1
    events: int = 1
    submitter: str | None = None
    deadline: Any = None
    major: bool = False
    approved: bool = False
    listed: bool = False
    extensions: int = 0
    requested: bool = False
    history: list[str] = field(default_factory=lambda: ["report"])


class HazardLoop(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.models: list[Model] = []
        self.today = TODAY
        self.now = NOW

    @initialize()
    def organisation(self) -> None:
        unit = builders.make_unit()
        self.post = builders.make_post(unit=unit)
        self.people = {
            "admin": builders.make_user(is_admin=True),
            "manager": builders.grant_hazard_role("main", unit),
            "supervisor": builders.grant_hazard_role("supervision", unit),
            "holder1": builders.make_holder(self.post),
            "holder2": builders.make_holder(self.post),
            "outsider": builders.make_user(),
        }
        builders.make_holding(self.post, self.people["admin"])
        self.unit = unit
        from flask import current_app

        current_app.config["MAX_EXTENSIONS"] = CAP

    @precondition(lambda self: len(self.models) < 2)
    @rule(who=st.sampled_from(PEOPLE), level=st.sampled_from(["general", "major"]))
    def report(self, who: str, level: str) -> None:
        hazard = hazards.report_hazard(
            self.people[who],
            {
                "title": "随机隐患",
                "unit_id": self.unit.id,
                "level": level,
                "criterion": "HG2017-12" if level == "major" else None,
            },
            now=self.now,
        )
        self.models.append(Model(id=hazard.id, major=level == "major"))

    @rule(days=st.integers(min_value=1, max_value=10))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.now += timedelta(days=days)

    @precondition(lambda self: self.models)
    @rule(
        index=st.integers(min_value=0, max_value=2),
        data=st.data(),
        stale=st.sampled_from([False, False, False, False, True]),
        bad=st.integers(min_value=0, max_value=5),
        days=st.integers(min_value=0, max_value=20),
    )
    def act(self, index: int, data: st.DataObject, stale: bool, bad: int, days: int) -> None:
        """Mostly legal, permitted actions (so the loop gets far); sometimes anything."""
        model = self.models[index % len(self.models)]
        legal = [a for a in ACTIONS if model.status in SOURCES[a]]
        action = data.draw(
            st.sampled_from(legal)
            if legal and data.draw(st.integers(0, 4))
            else st.sampled_from(ACTIONS)
        )
        listed = data.draw(st.booleans())
        allowed = [p for p in PEOPLE if self.permitted(action, p, model)]
        who = data.draw(
            st.sampled_from(allowed)
            if allowed and data.draw(st.integers(0, 3))
            else st.sampled_from(PEOPLE)
        )
        model = self.models[index % len(self.models)]
        hazard = db.session.get(Hazard, model.id)
        user = self.people[who]
        invalid = bad == 0 and action in ("assign", "extend", "verify")
        if action == "verify" and not model.major:
            invalid = False  # evaluation is only required of a major hazard
        version = model.version - 1 if stale else model.version
        expected: type[Exception] | None
        if stale or hazard.status not in SOURCES[action]:
            expected = Conflict
        elif not self.permitted(action, who, model):
            expected = Forbidden
        elif self.conflicts(action, model):
            expected = Conflict
        elif invalid:
            expected = ValidationError
        else:
            expected = None
        try:
            self.call(
                action, user, hazard, version=version, invalid=invalid, days=days, listed=listed
            )
        except (Conflict, Forbidden, ValidationError) as error:
            db.session.rollback()
            assert type(error) is expected, (action, who, model, error)
            return
        assert expected is None, (action, who, model, "should have failed")
        model.version += 1
        model.events += 1
        model.history.append(action)
        if TARGET[action] is not None:
            model.status = TARGET[action]
        if action == "verify" and model.major and model.listed:
            model.status = S.PENDING_WRITEOFF
        if action == "submit":
            model.submitter = who
        elif action in ("reject", "assign"):
            model.submitter = None
        if action == "assign":
            model.approved = False
        elif action == "approve_plan":
            model.approved = True
        elif action == "report_authority":
            model.listed = listed
        elif action == "extend":
            model.extensions += 1
            model.requested = False
        elif action == "request_extension":
            model.requested = True
        elif action == "refuse_extension":
            model.requested = False
        model.deadline = hazard.deadline

    def permitted(self, action: str, who: str, model: Model) -> bool:
        if action in ("assign", "extend", "void", "refuse_extension"):
            return who in MANAGERS
        if action in ("report_authority", "write_off"):
            return who in MANAGERS
        if action in ("submit", "request_extension"):
            return who in HOLDERS
        if action == "approve_plan":
            return who in PRINCIPALS
        return who in VERIFIERS and who != model.submitter

    def conflicts(self, action: str, model: Model) -> bool:
        """State conflicts beyond the transition table (contract §7)."""
        if action in MAJOR_ONLY and not model.major:
            return True
        if action == "approve_plan":
            return model.approved
        if action == "submit":
            return model.major and not model.approved
        if action == "extend":
            return model.extensions >= CAP
        if action == "request_extension":
            return model.extensions >= CAP or model.requested
        if action == "refuse_extension":
            return not model.requested
        return False

    def call(
        self,
        action: str,
        user: Any,
        hazard: Hazard,
        *,
        version: int,
        invalid: bool,
        days: int,
        listed: bool,
    ) -> None:
        data: dict[str, Any]
        if action == "assign":
            data = {
                "accountable_post_id": self.post.id,
                "deadline": self.today + timedelta(days=days),
                "measures": "整改措施",
                "funds": -5 if invalid else 100,
                "contingency_plan": "应急预案",
                "plan": {part: "内容" for part in hazards.PLAN_PARTS},
            }
        elif action in ("extend", "request_extension"):
            base = max(self.today, hazard.deadline or self.today)
            deadline = (
                self.today - timedelta(days=1) if invalid else base + timedelta(days=days + 1)
            )
            data = {"deadline": deadline, "reason": "延期原因"}
        elif action in ("void", "refuse_extension"):
            data = {"reason": "理由"}
        elif action == "verify":
            data = {"note": "合格", "evaluation": None if invalid else "已消除"}
        elif action == "report_authority":
            data = {"authority": "市应急管理局", "reported_on": self.today, "listed": listed}
        elif action == "write_off":
            data = {"authority": "市应急管理局", "decided_on": self.today}
        else:
            data = {"note": "说明"}
        hazards.perform(hazard, action, user, data, version, now=self.now, today=self.today)

    @invariant()
    def matches_the_model(self) -> None:
        for model in self.models:
            hazard = db.session.get(Hazard, model.id)
            db.session.refresh(hazard)
            assert hazard.status in set(S)
            assert hazard.status == model.status
            assert hazard.version == model.version
            actions = db.session.scalars(
                sa.select(HazardEvent.action)
                .where(HazardEvent.hazard_id == hazard.id)
                .order_by(HazardEvent.id)
            ).all()
            assert actions == model.history
            if hazard.status in (S.CLOSED, S.PENDING_WRITEOFF):
                assert hazard.verified_by_id is not None
                assert hazard.verified_by_id != hazard.submitted_by_id
            if hazard.status == S.PENDING_WRITEOFF:
                assert hazard.level.value == "major" and hazard.listed_for_supervision
            if hazard.status in (S.RECTIFYING, S.PENDING_VERIFICATION, S.CLOSED):
                assert hazard.deadline is not None and hazard.accountable_post_id is not None

    @invariant()
    def overdue_only_when_rectifying_past_deadline(self) -> None:
        for model in self.models:
            hazard = db.session.get(Hazard, model.id)
            expected = hazard.status == S.RECTIFYING and self.today > hazard.deadline
            assert is_overdue(hazard, self.today) is expected
            assert (days_overdue(hazard, self.today) > 0) is expected
            in_sql = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Hazard)
                .where(Hazard.id == hazard.id, overdue_clause(self.today))
            )
            assert bool(in_sql) is expected


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("safety.services.org.hash_password", lambda password: "unused")


def test_random_action_sequences_keep_the_invariants(app: Any) -> None:
    run_state_machine_as_test(
        HazardLoop,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
