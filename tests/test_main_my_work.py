"""The home page, "My work": everything the person signed in must act on today."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.extensions import db
from safety.services import hazards as hazard_service
from safety.services import home
from tests import builders
from tests.conftest import NOW, TODAY


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def me(app: Any, auth: Any) -> dict[str, Any]:
    """王工 holds the workshop head post, which answers for the workshop (unsigned)."""
    unit = builders.make_unit(name="一车间", code="W1")
    post = builders.make_post(unit=unit, title="车间主任")
    user = builders.make_user(email="wang@example.com", name="王工")
    builders.make_holding(post, user)
    builders.make_responsibility(post, unit, "main")
    auth.login(user.email)
    return {"unit": unit, "post": post, "user": user}


def test_unsigned_list_shows_with_a_sign_now_link(me: dict, client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200
    section = page.text[page.text.index('id="unsigned-lists"') :]
    assert "车间主任" in section[:2000]
    assert 'href="/matrix/mine' in section[:2000]


def test_signed_list_is_not_listed(me: dict, client: Any) -> None:
    from safety.services import matrix

    version = matrix.responsibility_list(me["post"].id)["version"]
    matrix.acknowledge_list(me["user"], me["post"].id, version=version, now=NOW, today=TODAY)
    page = client.get("/")
    assert 'id="unsigned-lists"' not in page.text


def test_todays_and_overdue_plans_are_listed(me: dict, client: Any) -> None:
    today_plan = builders.make_plan(
        unit=me["unit"],
        post=me["post"],
        checklist=builders.make_checklist(name="今日巡检表"),
        start_date=TODAY,
        kind="daily",
    )
    late_plan = builders.make_plan(
        unit=me["unit"],
        post=me["post"],
        checklist=builders.make_checklist(name="月度检查表"),
        start_date=TODAY - timedelta(days=3),
    )
    builders.make_plan(
        unit=me["unit"],
        post=me["post"],
        checklist=builders.make_checklist(name="下周检查表"),
        start_date=TODAY + timedelta(days=7),
    )
    work = home.my_work(me["user"], today=TODAY)
    assert [p.id for p in work.plans_today] == [today_plan.id]
    assert [p.id for p in work.plans_overdue] == [late_plan.id]
    page = client.get("/")
    section = page.text[page.text.index('id="my-plans"') :]
    assert "今日巡检表" in section and "月度检查表" in section
    assert "下周检查表" not in page.text
    assert f"/inspections/new?plan={today_plan.id}" in section


def test_a_rejected_fix_shows_with_its_reason(me: dict, client: Any) -> None:
    hazard = builders.make_hazard(
        "pending_verification", unit=me["unit"], accountable_post=me["post"], submitter=me["user"]
    )
    hazard_service.reject_hazard(
        builders.actor(),
        hazard,
        note="焊缝仍有渗漏",
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    other = builders.make_hazard("rectifying", unit=me["unit"], accountable_post=me["post"])
    work = home.my_work(me["user"], today=TODAY)
    assert [(r.hazard.id, r.reason) for r in work.rejected] == [(hazard.id, "焊缝仍有渗漏")]
    page = client.get("/")
    section = page.text[page.text.index('id="rejected"') :]
    assert "焊缝仍有渗漏" in section and hazard.number in section
    assert other.number not in section[: section.index("</section>")]


def test_a_fix_resubmitted_after_rejection_is_no_longer_rejected(me: dict) -> None:
    hazard = builders.make_hazard(
        "pending_verification", unit=me["unit"], accountable_post=me["post"], submitter=me["user"]
    )
    hazard_service.reject_hazard(
        builders.actor(), hazard, note="不合格", version=hazard.version, now=NOW, today=TODAY
    )
    hazard_service.submit_hazard(
        me["user"], hazard, note="已重新整改", version=hazard.version, now=NOW, today=TODAY
    )
    assert home.my_work(me["user"], today=TODAY).rejected == []


def test_hazards_to_assign_submit_and_verify_come_from_the_hazard_service(
    me: dict, client: Any
) -> None:
    reported = builders.make_hazard("reported", unit=me["unit"], title="护栏缺失待分派")
    rectifying = builders.make_hazard(
        "rectifying", unit=me["unit"], accountable_post=me["post"], title="管道锈蚀待整改"
    )
    page = client.get("/")
    assert reported.number in page.text[page.text.index('id="to-assign"') :]
    assert rectifying.number in page.text[page.text.index('id="to-rectify"') :]


def test_recent_inspections_list_the_newest_for_people_with_many(me: dict, client: Any) -> None:
    for day in range(15):
        builders.make_inspection(
            inspector=me["user"],
            unit=me["unit"],
            performed_at=NOW - timedelta(days=day, hours=1),
            location=f"巡检点{day:02d}",
        )
    work = home.my_work(me["user"], today=TODAY)
    assert len(work.recent_inspections) == home.RECENT_INSPECTIONS
    assert work.recent_inspections[0].inspection.location == "巡检点00"
    page = client.get("/")
    section = page.text[page.text.index('id="recent-inspections"') :]
    assert "巡检点00" in section
    inspections_home = client.get("/inspections/")
    assert "巡检点00" in inspections_home.text and "巡检点09" in inspections_home.text
    assert "巡检点10" not in inspections_home.text


def test_extension_requests_hook_is_empty_until_the_hazard_area_adds_them(me: dict) -> None:
    assert home.my_work(me["user"], today=TODAY).extension_requests == []


def test_home_page_runs_a_constant_number_of_queries(me: dict, client: Any) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            builders.make_inspection(
                inspector=me["user"], unit=me["unit"], performed_at=NOW - timedelta(hours=i + 1)
            )
            builders.make_plan(
                unit=me["unit"], post=me["post"], start_date=TODAY - timedelta(days=i)
            )
            hazard = builders.make_hazard(
                "pending_verification",
                unit=me["unit"],
                accountable_post=me["post"],
                submitter=me["user"],
            )
            hazard_service.reject_hazard(
                builders.actor(),
                hazard,
                note=f"理由{i}",
                version=hazard.version,
                now=NOW,
                today=TODAY,
            )
            builders.make_hazard("reported", unit=me["unit"])

    grow(1)
    client.get("/")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/").status_code == 200
    grow(6)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_my_work_lists_the_control_checks_due_on_my_posts(client: Any, auth: Any) -> None:
    """Contract §6: the owner post's holders see what is due on My work."""
    post = builders.make_post()
    holder = builders.make_holder(post)
    point = builders.make_risk_point(unit=post.unit, name="液氨储罐区")
    control = builders.make_control(builders.make_risk(point), post, text="液位计每日巡检")
    stranger = builders.make_holder(builders.make_post())
    auth.login(holder.email)
    html = client.get("/").get_data(as_text=True)
    assert "液位计每日巡检" in html and f"/risks/controls/{control.id}/check" in html
    auth.logout()
    auth.login(stranger.email)
    assert "液位计每日巡检" not in client.get("/").get_data(as_text=True)
