"""How the reports scale: dashboard, monthly, statutory, accountability and their Excel
exports at 10k vs 100k hazards (target: the larger ≤ 3x the smaller).

``python -m bench.reports [--small N] [--large N]``. The data (111 units, a
post per unit, hazards over three years: the old ones closed as in a real
register, the recent ones in every status) is written with Core
bulk inserts into a temporary SQLite database. Printed: the time of each
report at both sizes, their ratio (the hazards grow x100; aggregate SQL keeps
the ratio well below that), and the SQL statements per report, which must be
the same at both sizes. Each ratio is printed against the target.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

SMALL = 10_000
LARGE = 100_000
NOW = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)
TODAY = date(2026, 4, 5)
#: Reports at the large size may take at most this multiple of the small one.
TARGET_RATIO = 3.0


def build_app(db_path: Path) -> Any:
    from safety import create_app
    from safety.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench",
            "BASE_URL": "http://bench.test",
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _insert(conn: Any, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        conn.execute(table.insert(), rows[start : start + 5000])


def build_group() -> list[int]:
    """A group (1 + 10 divisions x 10 workshops), one post per unit; the workshop ids."""
    from safety.extensions import db
    from safety.models import Post, Unit

    units = [{"id": 1, "name": "集团", "code": "G", "parent_id": None, "created_at": NOW}]
    for d in range(10):
        did = 2 + d * 11
        units.append(
            {"id": did, "name": f"分公司{d}", "code": f"D{d}", "parent_id": 1, "created_at": NOW}
        )
        units += [
            {
                "id": did + 1 + w,
                "name": f"车间{d}-{w}",
                "code": f"D{d}W{w}",
                "parent_id": did,
                "created_at": NOW,
            }
            for w in range(10)
        ]
    posts = [
        {
            "id": u["id"],
            "title": "安全员",
            "unit_id": u["id"],
            "level": "operation",
            "created_at": NOW,
        }
        for u in units
    ]
    with db.engine.begin() as conn:
        _insert(conn, Unit.__table__, units)
        _insert(conn, Post.__table__, posts)
    return [u["id"] for u in units if u["parent_id"] not in (None, 1)]


def _status(found: date, rng: random.Random) -> str:
    """A register as it looks in practice: old hazards are closed (or void), a few
    stragglers; recent ones are spread over the loop."""
    roll = rng.random()
    if (TODAY - found).days > 90:
        return "void" if roll < 0.03 else "rectifying" if roll < 0.035 else "closed"
    for status, share in (("void", 0.03), ("reported", 0.08), ("rectifying", 0.35)):
        if roll < share:
            return status
    return "pending_verification" if roll < 0.45 else "closed"


def add_hazards(workshops: list[int], first: int, count: int, rng: random.Random) -> None:
    """Hazards found over the three years before TODAY, in every status."""
    from safety.extensions import db
    from safety.models import Hazard

    rows = []
    for seq in range(first, first + count):
        found = TODAY - timedelta(days=rng.randint(1, 3 * 365))
        status = _status(found, rng)
        assigned = status not in ("reported", "void")
        deadline = found + timedelta(days=rng.randint(5, 40)) if assigned else None
        at = datetime(found.year, found.month, found.day, 2, tzinfo=UTC)
        unit = rng.choice(workshops)
        resolved = at + timedelta(days=rng.randint(2, 50))
        rows.append(
            {
                "number": f"B-{seq:07d}",
                "year": found.year,
                "seq": seq,
                "title": f"隐患{seq}",
                "unit_id": unit,
                "level": "major" if seq % 20 == 0 else "general",
                "status": status,
                "category": ("fire", "electrical", "machinery", None)[seq % 4],
                "found_at": at,
                "found_on": found,
                "accountable_post_id": unit if assigned else None,
                "deadline": deadline,
                "funds": rng.randint(0, 50_000) if assigned else None,
                "assigned_at": at + timedelta(days=1) if assigned else None,
                "submitted_at": resolved if status in ("pending_verification", "closed") else None,
                "closed_at": resolved + timedelta(days=1) if status == "closed" else None,
                "version": 1,
                "updated_at": NOW,
                "created_at": NOW,
                "listed_for_supervision": False,
            }
        )
    with db.engine.begin() as conn:
        _insert(conn, Hazard.__table__, rows)


def _reports() -> dict[str, Callable[[], Any]]:
    from safety.reports.views import MONTHLY_PAGE_LINES
    from safety.services import report_exports, reports

    march = reports.month_period(2026, 3)
    q1 = reports.quarter_period(2026, 1)
    return {
        "dashboard": lambda: reports.dashboard(reports.resolve_scope(None), march, today=TODAY),
        "monthly": lambda: reports.monthly_report(reports.resolve_scope(2), march, today=TODAY),
        "monthly page": lambda: reports.monthly_report(
            reports.resolve_scope(None), march, today=TODAY, overdue_limit=MONTHLY_PAGE_LINES
        ),
        "monthly.xlsx": lambda: report_exports.monthly_workbook(
            reports.monthly_report(reports.resolve_scope(None), march, today=TODAY)
        ),
        "accountability.xlsx": lambda: report_exports.accountability_workbook(
            reports.accountability(reports.resolve_scope(None), q1, today=TODAY), "bench"
        ),
        "statutory": lambda: reports.statutory_report(
            reports.resolve_scope(None), reports.year_period(2025), today=TODAY
        ),
        "accountability": lambda: reports.accountability(
            reports.resolve_scope(13), reports.quarter_period(2026, 1), today=TODAY
        ),
    }


def timed(run: Callable[[], Any]) -> tuple[float, int]:
    """Best of three runs (seconds) and the SQL statements of one."""
    from safety.extensions import db

    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    best = float("inf")
    for attempt in range(3):
        if attempt == 0:
            event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        try:
            run()
        finally:
            best = min(best, time.perf_counter() - started)
            if attempt == 0:
                event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
    return best, statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=LARGE)
    args = parser.parse_args(argv)
    rng = random.Random(20260405)
    results: dict[str, dict[int, tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="safety-bench-reports-") as tmp:
        app = build_app(Path(tmp) / "bench.db")
        with app.test_request_context():
            workshops = build_group()
            added = 0
            for size in (args.small, args.large):
                t0 = time.perf_counter()
                add_hazards(workshops, added + 1, size - added, rng)
                added = size
                print(f"{size:>7} hazards built in {time.perf_counter() - t0:.1f}s")
                for name, run in _reports().items():
                    seconds, statements = timed(run)
                    results.setdefault(name, {})[size] = (seconds, statements)
                    print(f"  {name:<20} {seconds * 1000:8.1f} ms  {statements:3d} SQL statements")
    print()
    for name, by_size in results.items():
        (small, small_sql), (large, large_sql) = by_size[args.small], by_size[args.large]
        ratio = large / small
        verdict = "ok" if ratio <= TARGET_RATIO else f"OVER {TARGET_RATIO:g}x"
        print(
            f"{name:<20} ratio {args.large // 1000}k/{args.small // 1000}k: {ratio:6.1f} "
            f"[{verdict}] (hazards x{args.large / args.small:.0f}); "
            f"SQL statements {small_sql} -> {large_sql}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
