"""``python -m bench`` (``make bench``): every benchmark, reported as ratios.

Each measure is printed with its target and ``ok`` or ``OVER``.

- ``bench.scale``: the hazard lists (default, overdue, status, level, a unit's
  subtree, text search, sort by deadline, My work) and the reports at two
  sizes built by ``flask demo scale``, in-process (p95, SQL statements, EXPLAIN
  of the slowest at the large size); then ``bench.web`` on the same data over
  HTTP under gunicorn as ``make serve`` runs it: every list as a page and
  through the API (P1), page 40 through cursors (P3), requests/s of the list
  API with 32 connections against ``bench.bare_app`` (P5), and the Excel
  ledger's first byte and total;
- ``bench.risks``: the four-colour map and the due-check list at 100 and 10k
  risk points, with the same SQL statements at both (``SAFETY_BENCH_RISK_SMALL``
  / ``SAFETY_BENCH_RISK_LARGE``);
- ``bench.reminders``: the reminder pass at 10x the data and a repeat pass
  (its own data: every hazard in rectification, one post per person).

Settings (environment; ``make bench`` passes the first three):

- ``SAFETY_BENCH_SMALL`` / ``SAFETY_BENCH_LARGE``: hazards (default 10000 and
  100000: about 30 minutes on two cores; 1000 and 10000 for a quick look);
- ``SAFETY_BENCH_PG``: the PostgreSQL server (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); a temporary
  database per size; skipped with a note when it does not answer; empty
  for SQLite only;
- ``SAFETY_BENCH_PEOPLE``: people (default 500; the reminders use it too);
- ``SAFETY_BENCH_RISK_POINTS``: risk points of the hazard bench (default 1000,
  at both sizes);
- ``SAFETY_BENCH_REPEAT``: timed in-process runs per measure (default 300, fewer
  once they have taken 5 s at the large size);
- ``SAFETY_BENCH_HTTP``: ``0`` skips the HTTP part;
  ``SAFETY_BENCH_HTTP_REPEAT``: timed requests per HTTP measure (default 150);
  ``SAFETY_BENCH_LOAD_SECONDS``: seconds of load per server for P5 (default
  10); ``SAFETY_BENCH_WORKERS``: gunicorn workers (default 2 x cores + 1).

Run one alone with ``python -m bench.<name>``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench import scale


def _reminder_args() -> list[str]:
    args = []
    for env, flag in (
        ("SAFETY_BENCH_SMALL", "--small"),
        ("SAFETY_BENCH_LARGE", "--large"),
        ("SAFETY_BENCH_PEOPLE", "--people"),
    ):
        args += [flag, os.environ.get(env) or str(scale.DEFAULTS[env])]
    return args


def main() -> int:
    """Each benchmark in a process of its own, as when run alone: one that ran
    after the others had their heap to collect (the repeat reminder pass 0.113 of
    the first here, 0.084 alone)."""
    status = 0
    for name, args in (("scale", []), ("risks", []), ("reminders", _reminder_args())):
        print(f"== bench.{name} ==", flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *args])
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
