"""The audit log page: admins only, newest first, filters, paging, integrity."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent
from safety.services import org
from tests import builders
from tests.builders import NOW


@pytest.fixture
def signed_in_admin(auth, admin):
    auth.login(admin.email)
    return admin


@pytest.mark.parametrize("path", ["/admin/", "/admin/audit"])
def test_non_admin_gets_403(client, auth, path):
    user = builders.make_user()
    auth.login(user.email)
    assert client.get(path).status_code == 403


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_log_lists_who_what_and_changes_newest_first(client, signed_in_admin):
    unit = builders.make_unit(name="纯碱厂", code="SODA")
    org.update_unit(builders.actor(), unit, name="纯碱分厂", code="SODA", parent_id=None, now=NOW)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "审计日志完整" in page
    table = page[page.index("<tbody>") :]
    update = table.index('title="unit.update">单位: 已修改')
    create = table.index('title="unit.create">单位: 已创建')
    assert update < create  # newest first, in words
    assert "纯碱厂 → 纯碱分厂" in page
    assert "Builder" in page  # who


def test_filters_by_action_and_object(client, signed_in_admin):
    unit = builders.make_unit(code="FILTER")
    builders.make_post(unit=unit)
    page = client.get("/admin/audit?action=post.create").get_data(as_text=True)
    rows = re.findall(r'<tr id="event-(\d+)"', page)
    assert rows and all(db.session.get(AuditEvent, int(r)).action == "post.create" for r in rows)
    page = client.get(f"/admin/audit?object_type=Unit&object_id={unit.id}").get_data(as_text=True)
    assert len(re.findall(r'<tr id="event-', page)) == 1


def test_bad_filter_values_do_not_fail(client, signed_in_admin):
    for query in ["since=2026-13-45", "object_id=abc", "action=nope", "cursor=%%%"]:
        assert client.get(f"/admin/audit?{query}").status_code == 200, query


def test_keyset_pages_cover_every_event_once(client, signed_in_admin):
    for n in range(30):
        builders.make_unit(code=f"P{n:02d}")  # 30 events + the actor's own
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    seen: list[int] = []
    url = "/admin/audit"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'<tr id="event-(\d+)"', page)]
        match = re.search(r'href="([^"]*cursor=[^"]+)"', page)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert len(seen) == total == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_tampering_shows_a_broken_chain_naming_the_entry(client, signed_in_admin):
    builders.make_unit()
    victim = db.session.scalar(sa.select(sa.func.min(AuditEvent.id)))
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == victim).values(changes={"x": 1})
    )
    db.session.commit()
    page = client.get("/admin/").get_data(as_text=True)
    assert "已被篡改" in page and f"第 {victim} 条" in page


def test_holding_events_link_to_their_post(client, signed_in_admin):
    post = builders.make_post()
    builders.make_holding(post)
    page = client.get("/admin/audit?action=holder.assign").get_data(as_text=True)
    assert f'href="/org/posts/{post.id}"' in page
