"""The performance-of-duty pages: a person sees and answers their scorecard, the
superior assesses it, everyone reads the board, admins record actions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.models import AccountabilityAction, Assessment
from tests import builders
from tests.builders import NOW
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _world() -> dict[str, Any]:
    unit = builders.make_unit(name="煅烧车间")
    boss_post = builders.make_post(unit=unit, title="车间主任")
    post = builders.make_post(unit=unit, title="安全员", superior=boss_post)
    person = builders.make_holder(post, name="李明")
    boss = builders.make_holder(boss_post, name="张主任")
    builders.make_hazard("rectifying", unit=unit, accountable_post=post, deadline=date(2026, 3, 1))
    return {"unit": unit, "post": post, "person": person, "boss": boss}


def test_the_person_sees_their_scorecard_and_the_records_behind_it(
    db: Any, client: Any, auth: Any
) -> None:
    w = _world()
    auth.login(w["person"].email)
    page = client.get("/duty/?period=2026-Q1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "安全员" in html
    card = db.session.scalars(
        sa.select(Assessment).where(Assessment.user_id == w["person"].id)
    ).one()
    detail = client.get(f"/duty/assessments/{card.id}").get_data(as_text=True)
    assert "YH-" in detail  # the overdue hazard behind the indicator, linked
    assert f'action="/duty/assessments/{card.id}/assess"' not in detail  # not theirs to assess
    assert client.get("/duty/?period=2026-Q9").status_code == 200  # a bad period is a form error


def test_superior_assesses_and_the_person_disputes_through_the_forms(
    db: Any, client: Any, auth: Any
) -> None:
    w = _world()
    auth.login(w["person"].email)
    client.get("/duty/?period=2026-Q1")
    card = db.session.scalars(
        sa.select(Assessment).where(Assessment.user_id == w["person"].id)
    ).one()
    auth.logout()

    auth.login(w["boss"].email)
    html = client.get(f"/duty/assessments/{card.id}").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(html),
        "assess-version": str(card.version),
        "assess-manual-0-item": "主动排查隐患",
        "assess-manual-0-score": "3",
        "assess-manual-0-note": "",
    }
    done = client.post(f"/duty/assessments/{card.id}/assess", data=form, follow_redirects=True)
    assert done.status_code == 200
    db.session.expire_all()
    card = db.session.get(Assessment, card.id)
    assert card.status.value == "assessed" and card.manual[0]["score"] == 3
    auth.logout()

    auth.login(w["person"].email)
    html = client.get(f"/duty/assessments/{card.id}").get_data(as_text=True)
    answer = {
        "csrf_token": csrf_token_from(html),
        "dispute-version": str(card.version),
        "dispute-note": "超期因备件未到",
    }
    client.post(f"/duty/assessments/{card.id}/dispute", data=answer, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Assessment, card.id).status.value == "disputed"


def test_strangers_cannot_read_a_scorecard_but_everyone_reads_the_board(
    db: Any, client: Any, auth: Any
) -> None:
    w = _world()
    stranger = builders.make_holder(builders.make_post(level="operation"))
    auth.login(w["person"].email)
    client.get("/duty/?period=2026-Q1")
    card = db.session.scalars(
        sa.select(Assessment).where(Assessment.user_id == w["person"].id)
    ).one()
    auth.logout()
    auth.login(stranger.email)
    assert client.get(f"/duty/assessments/{card.id}").status_code == 403
    board = client.get(f"/duty/board?period=2026-Q1&unit={w['unit'].id}")
    assert board.status_code == 200 and "李明" in board.get_data(as_text=True)
    assert client.get("/duty/actions").status_code == 403
    assert client.get("/duty/rules").status_code == 403


def test_admin_records_an_action_with_a_form(db: Any, client: Any, auth: Any, admin: Any) -> None:
    w = _world()
    auth.login(admin.email)
    html = client.get("/duty/actions").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html),
        "user_id": str(w["person"].id),
        "post_id": str(w["post"].id),
        "kind": "admonishment",
        "reason": "隐患逾期",
        "decided_on": "2026-03-11",
        "hazard_ids": "999999",
    }
    refused = client.post("/duty/actions", data=data)
    assert (
        refused.status_code == 200
        and db.session.scalar(sa.select(sa.func.count(AccountabilityAction.id))) == 0
    )
    data["hazard_ids"] = ""
    assert client.post("/duty/actions", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(AccountabilityAction.id))) == 1
    assert client.get("/duty/rules").status_code == 200


def test_the_superior_may_answer_a_dispute(db: Any) -> None:
    from safety.services import duty

    w = _world()
    card = duty.my_scorecards(w["person"], "2026-Q1", today=NOW.date(), now=NOW)[0]
    duty.assess(w["boss"], card.id, manual=[], version=card.version, today=NOW.date(), now=NOW)
    duty.dispute(w["person"], card.id, note="有异议", version=card.version, now=NOW)
    answered = duty.assess(
        w["boss"],
        card.id,
        manual=[{"item": "备件延误属实", "score": 2, "note": "已核实"}],
        version=card.version,
        today=NOW.date(),
        now=NOW,
    )
    assert answered.status.value == "assessed" and answered.manual[0]["score"] == 2
