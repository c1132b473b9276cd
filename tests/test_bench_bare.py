"""The bench's bare endpoint runs the same SQL as the hazard list API (issue 13, P5):
the same hazards, in the same order, with the same holders."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest
from flask import current_app

from tests import builders


def test_the_bare_endpoint_answers_what_the_api_answers(
    app: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = builders.make_post()
    holder = builders.make_holder(post)
    for status in ("reported", "rectifying", "closed", "rectifying"):
        builders.make_hazard(status, accountable_post=post)
    builders.db.session.commit()
    monkeypatch.setenv("BENCH_BARE_DATABASE_URI", current_app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.delitem(sys.modules, "bench.bare_app", raising=False)
    bare = importlib.import_module("bench.bare_app")
    try:
        body = bare.app.test_client().get("/hazards").get_json()
    finally:
        bare.engine.dispose()
    theirs = api.login(holder.email).get("/hazards").get_json()
    assert [h["id"] for h in body["items"]] == [h["id"] for h in theirs["items"]]
    assert [h["number"] for h in body["items"]] == [h["number"] for h in theirs["items"]]
    holders = [[u["id"] for u in h["accountable_holders"]] for h in body["items"]]
    assert holders == [[u["id"] for u in h["accountable_holders"]] for h in theirs["items"]]
    assert body["next_cursor"] is None and len(body["items"]) == 4
