"""Engine set-up per dialect, and who takes SQLite's write lock.

SQLite allows one writer at a time. A transaction that starts ``BEGIN
IMMEDIATE`` takes the write lock at once and waits (``busy_timeout``) for
it; a deferred ``BEGIN`` only reads a snapshot and never blocks a writer in
WAL mode. A deferred transaction that reads and *then* writes fails at once
with "database is locked" when someone wrote meanwhile, ignoring
busy_timeout. So the mode is decided before the transaction starts:

- in an HTTP request: ``GET``/``HEAD``/``OPTIONS`` read (deferred), every
  other method writes (immediate);
- outside a request (CLI, jobs, the scheduler): immediate, unless the block
  runs under :func:`read_transaction`;
- :func:`write_transaction` marks a block that writes even inside a GET
  (it ends the read snapshot first, so the next BEGIN takes the lock).

PostgreSQL needs none of this: its MVCC readers never block writers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_VERBS = ("insert", "update", "delete", "replace")

#: "read" or "write" when a block says so; None: decided by the request method.
_mode: ContextVar[str | None] = ContextVar("safety_transaction_mode", default=None)


class ReadTransactionWrite(RuntimeError):
    """A statement wrote inside a SQLite read transaction after reading.

    Under concurrency this fails with "database is locked"; the code path
    must run under :func:`write_transaction` (or be a POST).
    """


def wants_write_lock() -> bool:
    """Whether the next transaction should start ``BEGIN IMMEDIATE``."""
    mode = _mode.get()
    if mode is not None:
        return mode == "write"
    if has_request_context():
        return request.method not in READ_METHODS
    return True


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block's transactions with the write lock from their BEGIN.

    For code that writes where the default is reading (a GET that records
    something). The current read snapshot, if any, is ended first: nothing
    may be pending in it.
    """
    _end_current_transaction()
    token = _mode.set("write")
    try:
        yield
    finally:
        _mode.reset(token)


@contextmanager
def read_transaction() -> Iterator[None]:
    """Run the block's transactions as plain reads (exports, checks in the CLI).

    Writing inside after a read raises :class:`ReadTransactionWrite` in tests
    and is logged otherwise.
    """
    _end_current_transaction()
    token = _mode.set("read")
    try:
        yield
    finally:
        _end_current_transaction()
        _mode.reset(token)


def _end_current_transaction() -> None:
    if not has_app_context():
        return
    from safety.extensions import db

    if db.session().in_transaction():
        db.session.commit()


def init_app(app: Flask) -> None:
    """Configure the engine and make each request start its own transaction."""
    from safety.extensions import db

    with app.app_context():
        configure_engine(db.engine)
    app.before_request(_end_clean_transaction)
    app.teardown_request(_end_clean_transaction)


def _end_clean_transaction(*_args: Any) -> None:
    """End a transaction that has nothing pending, so the next one picks its mode.

    Each request chooses read or write at its BEGIN; a snapshot carried over
    (the session outlives requests when the app context does, as in tests)
    would make a POST write inside a GET's read transaction.
    """
    from safety.extensions import db

    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        try:
            session.commit()
        except Exception:  # noqa: BLE001 (a failed transaction: nothing to keep)
            session.rollback()


def configure_engine(engine: Engine) -> None:
    """SQLite gets its pragmas and a BEGIN chosen by :func:`wants_write_lock`."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = wants_write_lock()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        connection.info["safety_tx"] = "write" if write else "read"

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        state = connection.info.get("safety_tx")
        if state is None or state == "write":
            return
        verb = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
        if verb in _WRITE_VERBS:
            if state == "read-seen":
                _report_write_after_read(statement)
        elif verb in ("select", "with") and state == "read":
            connection.info["safety_tx"] = "read-seen"

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        connection.info.pop("safety_tx", None)


def _report_write_after_read(statement: str) -> None:
    message = f"write after read in a SQLite read transaction: {statement[:80]!r}"
    if has_app_context() and current_app.testing:
        raise ReadTransactionWrite(message)
    log.warning("%s (may fail with 'database is locked' under load)", message)
