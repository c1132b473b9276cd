"""The demo organisation: complete, idempotent, and findable by stable keys."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from safety.demo import org as demo
from safety.extensions import db
from safety.models import AuditEvent, Base
from safety.services import org
from safety.services.passwords import check_password
from tests.builders import NOW


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_demo_org_loads_every_unit_post_and_login(app):
    logins = demo.load(now=NOW)
    assert {login["email"] for login in logins} >= {
        "admin@demo.safety",
        "zhaoanguo@demo.safety",
        "sunjianhua@demo.safety",
        "liming@demo.safety",
        "zhoujing@demo.safety",
        "wangzhenhua@demo.safety",
    }
    for code, _name, parent in demo.UNITS:
        unit = demo.find_unit(code)
        assert (unit.parent.code if unit.parent else None) == parent
    for unit_code, title, *_rest in demo.POSTS:
        assert demo.find_post(unit_code, title).unit.code == unit_code
    for login in logins:
        user = demo.find_user(login["email"])
        assert check_password(user.password_hash, login["password"])
    assert demo.find_user("admin").is_admin


def test_demo_chain_runs_from_workshop_to_the_chairman(app):
    demo.load(now=NOW)
    officer = demo.find_post(demo.SODA_CALC, demo.SAFETY_OFFICER)
    chain = [(p.unit.code, p.title) for p in org.superior_chain(officer)]
    assert chain == [
        (demo.SODA_CALC, demo.WORKSHOP_HEAD),
        (demo.SODA, demo.PLANT_HEAD),
        (demo.HQ, demo.DEPUTY_GM_PRODUCTION),
        (demo.HQ, demo.GENERAL_MANAGER),
        (demo.HQ, demo.CHAIRMAN),
    ]


def test_demo_has_a_vacant_post_and_a_past_holder(app):
    demo.load(now=NOW)
    today = date(2026, 3, 12)
    vacant = demo.find_post(*demo.VACANT_POST)
    assert org.holders_on([vacant.id], today)[vacant.id] == []
    carb_officer = demo.find_post(demo.SODA_CARB, demo.SAFETY_OFFICER)
    assert [u.name for u in org.holders_on([carb_officer.id], today)[carb_officer.id]] == ["吴芳"]
    assert [
        u.name for u in org.holders_on([carb_officer.id], date(2025, 3, 1))[carb_officer.id]
    ] == ["陈涛"]
    for unit_code, *_rest in demo.UNITS:
        unit = demo.find_unit(unit_code)
        assert unit.code.isascii() and len(unit.code) <= 16


def test_demo_org_load_twice_changes_nothing(app):
    demo.load(now=NOW)
    before = _row_counts()
    last_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    demo.load(now=NOW)
    assert _row_counts() == before
    assert db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) == last_event


@pytest.mark.parametrize(
    "lookup", [lambda: demo.find_unit("NOPE"), lambda: demo.find_post("HQ", "nope")]
)
def test_lookups_fail_clearly_before_the_demo_is_loaded(app, lookup):
    with pytest.raises(LookupError, match="demo"):
        lookup()


def test_demo_load_command_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.safety" in first.output and "demo12345" in first.output
    before = _row_counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert _row_counts() == before
