"""The risk register's busy pages at 100 and 10k risk points (issue 15).

``python -m bench.risks``: the four-colour map (of the group and of one
workshop), the due-check list (``GET /api/v1/risk-checks?due=true``, all and
one unit's), a holder's checks due on the register page and My work, each
through the real request path (templates included) on a fresh database per
size built by ``flask demo scale --risk-points`` (bulk inserts). Printed per
database: p95 at both sizes, the ratio, and the SQL statements of one request
at both sizes, which must be equal (the exit status says whether they are).

Sizes: ``--small`` / ``--large`` risk points (default 100 and 10000), or
``SAFETY_BENCH_RISK_SMALL`` / ``SAFETY_BENCH_RISK_LARGE``; PostgreSQL too
when the server of ``SAFETY_BENCH_PG`` answers (a temporary database
beside it; ``make bench`` points it at the local server).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import time_machine

from bench import web
from bench.scale import NOW, Recorder, database, pg_reachable

DEFAULTS = {"SAFETY_BENCH_RISK_SMALL": 100, "SAFETY_BENCH_RISK_LARGE": 10_000}
HAZARDS = 1000
PEOPLE = 2500
REPEAT = 5
#: Seconds of timed runs after which a slow measure stops repeating.
BUDGET = 3.0


def build(uri: str, points: int) -> Any:
    """An app on ``uri`` with the schema and one organisation of ``points`` risk points."""
    from safety import create_app
    from safety.demo.scale import scale_demo
    from safety.extensions import db

    logging.getLogger("safety.request").setLevel(logging.WARNING)  # one line a request
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        scale_demo(hazards=HAZARDS, people=PEOPLE, seed=1, now=NOW, risk_points=points)
        db.session.remove()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"    built {points} risk points in {time.perf_counter() - started:.1f}s", flush=True)
    return app


def _subjects() -> tuple[int, int, str]:
    """The group, its first workshop, and the holder of that workshop's head post.

    The head owns the workshop's major and high risks' controls, and the same
    person at every size (one seed), so the pages compare like with like.
    """
    from safety.extensions import db
    from safety.models import Post, PostHolder, Unit, User

    root = db.session.scalar(sa.select(Unit.id).where(Unit.parent_id.is_(None)))
    plant = db.session.scalar(
        sa.select(Unit.id).where(Unit.parent_id == root).order_by(Unit.id).limit(1)
    )
    shop = db.session.scalar(
        sa.select(Unit.id).where(Unit.parent_id == plant).order_by(Unit.id).limit(1)
    )
    email = db.session.scalar(
        sa.select(User.email)
        .join(PostHolder, PostHolder.user_id == User.id)
        .join(Post, Post.id == PostHolder.post_id)
        .where(Post.unit_id == shop)
        .order_by(Post.id)
        .limit(1)
    )
    return root, shop, email


def _measures(app: Any) -> dict[str, Callable[[], Any]]:
    from safety.demo.scale import PASSWORD

    with app.app_context():
        root, shop, email = _subjects()
    pages = app.test_client()
    response = pages.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    api = app.test_client()
    token = api.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}

    def page(path: str) -> Callable[[], Any]:
        return lambda: pages.get(path)

    def call(path: str) -> Callable[[], Any]:
        return lambda: api.get(f"/api/v1{path}", headers=headers)

    return {
        "map (group)": page(f"/risks/units/{root}/map"),
        "map (workshop)": page(f"/risks/units/{shop}/map"),
        "due checks (API)": call("/risk-checks?due=true"),
        "due checks (API, unit)": call(f"/risk-checks?due=true&unit_id={shop}"),
        "my checks (/risks/)": page("/risks/"),
        "my work (/)": page("/"),
    }


def measure(app: Any, repeat: int) -> dict[str, tuple[float, int]]:
    """p95 seconds and SQL statements of one request, per measure."""
    from safety.extensions import db

    results: dict[str, tuple[float, int]] = {}
    with time_machine.travel(NOW, tick=True):
        measures = _measures(app)
        with app.app_context():
            engine = db.engine
        for name, run in measures.items():
            times: list[float] = []
            statements = 0
            for attempt in range(repeat + 2):  # two runs warm the caches
                with Recorder(engine) as rec:
                    started = time.perf_counter()
                    response = run()
                    took = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
                statements = rec.count
                if attempt >= 2:
                    times.append(took)
                if sum(times) > BUDGET:
                    break
            times.sort()
            results[name] = (web.p95(times), statements)
    return results


def run_database(kind: str, small: int, large: int, repeat: int) -> bool:
    print(f"== {kind}: {small} vs {large} risk points ==", flush=True)
    by_size: dict[int, dict[str, tuple[float, int]]] = {}
    for size in (small, large):
        with database(kind) as uri:
            app = build(uri, size)
            by_size[size] = measure(app, repeat)
            with app.app_context():
                from safety.extensions import db

                db.engine.dispose()
    same = True
    print(f"  {'measure (p95)':<24} {small:>9} {large:>9}    ratio  statements")
    for name, (t_small, q_small) in by_size[small].items():
        t_large, q_large = by_size[large][name]
        ratio = t_large / t_small if t_small else float("inf")
        verdict = "same" if q_small == q_large else "DIFFERENT"
        same &= q_small == q_large
        print(
            f"  {name:<24} {t_small * 1000:7.1f}ms {t_large * 1000:7.1f}ms  x{ratio:6.2f}"
            f"  {q_small} -> {q_large} {verdict}"
        )
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.risks", description=__doc__)
    for flag, env in (
        ("--small", "SAFETY_BENCH_RISK_SMALL"),
        ("--large", "SAFETY_BENCH_RISK_LARGE"),
    ):
        parser.add_argument(flag, type=int, default=int(os.environ.get(env) or DEFAULTS[env]))
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args(argv if argv is not None else [])
    kinds = ["sqlite"] + (["postgresql"] if pg_reachable() else [])
    same = True
    for kind in kinds:
        same &= run_database(kind, args.small, args.large, args.repeat)
    if not same:
        print("statement counts differ between sizes")
    return 0 if same else 1


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
