"""The register's pages: report with photos, act with the version, list, My work, photos."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from safety.extensions import db
from safety.models import Hazard, HazardPhoto, HazardStatus
from tests import builders
from tests.builders import NOW, TODAY
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (90, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


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


def form_of(html: str, action_url: str) -> str:
    start = html.index(f'action="{action_url}"')
    return html[start : html.index("</form>", start)]


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def test_report_with_photos_then_detail_shows_them(app: Any, client: Any, auth: Any) -> None:
    unit = builders.make_unit(name="煅烧车间")
    builders.make_user(email="officer@example.com")
    auth.login("officer@example.com")
    page = client.get("/hazards/new")
    assert page.status_code == 200
    response = client.post(
        "/hazards/new",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "title": "皮带机尾轮防护罩缺失",
            "unit_id": str(unit.id),
            "level": "general",
            "category": "machinery",
            "location": "2#皮带机",
            "description": "尾轮无防护罩，人员可能卷入",
            "found_at": "2026-03-12T09:30",
            "risk_l": "3",
            "risk_e": "6",
            "risk_c": "7",
            "photos": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg()), "b.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    hazard = db.session.scalar(sa.select(Hazard))
    assert hazard.number == "YH-2026-0001"
    assert hazard.found_on.isoformat() == "2026-03-12"
    photos = db.session.scalars(sa.select(HazardPhoto)).all()
    assert len(photos) == 2
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "皮带机尾轮防护罩缺失" in detail
    for photo in photos:
        assert f"/hazards/photos/{photo.thumb_name}" in detail
        served = client.get(f"/hazards/photos/{photo.stored_name}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "private" in served.headers["Cache-Control"]


def test_report_with_junk_photo_keeps_nothing(app: Any, client: Any, auth: Any) -> None:
    unit = builders.make_unit()
    builders.make_user(email="officer@example.com")
    auth.login("officer@example.com")
    token = auth.csrf("/hazards/new")
    response = client.post(
        "/hazards/new",
        data={
            "csrf_token": token,
            "title": "x",
            "unit_id": str(unit.id),
            "level": "general",
            "photos": [(io.BytesIO(b"MZ\x90\x00 not an image"), "virus.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "virus.jpg" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 0
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*_t.jpg")) or all(
        db.session.scalar(sa.select(HazardPhoto).where(HazardPhoto.thumb_name == p.name)) is None
        for p in Path(app.config["UPLOAD_FOLDER"]).glob("*_t.jpg")
    )


def test_report_form_names_missing_fields(app: Any, client: Any, auth: Any) -> None:
    builders.make_user(email="officer@example.com")
    auth.login("officer@example.com")
    token = auth.csrf("/hazards/new")
    response = client.post("/hazards/new", data={"csrf_token": token, "title": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 2


def test_photos_need_a_signed_in_user(app: Any, client: Any) -> None:
    from safety.services import photos

    stored = photos.store_image(jpeg())
    response = client.get(f"/hazards/photos/{stored.stored_name}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_or_foreign_photo_names_are_404(app: Any, client: Any, auth: Any) -> None:
    from safety.services import photos

    builders.make_user(email="u@example.com")
    auth.login("u@example.com")
    stored = photos.store_image(jpeg())  # stored but belongs to no hazard
    assert client.get(f"/hazards/photos/{stored.stored_name}").status_code == 404
    assert client.get("/hazards/photos/..%2Finstance%2Fsecret_key").status_code == 404


def test_assign_through_the_detail_page(app: Any, client: Any, auth: Any) -> None:
    hazard = builders.make_hazard(level="major")
    post = builders.make_post(unit=hazard.unit, title="车间主任")
    builders.grant_hazard_role("main", hazard.unit, builders.make_user(email="head@example.com"))
    auth.login("head@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    url = f"/hazards/{hazard.id}/assign"
    form = form_of(html, url)
    assert hidden(form, "assign-version") == "1"
    data = {
        "assign-csrf_token": hidden(form, "assign-csrf_token"),
        "assign-version": "1",
        "assign-accountable_post_id": str(post.id),
        "assign-deadline": (TODAY + timedelta(days=20)).isoformat(),
        "assign-measures": "更换阀门",
        "assign-funds": "80000",
        "assign-contingency_plan": "设置隔离区",
        "assign-plan_objective": "消除泄漏",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "消除泄漏" in text  # the user's input comes back
    for part in ("methods", "resources", "organisation", "schedule", "safety_measures"):
        data[f"assign-plan_{part}"] = "内容"
    response = client.post(url, data=data)
    assert response.status_code == 302
    db.session.refresh(hazard)
    assert hazard.status == HazardStatus.RECTIFYING and hazard.plan["objective"] == "消除泄漏"


def test_stale_version_says_reload(app: Any, client: Any, auth: Any) -> None:
    hazard = builders.make_hazard("rectifying")
    builders.make_user(email="boss@example.com", is_admin=True)
    auth.login("boss@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    url = f"/hazards/{hazard.id}/extend"
    token = hidden(form_of(html, url), "extend-csrf_token")
    # Someone else extends first.
    from safety.services import hazards as svc

    svc.extend_hazard(
        builders.actor(),
        hazard,
        deadline=hazard.deadline + timedelta(days=3),
        reason="备件",
        version=hazard.version,
        now=NOW,
        today=TODAY,
    )
    response = client.post(
        url,
        data={
            "extend-csrf_token": token,
            "extend-version": "1",
            "extend-deadline": (TODAY + timedelta(days=60)).isoformat(),
            "extend-reason": "再延",
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "reload" in text.lower() or "刷新" in text


def test_forbidden_action_is_403_with_message(app: Any, client: Any, auth: Any) -> None:
    hazard = builders.make_hazard()
    builders.make_user(email="nobody@example.com")
    auth.login("nobody@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert f"/hazards/{hazard.id}/void" not in html  # no form offered
    response = client.post(
        f"/hazards/{hazard.id}/void",
        data={"void-csrf_token": auth.csrf("/hazards/"), "void-version": "1", "void-reason": "x"},
    )
    assert response.status_code == 403


def test_list_shows_overdue_badge_and_filters(app: Any, client: Any, auth: Any) -> None:
    late = builders.make_hazard("rectifying", deadline=TODAY - timedelta(days=4), title="逾期隐患")
    builders.make_hazard("closed", title="已关闭隐患")
    builders.make_user(email="u@example.com")
    auth.login("u@example.com")
    html = client.get("/hazards/").get_data(as_text=True)
    assert "逾期隐患" in html and "已关闭隐患" in html
    assert "badge-overdue" in html
    html = client.get("/hazards/?overdue=yes").get_data(as_text=True)
    assert late.number in html and "已关闭隐患" not in html
    html = client.get("/hazards/?q=关闭&status=closed&sort=deadline&limit=50").get_data(
        as_text=True
    )
    assert "已关闭隐患" in html and "逾期隐患" not in html
    assert client.get("/hazards/?cursor=bogus&unit_id=x&level=zzz").status_code == 200


def make_many(n: int, unit: Any, post: Any, reporter: Any) -> None:
    for i in range(n):
        builders.make_hazard(
            "rectifying" if i % 2 else "reported",
            unit=unit,
            accountable_post=post,
            reporter=reporter,
            deadline=TODAY - timedelta(days=1) if i % 3 == 0 else TODAY + timedelta(days=5),
        )


@pytest.mark.parametrize("path", ["/hazards/?limit=100", "/hazards/?limit=100&sort=deadline", "/"])
def test_pages_run_a_constant_number_of_queries(
    app: Any, client: Any, auth: Any, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    viewer = builders.make_user(email="viewer@example.com", is_admin=True)
    monkeypatch.setattr("safety.services.org.hash_password", lambda password: "unused")
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    builders.make_holding(post, viewer)
    builders.make_holder(post)
    reporter = builders.make_user()
    auth.login("viewer@example.com")
    make_many(5, unit, post, reporter)
    client.get(path)
    db.session.commit()  # requests share the test's session: start each alike
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(path).status_code == 200
    make_many(45, builders.make_unit(parent=unit), builders.make_post(unit=unit), reporter)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_detail_runs_a_constant_number_of_queries(
    app: Any, client: Any, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.make_user(email="viewer@example.com", is_admin=True)
    auth.login("viewer@example.com")
    small = builders.make_hazard("closed", photos=[jpeg()])
    big = builders.make_hazard("rectifying", photos=[jpeg(), jpeg(), jpeg()])
    from safety.services import hazards as svc

    app.config["MAX_EXTENSIONS"] = 6  # a long history: the cap is configuration
    for day in range(6):
        svc.extend_hazard(
            builders.actor(),
            big,
            deadline=big.deadline + timedelta(days=1),
            reason=f"第{day}次",
            version=big.version,
            now=NOW,
            today=TODAY,
        )
    counts = []
    for hazard in (small, big):
        client.get(f"/hazards/{hazard.id}")
        db.session.commit()
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(f"/hazards/{hazard.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_my_work_lists_what_i_must_do(app: Any, client: Any, auth: Any) -> None:
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    me = builders.make_user(email="me@example.com")
    builders.make_holding(post, me)
    builders.grant_hazard_role("supervision", unit, me)
    mine = builders.make_hazard("rectifying", unit=unit, accountable_post=post, title="我要整改")
    late = builders.make_hazard(
        "rectifying",
        unit=unit,
        accountable_post=post,
        deadline=TODAY - timedelta(days=2),
        title="我的逾期",
    )
    to_verify = builders.make_hazard("pending_verification", unit=unit, title="等我验收")
    builders.make_hazard("rectifying", title="别人的")
    auth.login("me@example.com")
    html = client.get("/").get_data(as_text=True)
    rectify = html[html.index('id="to-rectify"') : html.index('id="to-verify"')]
    assert mine.number in rectify and late.number in rectify
    overdue = html[html.index('id="my-overdue"') : html.index('id="to-rectify"')]
    assert late.number in overdue and mine.number not in overdue
    verify = html[html.index('id="to-verify"') : html.index('id="to-assign"')]
    assert to_verify.number in verify
    assert "别人的" not in html


def test_major_hazard_authority_and_write_off_forms(app: Any, client: Any, auth: Any) -> None:
    hazard = builders.make_hazard("pending_verification", level="major")
    builders.make_user(email="boss@example.com", is_admin=True)
    auth.login("boss@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    url = f"/hazards/{hazard.id}/report_authority"
    token = hidden(form_of(html, url), "report_authority-csrf_token")
    fields = {
        "report_authority-csrf_token": token,
        "report_authority-version": str(hazard.version),
        "report_authority-reported_on": TODAY.isoformat(),
        "report_authority-listed": "y",
        "report_authority-authority": "",
    }
    response = client.post(url, data=fields)
    assert response.status_code == 422  # listed, but by whom?
    fields["report_authority-authority"] = "市应急管理局"
    assert client.post(url, data=fields).status_code == 302
    db.session.refresh(hazard)
    from safety.services import hazards as svc

    verifier = builders.grant_hazard_role("supervision", hazard.unit)
    svc.verify_hazard(
        verifier, hazard, evaluation="已消除", version=hazard.version, now=NOW, today=TODAY
    )
    assert hazard.status == HazardStatus.PENDING_WRITEOFF
    response = client.post(
        f"/hazards/{hazard.id}/write_off",
        data={
            "write_off-csrf_token": token,
            "write_off-version": str(hazard.version),
            "write_off-authority": "市应急管理局",
            "write_off-decided_on": TODAY.isoformat(),
            "write_off-note": "核销",
        },
    )
    assert response.status_code == 302
    db.session.refresh(hazard)
    assert hazard.listed_for_supervision and hazard.supervising_authority == "市应急管理局"
    assert hazard.written_off_on == TODAY and hazard.status == HazardStatus.CLOSED
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert "市应急管理局" in html


def test_photos_without_an_event_show_with_the_report(app: Any, client: Any, auth: Any) -> None:
    """Photos an inspection copies onto the hazard belong to no event."""
    from safety.services import photos

    hazard = builders.make_hazard()
    stored = photos.store_image(jpeg())
    db.session.add(
        HazardPhoto(
            hazard_id=hazard.id,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            content_type=stored.content_type,
            width=stored.width,
            height=stored.height,
        )
    )
    db.session.commit()
    builders.make_user(email="u@example.com")
    auth.login("u@example.com")
    html = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    report = html[html.index('class="hz-event hz-event-report"') :]
    assert stored.thumb_name in report
    assert client.get(f"/hazards/photos/{stored.thumb_name}").status_code == 200
