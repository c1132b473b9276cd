"""My work costs the same SQL statements whatever the size of the data (issue 13, P2).

A workshop's safety officer (安全员) of a generated organisation: with a few
hazards most of their lists are empty, with many they fill up. The number of
statements of the home page's "My work" must not change between the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from flask import current_app

from safety import clock
from safety.demo.scale import scale_demo
from safety.extensions import db
from safety.services import home
from tests import builders
from tests.builders import NOW
from tests.sql_counting import count_statements


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _my_work_statements(hazards: int) -> tuple[list[str], home.MyWork]:
    scale_demo(hazards=hazards, people=60, seed=1, now=NOW)
    db.session.remove()
    today = clock.local_date(NOW)
    with current_app.test_request_context():  # a GET: a read transaction, as served
        officer = builders.workshop_officer()
        home.my_work(officer, today=today)  # warm: the first call may load what is cached
        db.session.expire_all()
        with count_statements() as statements:
            work = home.my_work(officer, today=today)
        db.session.commit()
    return statements, work


def _empty_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def test_my_work_statements_do_not_grow_with_the_data(app: Any) -> None:
    few, small = _my_work_statements(200)
    _empty_tables()
    many, large = _my_work_statements(3000)
    # The large register fills the officer's lists (else the test proves nothing).
    assert len(large.hazards.to_rectify) > len(small.hazards.to_rectify)
    assert large.hazards.to_verify and large.hazards.to_assign
    assert len(few) == len(many), "\n\n".join(
        ["-- at 200 hazards:", *few, "-- at 3000 hazards:", *many]
    )
