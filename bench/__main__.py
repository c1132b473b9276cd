"""``python -m bench``: the reminder pass at 10k and 100k open hazards."""

from __future__ import annotations

import sys

from bench.reminders import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
