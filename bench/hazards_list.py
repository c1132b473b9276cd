"""How the hazard register's pages scale: list pages at 1k vs 100k hazards.

``python -m bench.hazards_list [--small N] [--large N]``. Reuses the group and
the bulk-inserted register of :mod:`bench.reports` (a temporary SQLite
database). For each typical list (the default page, a unit subtree, overdue
by deadline, a text search, a deep page via the cursor, "My work") it prints
the time at both sizes, their ratio and the SQL statements, which must be the
same at both sizes: a page costs the same however big the register grows,
except the text search, which scans.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.reports import SMALL, TODAY, add_hazards, build_app, build_group, timed


def _lists() -> dict[str, Callable[[], Any]]:
    from safety.extensions import db
    from safety.models import HazardStatus, User
    from safety.services import hazards as svc

    def page(filters: svc.HazardFilters, limit: int = 50, deep: bool = False) -> Any:
        result = svc.list_hazards(filters, user=None, today=TODAY, limit=limit)
        if deep and result.next_cursor:
            for _ in range(5):
                result = svc.list_hazards(
                    filters, user=None, today=TODAY, cursor=result.next_cursor, limit=limit
                )
        return result

    def my_work() -> Any:
        user = db.session.get(User, 1)
        return svc.my_work(user, today=TODAY)

    return {
        "default (found, 50)": lambda: page(svc.HazardFilters(sort="found")),
        "division subtree": lambda: page(svc.HazardFilters(unit_id=2, sort="found")),
        "overdue by deadline": lambda: page(svc.HazardFilters(overdue=True, sort="deadline")),
        "rectifying by id, 200": lambda: page(
            svc.HazardFilters(status=[HazardStatus.RECTIFYING]), limit=200
        ),
        "sixth page (cursor)": lambda: page(svc.HazardFilters(sort="found"), deep=True),
        "text search": lambda: page(svc.HazardFilters(q="隐患12")),
        "status counts": lambda: svc.status_counts(None, today=TODAY),
        "my work (admin)": my_work,
    }


def _admin() -> None:
    from safety.extensions import db
    from safety.models import User

    db.session.add(
        User(
            id=1,
            email="bench@example.com",
            name="bench",
            password_hash="x",
            is_admin=True,
            active=True,
            session_nonce="x",
        )
    )
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hazards_list", description=__doc__)
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args(argv)
    rng = random.Random(20260405)
    results: dict[str, dict[int, tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="safety-bench-hazards-") as tmp:
        app = build_app(Path(tmp) / "bench.db")
        with app.app_context(), app.test_request_context():
            workshops = build_group()
            _admin()
            added = 0
            for size in (args.small, args.large):
                add_hazards(workshops, added + 1, size - added, rng)
                added = size
                for name, run in _lists().items():
                    results.setdefault(name, {})[size] = timed(run)
    print(f"hazard lists: {args.small} vs {args.large} hazards")
    worst_same = True
    for name, by_size in results.items():
        (t1, q1), (t2, q2) = by_size[args.small], by_size[args.large]
        ratio = t2 / t1 if t1 else float("inf")
        worst_same &= q1 == q2
        print(
            f"  {name:<24} {t1 * 1000:8.1f} ms {t2 * 1000:8.1f} ms"
            f"  x{ratio:5.1f}  queries {q1} / {q2}"
        )
    if not worst_same:
        print("  query counts differ between sizes")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
