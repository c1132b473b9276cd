"""``python -m bench`` (``make bench``): every benchmark, reported as ratios.

- ``bench.scale``: the hazard lists (default, overdue, status, level, a unit's
  subtree, text search, sort by deadline, My work) and the reports at two
  sizes built by ``flask demo scale``, on SQLite and, when
  ``SAFETY_BENCH_PG`` is set, PostgreSQL. Sizes: ``SAFETY_BENCH_SMALL`` and
  ``SAFETY_BENCH_LARGE`` (default 1k and 10k hazards, a few minutes; the real
  run is ``SAFETY_BENCH_SMALL=10000 SAFETY_BENCH_LARGE=100000``);
- ``bench.reminders``: the reminder pass at 10x the data and a repeat pass
  (its own data: every hazard in rectification, one post per person). Sizes:
  ``SAFETY_BENCH_SMALL`` / ``SAFETY_BENCH_LARGE`` and ``SAFETY_BENCH_PEOPLE``.

Run one alone with ``python -m bench.<name>``.
"""

from __future__ import annotations

import os
import sys

from bench import reminders, scale


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
    status = 0
    for name, run in (
        ("scale", lambda: scale.main([])),
        ("reminders", lambda: reminders.main(_reminder_args())),
    ):
        print(f"== bench.{name} ==", flush=True)
        status = status or (run() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
