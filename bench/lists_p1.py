"""The hazard list measures of :mod:`bench.scale` on a database kept between runs.

``python -m bench.lists_p1 build sqlite 100000`` builds once (SQLite file under
``SAFETY_P1_DIR``, default /work/tmp/p1-dbs, or a PostgreSQL database
``safety_p1_<size>``); ``python -m bench.lists_p1 measure sqlite 100000
[--explain] [name ...]`` times the lists (p95 of 5) and prints the plans.
Extra measures: level and status filters sorted by deadline.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import scale, web

REPEAT = int(os.environ.get("SAFETY_BENCH_REPEAT") or 5)
#: ``SAFETY_P1_GC=0``: collect before each run and none during it (GC pauses
#: otherwise land, always on the same measures, in the p95).
NO_GC = os.environ.get("SAFETY_P1_GC") == "0"
DIR = Path(os.environ.get("SAFETY_P1_DIR") or Path(tempfile.gettempdir()) / "safety-p1-dbs")


def uri(kind: str, size: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{DIR / f'p1_{size}.db'}"
    return (
        sa.engine.make_url(scale.pg_url())
        .set(database=f"safety_p1_{size}")
        .render_as_string(hide_password=False)
    )


def build(kind: str, size: int) -> None:
    DIR.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        (DIR / f"p1_{size}.db").unlink(missing_ok=True)
    else:
        admin = sa.create_engine(scale.pg_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "safety_p1_{size}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "safety_p1_{size}"')
        admin.dispose()
    scale.build(uri(kind, size), size, 500)


def measures() -> dict[str, Any]:
    from safety import clock
    from safety.models import HazardLevel, HazardStatus
    from safety.services import hazards as svc

    today = clock.local_date(scale.NOW)

    def page(**kw: Any) -> Any:
        return lambda: svc.list_hazards(svc.HazardFilters(**kw), user=None, today=today)

    S = HazardStatus
    runs = {k: run for k, (target, run) in scale._measures().items() if target == scale.LIST_TARGET}
    runs.update(
        {
            "level major+deadline": page(level=HazardLevel.MAJOR, sort="deadline"),
            "level general+deadline": page(level=HazardLevel.GENERAL, sort="deadline"),
            "status void+deadline": page(status=[S.VOID], sort="deadline"),
            "status rectifying+deadline": page(status=[S.RECTIFYING], sort="deadline"),
            "status reported,pv+deadline": page(
                status=[S.REPORTED, S.PENDING_VERIFICATION], sort="deadline"
            ),
            "status writeoff+deadline": page(status=[S.PENDING_WRITEOFF], sort="deadline"),
        }
    )
    return runs


def measure(kind: str, size: int, names: list[str], explain: bool) -> None:
    from safety import create_app
    from safety.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri(kind, size), "SECRET_KEY": "bench"})
    if NO_GC:
        gc.disable()
    with app.test_request_context():
        for name, run in measures().items():
            if names and name not in names:
                continue
            times = []
            for attempt in range(REPEAT + 1):
                db.session.remove()
                if NO_GC:
                    gc.collect()
                with scale.Recorder(db.engine) as rec:
                    started = time.perf_counter()
                    run()
                    took = time.perf_counter() - started
                if attempt:
                    times.append(took)
            times.sort()
            p95 = web.p95(times)
            median = times[len(times) // 2]
            print(
                f"{kind} {size:>7} {name:<28} p95 {p95 * 1000:7.1f} ms"
                f"  median {median * 1000:7.1f} ms  {rec.count} statements"
            )
            if explain:
                sqlite = kind == "sqlite"
                for took, statement, params in sorted(rec.slow, key=lambda r: -r[0])[:3]:
                    print(f"   -- {took * 1000:.1f} ms: {' '.join(statement.split())[:400]}")
                    print(f"      params {params}")
                    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ANALYZE "
                    with db.engine.connect() as conn:
                        for row in conn.exec_driver_sql(prefix + statement, params):
                            print("     ", row[-1] if sqlite else row[0])


def main(argv: list[str]) -> None:
    action, kind, size = argv[0], argv[1], int(argv[2])
    if action == "build":
        build(kind, size)
    else:
        rest = [a for a in argv[3:] if a != "--explain"]
        measure(kind, size, rest, "--explain" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
