"""The organisation pages: everyone signed in reads, admins write, CSRF always on."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, Post, PostHolder, Unit, User
from tests import builders


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def org_data(app):
    """A small organisation: a plant with a workshop, two posts and one holder."""
    plant = builders.make_unit(name="纯碱厂", code="SODA")
    shop = builders.make_unit(name="煅烧车间", code="SODA-CALC", parent=plant)
    head = builders.make_post(title="厂长", unit=plant)
    officer = builders.make_post(title="安全员", unit=shop, superior=head, level="operation")
    holder = builders.make_holder(officer, name="李明", email="liming@example.com")
    return {"plant": plant, "shop": shop, "head": head, "officer": officer, "holder": holder}


@pytest.fixture
def as_admin(auth, admin):
    auth.login(admin.email)
    return auth


@pytest.fixture
def as_member(auth, org_data):
    auth.login(org_data["holder"].email)
    return auth


@pytest.mark.parametrize(
    "path",
    ["/org/", "/org/posts", "/org/people", "/org/units/{plant}", "/org/posts/{officer}"],
)
def test_pages_need_sign_in(client, org_data, path):
    response = client.get(path.format(plant=org_data["plant"].id, officer=org_data["officer"].id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_member_reads_tree_posts_and_people(client, as_member, org_data):
    tree = client.get("/org/").get_data(as_text=True)
    assert "纯碱厂" in tree and "煅烧车间" in tree and "SODA-CALC" in tree
    posts = client.get("/org/posts").get_data(as_text=True)
    assert "安全员" in posts and "李明" in posts
    post = client.get(f"/org/posts/{org_data['officer'].id}").get_data(as_text=True)
    assert "厂长" in post  # the chain of superiors
    assert "分配任职人" not in post and "Assign a holder" not in post  # no write form
    people = client.get("/org/people").get_data(as_text=True)
    assert "liming@example.com" in people


def test_vacant_post_is_marked(client, as_admin, org_data):
    page = client.get(f"/org/posts/{org_data['head'].id}").get_data(as_text=True)
    assert "空缺" in page


def _writes(org_data: dict) -> list[tuple[str, dict]]:
    plant, officer, holder = org_data["plant"], org_data["officer"], org_data["holder"]
    holding = db.session.scalars(sa.select(PostHolder)).first()
    return [
        ("/org/units/new", {"name": "新单位", "code": "NEW", "parent_id": ""}),
        (f"/org/units/{plant.id}/edit", {"name": "改名", "code": "SODA", "parent_id": ""}),
        ("/org/posts/new", {"title": "新岗位", "unit_id": plant.id, "level": "management"}),
        (
            f"/org/posts/{officer.id}/edit",
            {"title": "改名", "unit_id": plant.id, "level": "operation"},
        ),
        (
            f"/org/posts/{officer.id}/holders",
            {"user_id": holder.id, "start_date": "2030-01-01"},
        ),
        (f"/org/holdings/{holding.id}/end", {"end_date": "2026-03-31"}),
        (
            "/org/people/new",
            {"email": "x@example.com", "name": "X", "password": "long enough 1", "locale": "en"},
        ),
        (f"/org/people/{holder.id}/edit", {"email": "y@example.com", "name": "Y", "locale": "en"}),
        (f"/org/people/{holder.id}/deactivate", {}),
        (f"/org/people/{holder.id}/reactivate", {}),
    ]


def test_non_admin_writes_are_403_and_change_nothing(client, as_member, org_data):
    token = as_member.csrf("/org/")
    events = _count(AuditEvent)
    for path, data in _writes(org_data):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    for path in ["/org/units/new", "/org/people/new", "/org/import", "/org/import/template.xlsx"]:
        assert client.get(path).status_code == 403, path
    assert _count(AuditEvent) == events
    db.session.expire_all()
    assert db.session.get(Unit, org_data["plant"].id).name == "纯碱厂"
    assert db.session.get(User, org_data["holder"].id).active


def test_post_without_csrf_token_is_400(client, as_admin):
    response = client.post("/org/units/new", data={"name": "新单位", "code": "NEW"})
    assert response.status_code == 400
    assert _count(Unit) == 0


def test_admin_creates_unit_below_another(client, as_admin, org_data):
    token = as_admin.csrf("/org/units/new")
    response = client.post(
        "/org/units/new",
        data={
            "name": "碳化车间",
            "code": "SODA-CARB",
            "parent_id": org_data["plant"].id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "SODA-CARB"))
    assert unit.parent_id == org_data["plant"].id
    assert "碳化车间" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "code": "X"}, "必填"),
        ({"name": "重复", "code": "SODA"}, "已被使用"),
        ({"name": "X", "code": "X", "parent_id": "999"}, ""),
    ],
)
def test_bad_unit_form_shows_field_errors_and_writes_nothing(
    client, as_admin, org_data, data, message
):
    units = _count(Unit)
    token = as_admin.csrf("/org/units/new")
    response = client.post("/org/units/new", data={"parent_id": "", **data, "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and message in page
    assert _count(Unit) == units


def test_moving_a_unit_below_its_child_is_a_form_error(client, as_admin, org_data):
    plant, shop = org_data["plant"], org_data["shop"]
    token = as_admin.csrf(f"/org/units/{plant.id}/edit")
    response = client.post(
        f"/org/units/{plant.id}/edit",
        data={"name": plant.name, "code": plant.code, "parent_id": shop.id, "csrf_token": token},
    )
    assert response.status_code == 200
    assert "单位不能挂在自身或其下级之下" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, plant.id).parent_id is None


def test_superior_loop_is_a_form_error(client, as_admin, org_data):
    head, officer = org_data["head"], org_data["officer"]
    token = as_admin.csrf(f"/org/posts/{head.id}/edit")
    response = client.post(
        f"/org/posts/{head.id}/edit",
        data={
            "title": head.title,
            "unit_id": head.unit_id,
            "level": "management",
            "superior_post_id": officer.id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, head.id).superior_post_id is None


def test_admin_assigns_and_ends_a_holding_keeping_history(client, as_admin, org_data):
    head = org_data["head"]
    person = builders.make_user(name="孙建华")
    token = as_admin.csrf(f"/org/posts/{head.id}")
    response = client.post(
        f"/org/posts/{head.id}/holders",
        data={"user_id": person.id, "start_date": "2025-01-01", "csrf_token": token},
    )
    assert response.status_code == 302
    holding = db.session.scalar(sa.select(PostHolder).where(PostHolder.post_id == head.id))
    response = client.post(
        f"/org/holdings/{holding.id}/end", data={"end_date": "2025-12-31", "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PostHolder, holding.id).end_date == date(2025, 12, 31)
    page = client.get(f"/org/posts/{head.id}").get_data(as_text=True)
    assert "孙建华" in page and "2025-12-31" in page  # still listed, as history


def test_assigning_an_overlapping_period_shows_the_error(client, as_admin, org_data):
    officer, holder = org_data["officer"], org_data["holder"]
    token = as_admin.csrf(f"/org/posts/{officer.id}")
    response = client.post(
        f"/org/posts/{officer.id}/holders",
        data={"user_id": holder.id, "start_date": "2025-06-01", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "在该期间已任此岗位" in response.get_data(as_text=True)
    assert _count(PostHolder) == 1


def test_admin_creates_and_edits_a_person(client, as_admin):
    token = as_admin.csrf("/org/people/new")
    response = client.post(
        "/org/people/new",
        data={
            "email": "New.Person@Example.com",
            "name": "新人",
            "password": "long enough 1",
            "locale": "en",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(sa.select(User).where(User.email == "new.person@example.com"))
    assert person is not None and person.locale.value == "en" and not person.is_admin
    response = client.post(
        f"/org/people/{person.id}/edit",
        data={
            "email": person.email,
            "name": "新人改名",
            "locale": "zh_CN",
            "is_admin": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.name == "新人改名" and person.is_admin


def test_duplicate_email_on_person_form_is_a_field_error(client, as_admin, org_data):
    token = as_admin.csrf("/org/people/new")
    response = client.post(
        "/org/people/new",
        data={
            "email": "liming@example.com",
            "name": "重名",
            "password": "long enough 1",
            "locale": "zh_CN",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert "已被使用" in response.get_data(as_text=True)


def test_deactivate_asks_first_then_ends_holdings_and_sign_in(client, auth, admin, org_data):
    holder = org_data["holder"]
    auth.login(admin.email)
    confirm = client.get(f"/org/people/{holder.id}/deactivate").get_data(as_text=True)
    assert "安全员" in confirm  # the holdings that will end are listed
    token = auth.csrf(f"/org/people/{holder.id}/deactivate")
    response = client.post(f"/org/people/{holder.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, holder.id).active
    assert db.session.scalars(sa.select(PostHolder)).one().end_date is not None
    auth.logout()
    auth.login(holder.email)
    assert client.get("/org/").status_code == 302  # still signed out
    auth.login(admin.email)
    token = auth.csrf(f"/org/people/{holder.id}")
    response = client.post(f"/org/people/{holder.id}/reactivate", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, holder.id).active


@pytest.mark.parametrize(
    "path", ["/org/units/999", "/org/posts/999", "/org/people/999", "/org/units/999/edit"]
)
def test_unknown_ids_are_404(client, as_admin, path):
    assert client.get(path).status_code == 404


def test_people_list_pages_and_filters(client, as_admin, app):
    for n in range(55):
        builders.make_user(name=f"员工{n:02d}", email=f"staff{n:02d}@example.com")
    first = client.get("/org/people").get_data(as_text=True)
    assert "员工00" in first and "员工54" not in first
    import re

    cursor = re.search(r"cursor=([\w-]+)", first).group(1)
    second = client.get(f"/org/people?cursor={cursor}").get_data(as_text=True)
    assert "员工54" in second and "员工00" not in second
    found = client.get("/org/people?q=staff07").get_data(as_text=True)
    assert "员工07" in found and "员工08" not in found
    assert client.get("/org/people?cursor=forged&status=bogus").status_code == 200


def test_admin_marks_a_party_post_through_the_form(client, as_admin, org_data):
    token = as_admin.csrf("/org/posts/new")
    assert 'name="party"' in client.get("/org/posts/new").get_data(as_text=True)
    response = client.post(
        "/org/posts/new",
        data={
            "title": "党支部书记",
            "unit_id": org_data["plant"].id,
            "level": "management",
            "party": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.title == "党支部书记"))
    assert post.party is True
    assert "党组织岗位" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(
        f"/org/posts/{post.id}/edit",
        data={
            "title": "党支部书记",
            "unit_id": org_data["plant"].id,
            "level": "management",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.party is False
