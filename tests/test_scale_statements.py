"""SQL statements per request have a ceiling, not only a constant (issue 13, P2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from safety.extensions import db
from tests import builders
from tests.builders import NOW
from tests.sql_counting import count_statements as count_queries


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _statements(client: Any, path: str) -> list[str]:
    client.get(path)
    db.session.commit()  # requests share the test's session: start each alike
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return statements


@pytest.mark.parametrize(
    ("path", "ceiling"),
    [("/hazards/", 6), ("/hazards/?unit_id={unit}", 6), ("/hazards/?q=隐患&sort=deadline", 6)],
)
def test_hazard_list_needs_at_most_six_statements(
    app: Any, client: Any, auth: Any, path: str, ceiling: int
) -> None:
    builders.make_user(email="viewer@example.com", is_admin=True)
    unit = builders.make_unit()
    post = builders.make_post(unit=unit)
    builders.make_holder(post)
    for status in ("reported", "rectifying", "closed"):
        builders.make_hazard(status, unit=unit, accountable_post=post)
    auth.login("viewer@example.com")
    statements = _statements(client, path.format(unit=unit.id))
    assert len(statements) <= ceiling, "\n\n".join(statements)


def test_hazard_detail_needs_at_most_eight_statements(app: Any, client: Any, auth: Any) -> None:
    builders.make_user(email="viewer@example.com", is_admin=True)
    hazard = builders.make_hazard("pending_verification")
    auth.login("viewer@example.com")
    statements = _statements(client, f"/hazards/{hazard.id}")
    assert len(statements) <= 8, "\n\n".join(statements)
