"""失职追责 in the accountability report: the actions naming a hazard show next to
its case (page and workbook), and each holder's overdue days link to recording one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from safety.extensions import db
from safety.services import duty, reports
from tests import builders, report_data

NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ds(app: Any) -> Iterator[report_data.DataSet]:
    with time_machine.travel(NOW, tick=False):
        yield report_data.build()


@pytest.fixture
def action(ds: report_data.DataSet) -> Any:
    """An admonishment of 李二 (甲厂厂长) for the overdue H5, also naming H6."""
    return duty.create_action(
        builders.actor(),
        user_id=ds.users["u2"].id,
        post_id=ds.posts["A"].id,
        kind="admonishment",
        reason="H5逾期未整改",
        decided_on=date(2026, 3, 20),
        hazard_ids=[ds.hazards["H5"].id, ds.hazards["H6"].id],
        now=NOW,
    )


def test_the_case_carries_the_actions_naming_its_hazard(ds: report_data.DataSet, action) -> None:
    (case,) = reports.accountability(None, None, hazard_id=ds.hazards["H5"].id, today=NOW.date())
    [line] = case.actions
    assert (line.user_name, line.post_title, line.kind, line.reason) == (
        "李二",
        "甲厂厂长",
        "admonishment",
        "H5逾期未整改",
    )
    (other,) = reports.accountability(None, None, hazard_id=ds.hazards["H7"].id, today=NOW.date())
    assert other.actions == []


def test_actions_are_loaded_in_one_query(ds: report_data.DataSet, action) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    ids = [ds.hazards["H5"].id, ds.hazards["H6"].id, 999]
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        found = duty.actions_by_hazard(ids)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    assert len(queries) == 1 and "accountability_actions" in queries[0]
    assert [a.id for a in found[ids[1]]] == [action.id]
    assert 999 not in found


def test_page_shows_actions_and_links_overdue_days_to_record_one(
    ds: report_data.DataSet, action, auth: Any, client: Any
) -> None:
    hazard = ds.hazards["H5"]
    with time_machine.travel(NOW, tick=False):
        auth.login(builders.actor().email)
        html = client.get(f"/reports/accountability?hazard_id={hazard.id}").get_data(as_text=True)
        assert "失职追责" in html and "诫勉谈话" in html and "H5逾期未整改" in html
        link = (
            f"/duty/actions?user_id={ds.users['u1'].id}&post_id={ds.posts['A'].id}"
            f"&hazard_ids={hazard.id}"
        )
        assert f'href="{link}"'.replace("&", "&amp;") in html
        form = client.get(link).get_data(as_text=True)
    # The action form comes filled with the person, the post and the hazard.
    assert f'value="{ds.users["u1"].id}"' in form
    assert f'value="{ds.posts["A"].id}"' in form
    assert f'value="{hazard.id}"' in unescape(form)


def test_readers_who_are_not_admins_see_the_actions_but_no_link(
    ds: report_data.DataSet, action, auth: Any, client: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        auth.login("u5@example.com")
        html = client.get(f"/reports/accountability?hazard_id={ds.hazards['H5'].id}").get_data(
            as_text=True
        )
    assert "H5逾期未整改" in html and "/duty/actions?" not in html


def test_workbook_has_the_actions_column(
    ds: report_data.DataSet, action, auth: Any, client: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        auth.login("u5@example.com")
        data = client.get(f"/reports/accountability.xlsx?hazard_id={ds.hazards['H5'].id}").data
    sheet = load_workbook(BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "失职追责" in r)
    column = header.index("失职追责")
    values = [r[column] for r in rows[rows.index(header) + 1 :] if r[column]]
    assert values
    assert all("2026-03-20 李二 (甲厂厂长)" in v and "H5逾期未整改" in v for v in values)
