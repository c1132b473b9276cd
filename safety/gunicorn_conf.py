"""gunicorn settings for ``make serve`` (``--config python:safety.gunicorn_conf``).

Command-line flags in ``scripts/serve`` set workers, bind and timeout; this
file holds what flags cannot: hooks.
"""

from __future__ import annotations

import gc
import os
from typing import Any

#: Workers finish their request on SIGTERM within this many seconds.
graceful_timeout = 20
#: No access log of gunicorn's own: the app logs one line per request.
accesslog = None


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended leaves its metric samples; mark them dead."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    """The app's objects, made at start, live as long as the worker: frozen out of
    the collector's sight, a full collection no longer walks them on a request."""
    gc.collect()
    gc.freeze()
