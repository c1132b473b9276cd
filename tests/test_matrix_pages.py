"""The matrix's HTML pages: render, sign, gaps update, export agrees with the API."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from safety.extensions import db
from safety.models import Duty, Responsibility, SafetyTarget
from safety.services import matrix
from tests.builders import (
    NOW,
    PASSWORD,
    make_duty,
    make_holder,
    make_post,
    make_responsibility,
    make_unit,
    make_user,
)
from tests.conftest import csrf_token_from

LETTER_KINDS = {"主": "main", "领": "leadership", "监": "supervision", "直": "direct"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plant(app):
    group = make_unit(name="集团总部", code="HQ")
    plant = make_unit(name="纯碱厂", code="SODA", parent=group)
    head = make_post(unit=plant, title="厂长", business_duties="主持纯碱厂生产经营")
    chairman = make_post(unit=group, title="董事长", level="decision")
    make_responsibility(chairman, group, "main")
    make_responsibility(chairman, group, "leadership")
    make_responsibility(head, plant, "main", duty=make_duty(title="组织隐患排查治理"))
    user = make_holder(head, name="孙建华", email="sun@example.com")
    return {"group": group, "plant": plant, "head": head, "chairman": chairman, "user": user}


@pytest.mark.parametrize(
    "path",
    [
        "/matrix/",
        "/matrix/gaps",
        "/matrix/mine",
        "/matrix/duties",
        "/matrix/responsibilities",
        "/matrix/targets",
        "/matrix/?level=decision",
    ],
)
def test_pages_render_for_a_holder(client, auth, plant, path):
    auth.login("sun@example.com")
    response = client.get(path)
    assert response.status_code == 200, path


def test_pages_need_sign_in(client, plant):
    response = client.get("/matrix/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_matrix_page_shows_letters_with_accessible_names(client, auth, plant):
    auth.login("sun@example.com")
    html = client.get("/matrix/").get_data(as_text=True)
    assert 'class="kind kind-main"' in html and ">主<" in html
    assert "visually-hidden" in html
    assert "董事长" in html and "厂长" in html
    assert "责任矩阵" in html and "全面责任（第一责任人）" in html  # the zh_CN catalogue


def test_bad_filter_is_a_message_not_an_error(client, auth, plant):
    auth.login("sun@example.com")
    response = client.get("/matrix/?level=boss")
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)


def test_unit_head_signs_and_the_gap_goes(client, auth, plant):
    auth.login("sun@example.com")
    gaps = client.get("/matrix/gaps").get_data(as_text=True)
    assert 'data-gap="unacknowledged"' in gaps
    mine = client.get("/matrix/mine").get_data(as_text=True)
    assert "组织隐患排查治理" in mine and "主持纯碱厂生产经营" in mine
    token = csrf_token_from(mine)
    head = plant["head"]
    response = client.post(
        f"/matrix/posts/{head.id}/sign",
        data={
            f"p{head.id}-csrf_token": token,
            f"p{head.id}-version": "1",
            f"p{head.id}-password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert matrix.unsigned_lists(NOW.date()) == []
    gaps = client.get("/matrix/gaps").get_data(as_text=True)
    assert 'data-gap="unacknowledged"' not in gaps


def test_my_list_shows_what_changed_since_i_signed(client, auth, plant):
    head = plant["head"]
    matrix.acknowledge_list(plant["user"], head.id, now=NOW, today=NOW.date())
    make_responsibility(head, plant["plant"], "direct", description="每周巡检")
    auth.login("sun@example.com")
    html = client.get("/matrix/mine").get_data(as_text=True)
    assert "diff-added" in html and "每周巡检" in html


def test_signing_a_stale_version_from_the_page_says_so(client, auth, plant):
    head = plant["head"]
    auth.login("sun@example.com")
    token = csrf_token_from(client.get("/matrix/mine").get_data(as_text=True))
    make_responsibility(head, plant["plant"], "direct")  # version 2 while the page showed 1
    response = client.post(
        f"/matrix/posts/{head.id}/sign",
        data={
            f"p{head.id}-csrf_token": token,
            f"p{head.id}-version": "1",
            f"p{head.id}-password": PASSWORD,
        },
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert matrix.unsigned_lists(NOW.date()) == [(plant["user"].id, head.id, 2)]


def test_signing_a_post_i_do_not_hold_is_403(client, auth, plant):
    make_user(email="other@example.com")
    auth.login("other@example.com")
    token = auth.csrf("/matrix/")
    chairman = plant["chairman"]
    response = client.post(
        f"/matrix/posts/{chairman.id}/sign",
        data={
            f"p{chairman.id}-csrf_token": token,
            f"p{chairman.id}-version": "1",
            f"p{chairman.id}-password": PASSWORD,
        },
    )
    assert response.status_code == 403


def test_print_page_renders_list_holders_and_signature_status(client, auth, plant):
    head = plant["head"]
    matrix.acknowledge_list(plant["user"], head.id, now=NOW, today=NOW.date())
    auth.login("sun@example.com")
    html = client.get(f"/matrix/posts/{head.id}/print").get_data(as_text=True)
    assert "孙建华" in html and "组织隐患排查治理" in html and "主持纯碱厂生产经营" in html
    assert "2026-03-12" in html
    assert client.get(f"/matrix/posts/{head.id}").status_code == 200
    assert client.get(f"/matrix/posts/{head.id}?from=1&to=9").status_code == 200
    assert client.get("/matrix/posts/99999/print").status_code == 404


def test_gap_links_point_where_the_gap_is_fixed(app, client, auth, admin, plant):
    vacant = make_post(unit=plant["plant"], title="安全员")
    make_responsibility(vacant, plant["plant"], "direct")
    auth.login(admin.email)
    html = client.get("/matrix/gaps").get_data(as_text=True)
    assert f"/matrix/posts/{plant['head'].id}" in html  # unsigned → the list
    assert "/matrix/responsibilities?unit_id=" in html  # missing supervision → the form
    if "org.post_detail" in app.view_functions:  # vacancy → the organisation pages
        assert f'/org/posts/{vacant.id}"' in html


def test_export_agrees_with_get_matrix(client, auth, api, plant):
    auth.login("sun@example.com")
    response = client.get("/matrix/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    units = [re.search(r"\(([^)]+)\)$", str(h)).group(1) for h in header[4:]]
    exported = set()
    for row in rows[1:]:
        for code, value in zip(units, row[4:], strict=True):
            if value:
                kinds = tuple(LETTER_KINDS[letter] for letter in value.split())
                exported.add((row[3], code, kinds))
    body = api.login("sun@example.com").get("/matrix").get_json()
    codes = {u["id"]: u["code"] for u in body["units"]}
    expected = {(c["post_id"], codes[c["unit_id"]], tuple(c["kinds"])) for c in body["cells"]}
    assert exported == expected
    assert [p["id"] for p in body["posts"]] == [row[3] for row in rows[1:]]


def test_admin_adds_duty_and_responsibility_through_the_forms(client, auth, admin, plant):
    auth.login(admin.email)
    token = auth.csrf("/matrix/duties")
    response = client.post(
        "/matrix/duties",
        data={"csrf_token": token, "title": "组织应急演练", "category": "industry"},
    )
    assert response.status_code == 302
    duty = db.session.scalar(sa.select(Duty).where(Duty.title == "组织应急演练"))
    response = client.post(
        "/matrix/responsibilities",
        data={
            "csrf_token": token,
            "post_id": plant["head"].id,
            "unit_id": plant["plant"].id,
            "kind": "supervision",
            "duty_id": duty.id,
        },
    )
    assert response.status_code == 302
    assert matrix.responsibility_list(plant["head"].id)["version"] == 2


def test_form_errors_name_the_field_and_write_nothing(client, auth, admin, plant):
    auth.login(admin.email)
    token = auth.csrf("/matrix/responsibilities")
    before = db.session.scalar(sa.select(sa.func.count(Responsibility.id)))
    response = client.post(
        "/matrix/responsibilities",
        data={"csrf_token": token, "post_id": plant["head"].id, "unit_id": "", "kind": "boss"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 2
    assert db.session.scalar(sa.select(sa.func.count(Responsibility.id))) == before


def test_non_admin_cannot_post_admin_forms(client, auth, plant):
    auth.login("sun@example.com")
    token = auth.csrf("/matrix/duties")
    response = client.post(
        "/matrix/duties", data={"csrf_token": token, "title": "x", "category": "industry"}
    )
    assert response.status_code == 403
    assert client.get("/matrix/import").status_code == 403
    html = client.get("/matrix/duties").get_data(as_text=True)
    assert "/matrix/import" not in html


def test_targets_are_broken_down_layer_by_layer(client, auth, admin, plant):
    auth.login(admin.email)
    token = auth.csrf("/matrix/targets")
    group, unit = plant["group"], plant["plant"]
    response = client.post(
        f"/matrix/targets?unit_id={group.id}",
        data={
            "csrf_token": token,
            "unit_id": group.id,
            "year": "2026",
            "title": "隐患整改率",
            "metric": "rectification_rate",
            "target_value": "≥95%",
        },
    )
    assert response.status_code == 302
    top = db.session.scalar(sa.select(SafetyTarget))
    response = client.post(
        f"/matrix/targets?unit_id={unit.id}&year=2026",
        data={
            "csrf_token": token,
            "unit_id": unit.id,
            "year": "2026",
            "title": "隐患整改率",
            "target_value": "≥98%",
            "parent_id": top.id,
        },
    )
    assert response.status_code == 302
    html = client.get(f"/matrix/targets?unit_id={unit.id}&year=2026").get_data(as_text=True)
    assert "集团总部: 隐患整改率 ≥95%" in html
    [row] = matrix.targets_for_unit(unit.id, 2026)
    assert row["origin"] == [top] and row["target"].metric == "rectification_rate"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/matrix/posts/99999999999", 404),
        ("/matrix/posts/99999999999/print", 404),
        ("/matrix/duties/99999999999/edit", 404),
        ("/matrix/targets?unit_id=99999999999", 404),
        ("/matrix/?unit_id=99999999999", 200),
    ],
)
def test_huge_ids_in_urls_are_not_found(client, auth, admin, plant, path, status):
    auth.login(admin.email)
    assert client.get(path).status_code == status


def test_unknown_version_in_the_url_is_a_message(client, auth, plant):
    auth.login("sun@example.com")
    head = plant["head"]
    response = client.get(f"/matrix/posts/{head.id}?from=1&to=99999999999")
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["", "wrong password 9"])
def test_signing_asks_for_the_password_again(client, auth, plant, password):
    head = plant["head"]
    auth.login("sun@example.com")
    mine = client.get("/matrix/mine").get_data(as_text=True)
    assert f'name="p{head.id}-password"' in mine and 'type="password"' in mine
    response = client.post(
        f"/matrix/posts/{head.id}/sign",
        data={
            f"p{head.id}-csrf_token": csrf_token_from(mine),
            f"p{head.id}-version": "1",
            f"p{head.id}-password": password,
        },
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert matrix.unsigned_lists(NOW.date()) == [(plant["user"].id, head.id, 1)]


def test_signing_records_time_and_version_and_the_page_says_so(client, auth, plant):
    head = plant["head"]
    auth.login("sun@example.com")
    mine = client.get("/matrix/mine").get_data(as_text=True)
    assert "签字确认" in mine
    client.post(
        f"/matrix/posts/{head.id}/sign",
        data={
            f"p{head.id}-csrf_token": csrf_token_from(mine),
            f"p{head.id}-version": "1",
            f"p{head.id}-password": PASSWORD,
        },
    )
    [ack] = matrix.responsibility_list(head.id)["acknowledgements"]
    assert (ack.version, ack.at) == (1, NOW)


def test_the_list_page_shows_what_changed_since_my_signature(client, auth, plant):
    head = plant["head"]
    matrix.acknowledge_list(plant["user"], head.id, now=NOW, today=NOW.date())
    make_responsibility(head, plant["plant"], "direct", description="每周巡检")
    make_responsibility(head, plant["plant"], "supervision", description="每月复查")
    auth.login("sun@example.com")
    html = client.get(f"/matrix/posts/{head.id}").get_data(as_text=True)
    # From the version I signed (1) to the current one (3), not only 2 → 3.
    assert "每周巡检" in html and "每月复查" in html
    assert f'name="p{head.id}-password"' in html


def test_regulatory_words_in_chinese(client, auth, plant):
    make_responsibility(plant["chairman"], plant["plant"], "supervision")
    make_responsibility(plant["head"], plant["plant"], "direct")
    auth.login("sun@example.com")
    html = client.get("/matrix/").get_data(as_text=True)
    for word in (
        "全面责任（第一责任人）",
        "分管领导责任",
        "监督管理责任",
        "直接责任",
        "安全生产责任制",
    ):
        assert word in html, word
    assert "主体责任" not in html and "监管责任" not in html
    assert "责任缺项" in html and "缺口" not in html
    gaps = client.get("/matrix/gaps").get_data(as_text=True)
    assert "主体责任" not in gaps and "监管责任" not in gaps and "缺口" not in gaps
    mine = client.get("/matrix/mine").get_data(as_text=True)
    assert "签署" not in mine and "签字确认" in mine


def test_english_pages_have_no_chinese_left(client, auth, app):
    group = make_unit(name="Group HQ", code="GHQ")
    head = make_post(unit=group, title="Chairman", level="decision", business_duties="Runs it")
    for kind in ("main", "leadership", "supervision", "direct"):
        make_responsibility(head, group, kind)
    make_holder(head, name="Ann Lee", email="ann@example.com", locale="en")
    auth.login("ann@example.com")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for path in ("/matrix/", "/matrix/gaps", "/matrix/mine", f"/matrix/posts/{head.id}"):
        html = client.get(path).get_data(as_text=True)
        body = html.split("<main", 1)[-1]
        assert not cjk.findall(body), (path, cjk.findall(body)[:10])


@pytest.mark.parametrize("path", ["/matrix/", "/matrix/mine"])
def test_wide_tables_scroll_inside_their_container_on_phones(client, auth, plant, path):
    auth.login("sun@example.com")
    html = client.get(path).get_data(as_text=True)
    tables = html.count("<table")
    assert tables and html.count('<div class="table-wrap">') >= tables
    css = client.get("/static/matrix.css").get_data(as_text=True)
    # Grid columns may shrink below their content, so the table scrolls instead of the page.
    assert ".dual > * { min-width: 0; }" in css and "@media (max-width: 600px)" in css
