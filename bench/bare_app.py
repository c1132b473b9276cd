"""The bare endpoint P5 compares the hazard list API with (issue 13).

A Flask app with one route, ``GET /hazards``, that runs the same SQL as the
first page of ``GET /api/v1/hazards`` — the page of hazards joined with
their unit and accountable post (51 rows: one more says there is a next
page), then today's holders of those posts — with SQLAlchemy Core and
answers the rows as JSON. No sign-in, no ORM, no session, no i18n: what
is left is the price of the SQL, the JSON and the server.

Served by ``python -m bench`` under the same gunicorn settings as the app
(``gunicorn --config python:safety.gunicorn_conf bench.bare_app:app``),
on the database in ``BENCH_BARE_DATABASE_URI``.
"""

from __future__ import annotations

import os
import warnings
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, jsonify

PAGE = 50
TZ = ZoneInfo(os.environ.get("SAFETY_TIMEZONE") or "Asia/Shanghai")

app = Flask(__name__)
engine = sa.create_engine(os.environ["BENCH_BARE_DATABASE_URI"])
meta = sa.MetaData()
with warnings.catch_warnings():  # expression indexes are not reflected: not needed here
    warnings.simplefilter("ignore", sa.exc.SAWarning)
    meta.reflect(engine, only=["hazards", "units", "posts", "post_holders", "users"])
hazards, units, posts = meta.tables["hazards"], meta.tables["units"], meta.tables["posts"]
holders, users = meta.tables["post_holders"], meta.tables["users"]


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@app.get("/hazards")
def hazard_list() -> Any:
    today = datetime.now(TZ).date()  # the app's "today" (TIMEZONE)
    page = (
        sa.select(hazards, units.c.name.label("unit_name"), posts.c.title.label("post_title"))
        .join(units, units.c.id == hazards.c.unit_id)
        .outerjoin(posts, posts.c.id == hazards.c.accountable_post_id)
        .order_by(hazards.c.id)
        .limit(PAGE + 1)
    )
    with engine.connect() as conn:
        rows = conn.execute(page).mappings().all()
        post_ids = {r["accountable_post_id"] for r in rows[:PAGE]} - {None}
        held: dict[int, list[dict[str, Any]]] = {}
        if post_ids:
            for post_id, user_id, name in conn.execute(
                sa.select(holders.c.post_id, users.c.id, users.c.name)
                .join(users, users.c.id == holders.c.user_id)
                .where(
                    holders.c.post_id.in_(post_ids),
                    holders.c.start_date <= today,
                    sa.or_(holders.c.end_date.is_(None), holders.c.end_date >= today),
                    users.c.active.is_(True),
                )
                .order_by(holders.c.post_id, users.c.name)
            ):
                held.setdefault(post_id, []).append({"id": user_id, "name": name})
    items = [
        {
            **{key: _plain(value) for key, value in row.items()},
            "accountable_holders": held.get(row["accountable_post_id"], []),
        }
        for row in rows[:PAGE]
    ]
    return jsonify(items=items, next_cursor=str(rows[-1]["id"]) if len(rows) > PAGE else None)
