"""Performance of duty (contract §8): scorecards count only the days each person
held the post; assess, confirm and dispute are guarded by rights and versions;
accountability actions show in the scorecard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.models import (
    Acknowledgement,
    OutboxEmail,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
)
from safety.services import duty
from safety.services.errors import ValidationError
from tests import builders
from tests.builders import NOW

Q1 = "2026-Q1"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = duty.parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["", "2026-Q5", "26", "2026Q1", "Q1-2026", "99999"])
def test_a_bad_period_names_the_field(app: Any, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        duty.parse_period(text)
    assert "period" in caught.value.fields


def _two_holders_one_post(db: Any) -> dict[str, Any]:
    """A post held by A until 14 Feb and by B from 15 Feb, under a superior post."""
    unit = builders.make_unit()
    top = builders.make_post(unit=unit, title="厂长")
    superior = builders.make_post(unit=unit, title="车间主任", superior=top)
    post = builders.make_post(unit=unit, title="安全员", superior=superior)
    a, b = builders.make_user(name="甲"), builders.make_user(name="乙")
    builders.make_holding(post, a, start=date(2025, 6, 1), end=date(2026, 2, 14))
    builders.make_holding(post, b, start=date(2026, 2, 15))
    boss = builders.make_holder(superior, name="主任")
    big_boss = builders.make_holder(top, name="厂长本人")
    return {"unit": unit, "post": post, "a": a, "b": b, "boss": boss, "big_boss": big_boss}


def _card(post_id: int, user_id: int) -> Any:
    rows = duty.list_scorecards(Q1, today=NOW.date(), now=NOW, post_id=post_id, user_id=user_id)
    from safety.extensions import db

    return db.session.scalars(rows).one()


def _indicator(card: Any, code: str) -> dict[str, Any]:
    return next(i for i in card.indicators if i["code"] == code)


def test_each_holder_gets_only_their_own_days(db: Any) -> None:
    w = _two_holders_one_post(db)
    builders.make_hazard(
        "rectifying", unit=w["unit"], accountable_post=w["post"], deadline=date(2026, 2, 1)
    )
    builders.make_hazard(
        "closed",
        unit=w["unit"],
        accountable_post=w["post"],
        deadline=date(2026, 3, 12),
        submitter=w["b"],
    )
    card_a, card_b = _card(w["post"].id, w["a"].id), _card(w["post"].id, w["b"].id)

    assert card_a.days_held == 45  # 1 Jan – 14 Feb
    assert card_b.days_held == 26  # 15 Feb – 12 Mar (today)
    # overdue from 2 Feb: 13 days were A's, 26 are B's
    assert _indicator(card_a, "overdue_days")["value"] == 13
    assert _indicator(card_b, "overdue_days")["value"] == 26
    # A's one hazard due in his days was not closed by its deadline; B's was
    assert _indicator(card_a, "hazards_on_time")["value"] == 0.0
    assert _indicator(card_b, "hazards_on_time")["value"] == 1.0
    assert card_a.status.value == "draft" and card_a.total < card_b.total


def test_escalations_and_list_signing_count_on_the_holders_days(db: Any) -> None:
    w = _two_holders_one_post(db)
    hazard = builders.make_hazard(
        "rectifying", unit=w["unit"], accountable_post=w["post"], deadline=date(2026, 2, 1)
    )
    for day, reason in [
        (date(2026, 2, 10), "superior"),
        (date(2026, 2, 11), "accountable"),
        (date(2026, 3, 1), "supervision"),
        (date(2026, 3, 2), "superior"),
    ]:
        digest = ReminderDigest(user_id=w["boss"].id, local_date=day, created_at=NOW)
        db.session.add(digest)
        db.session.flush()
        db.session.add(
            ReminderItem(digest_id=digest.id, hazard_id=hazard.id, kind="overdue", reason=reason)
        )
    post_id = w["post"].id
    latest = db.session.scalar(
        sa.select(sa.func.max(ResponsibilityListVersion.version)).where(
            ResponsibilityListVersion.post_id == post_id
        )
    )
    version = (latest or 0) + 1
    made = datetime(2026, 1, 5, 2, tzinfo=UTC)
    db.session.add(
        ResponsibilityListVersion(post_id=post_id, version=version, items=[], created_at=made)
    )
    db.session.add(
        Acknowledgement(
            post_id=post_id,
            user_id=w["a"].id,
            version=version,
            at=datetime(2026, 1, 10, 2, tzinfo=UTC),
        )
    )
    db.session.commit()

    card_a, card_b = _card(post_id, w["a"].id), _card(post_id, w["b"].id)
    assert _indicator(card_a, "escalations")["value"] == 1
    assert _indicator(card_b, "escalations")["value"] == 2
    assert _indicator(card_a, "list_signed_days")["value"] == 5  # 5 Jan → 10 Jan
    assert _indicator(card_b, "list_signed_days")["value"] == 25  # 15 Feb → today, unsigned


def test_assess_confirm_and_dispute_through_the_api(db: Any, client: Any, api: Any) -> None:
    w = _two_holders_one_post(db)
    stranger = builders.make_holder(builders.make_post())
    card = _card(w["post"].id, w["b"].id)
    path = f"/assessments/{card.id}"

    listed = api.login(w["b"].email).get(f"/assessments?period={Q1}&user_id={w['b'].id}")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()["items"]] == [card.id]

    body = {"manual": [{"item": "主动排查", "score": 5, "note": "好"}], "version": card.version}
    assert api.login(stranger.email).post(f"{path}/assess", json=body).status_code == 403
    assert api.login(w["b"].email).post(f"{path}/assess", json=body).status_code == 403
    bad = api.login(w["boss"].email).post(
        f"{path}/assess", json={"manual": [{"item": "", "score": 99}], "version": card.version}
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"manual.0.item", "manual.0.score"}

    done = api.post(f"{path}/assess", json=body)
    assert done.status_code == 200, done.get_json()
    assessed = done.get_json()
    assert assessed["status"] == "assessed"
    assert assessed["manual"][0]["score"] == 5
    assert api.post(f"{path}/assess", json=body).status_code == 409  # stale version
    mail = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == "duty_assessed")
    ).all()
    assert [m.to_addr for m in mail] == [w["b"].email]
    assert f"/duty/assessments/{card.id}" in mail[0].text_body

    version = assessed["version"]
    assert (
        api.login(w["boss"].email).post(f"{path}/confirm", json={"version": version}).status_code
        == 403
    )
    b = api.login(w["b"].email)
    assert b.post(f"{path}/dispute", json={"note": " ", "version": version}).status_code == 422
    disputed = b.post(f"{path}/dispute", json={"note": "超期是前任遗留", "version": version})
    assert disputed.get_json()["status"] == "disputed"
    version = disputed.get_json()["version"]

    # a dispute goes up: the superior's superior may decide (the superior may answer too)
    body = {"manual": [], "version": version}
    assert api.login(stranger.email).post(f"{path}/assess", json=body).status_code == 403
    again = api.login(w["big_boss"].email).post(f"{path}/assess", json=body)
    assert again.status_code == 200 and again.get_json()["status"] == "assessed"
    confirmed = api.login(w["b"].email).post(
        f"{path}/confirm", json={"version": again.get_json()["version"]}
    )
    assert confirmed.get_json()["status"] == "confirmed"
    final = api.login(w["boss"].email).post(
        f"{path}/assess", json={"manual": [], "version": confirmed.get_json()["version"]}
    )
    assert final.status_code == 409


def test_accountability_actions_are_for_admins_and_show_in_the_scorecard(
    db: Any, api: Any, admin: Any
) -> None:
    w = _two_holders_one_post(db)
    hazard = builders.make_hazard("rectifying", unit=w["unit"], accountable_post=w["post"])
    body = {
        "user_id": w["b"].id,
        "post_id": w["post"].id,
        "kind": "criticism",
        "reason": "隐患超期未整改",
        "decided_on": "2026-03-10",
        "hazard_ids": [hazard.id],
    }
    assert api.login(w["boss"].email).post("/accountability-actions", json=body).status_code == 403
    api.login(admin.email)
    for field, value in [("user_id", 999999), ("post_id", 2**40), ("kind", "jail"), ("reason", "")]:
        bad = api.post("/accountability-actions", json={**body, field: value})
        assert bad.status_code == 422, (field, bad.get_json())
        assert field in bad.get_json()["error"]["fields"]
    assert (
        api.post("/accountability-actions", json={**body, "hazard_ids": [999999]}).status_code
        == 422
    )
    created = api.post("/accountability-actions", json=body)
    assert created.status_code == 201, created.get_json()

    card = api.get(f"/assessments?period={Q1}&user_id={w['b'].id}").get_json()["items"][0]
    assert [a["kind"] for a in card["actions"]] == ["criticism"]
    other = api.get(f"/assessments?period={Q1}&user_id={w['a'].id}").get_json()["items"][0]
    assert other["actions"] == []


def test_rules_are_versioned_and_an_assessed_card_keeps_its_own(db: Any, admin: Any) -> None:
    w = _two_holders_one_post(db)
    builders.make_hazard(
        "rectifying", unit=w["unit"], accountable_post=w["post"], deadline=date(2026, 2, 1)
    )
    card = _card(w["post"].id, w["b"].id)
    duty.assess(w["boss"], card.id, manual=[], version=card.version, today=NOW.date(), now=NOW)
    before = card.total

    with pytest.raises(ValidationError) as caught:
        duty.save_rules(admin, {"indicators": {}, "bands": []}, now=NOW)
    assert {"indicators", "bands"} <= set(caught.value.fields)

    version, rules = duty.current_rules()
    rules["indicators"]["overdue_days"]["per_unit"] = 0  # forgive every overdue day
    saved = duty.save_rules(admin, rules, now=NOW)
    assert saved.version == version + 1

    other = _card(w["post"].id, w["a"].id)  # still a draft: scored with the new rules
    assert other.rules_version == saved.version
    assert _indicator(other, "overdue_days")["score"] == 100
    card = _card(w["post"].id, w["b"].id)
    assert card.rules_version == version and card.total == before
