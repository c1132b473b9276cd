"""``python -m bench`` (``make bench``): every benchmark, reported as ratios.

Each runs in its own temporary SQLite database:

- ``bench.reminders``: the reminder pass at 10k vs 100k open hazards, and a
  repeat pass as a ratio of the first;
- ``bench.hazards_list``: hazard list pages at 1k vs 100k hazards;
- ``bench.reports``: dashboard, reports and their Excel exports at 10k vs 100k
  hazards, each ratio against the 3x target.

Run one alone with ``python -m bench.<name>``.
"""

from __future__ import annotations

import sys

from bench import hazards_list, reminders, reports


def main() -> int:
    status = 0
    for name, run in (
        ("reminders", lambda: reminders.main([])),
        ("hazards_list", lambda: hazards_list.main([])),
        ("reports", lambda: reports.main([])),
    ):
        print(f"== bench.{name} ==", flush=True)
        status = status or (run() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
