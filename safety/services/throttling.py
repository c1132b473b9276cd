"""Sign-in throttling: growing delays per account and per address.

Kept in the database (``login_throttles``), so the count holds across
worker processes, machines and restarts (contract §9). Two keys count every
failed sign-in, whether or not the email names a person (the answer never
tells them apart):

- ``account:<email>``: after ``LOGIN_FREE_FAILURES`` failures each further
  one doubles the wait, up to ``LOGIN_ACCOUNT_MAX_DELAY`` seconds. The cap is
  small on purpose: anyone can fail on an admin's email, and that must never
  lock the admin out for long. A right password clears the count.
- ``address:<ip>``: password spraying (one password over many accounts)
  from one address; after ``LOGIN_ADDRESS_FREE_FAILURES`` the wait doubles
  up to ``LOGIN_ADDRESS_MAX_DELAY``. A success does not clear it (a sprayer
  with one real account could reset it at will); it fades after
  ``LOGIN_FAILURE_WINDOW`` seconds without a failure.

An attempt inside a wait is refused (429 with ``Retry-After``) without the
password being checked or counted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from safety.extensions import db
from safety.models import LoginThrottle
from safety.services.errors import ServiceError


class Throttled(ServiceError):
    """Too many failed sign-ins; ``retry_after`` whole seconds to wait."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            _(
                "Too many failed sign-ins. Try again in %(seconds)d seconds.",
                seconds=self.retry_after,
            )
        )


def _keys(email: str, address: str | None) -> list[tuple[str, int, int]]:
    """(key, free failures, longest wait in seconds) for this attempt."""
    cfg = current_app.config
    keys = [
        (
            f"account:{(email or '').strip().lower()[:320]}",
            int(cfg["LOGIN_FREE_FAILURES"]),
            int(cfg["LOGIN_ACCOUNT_MAX_DELAY"]),
        )
    ]
    if address:
        keys.append(
            (
                f"address:{address[:64]}",
                int(cfg["LOGIN_ADDRESS_FREE_FAILURES"]),
                int(cfg["LOGIN_ADDRESS_MAX_DELAY"]),
            )
        )
    return keys


def wait_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after ``failures`` in a row: 0, then 1, 2, 4 … up to ``cap``."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def check(email: str, address: str | None, *, now: datetime) -> None:
    """:raise Throttled: when any key of this attempt is still waiting."""
    keys = [key for key, _free, _cap in _keys(email, address)]
    until = db.session.scalar(
        sa.select(sa.func.max(LoginThrottle.blocked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > now
        )
    )
    if until is not None:
        raise Throttled(math.ceil((until - now).total_seconds()))


def record_failure(email: str, address: str | None, *, now: datetime) -> None:
    """Count one failed sign-in on every key (atomic upserts; no commit)."""
    window = timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW"]))
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for key, free, cap in _keys(email, address):
        stmt = insert(LoginThrottle).values(key=key, failures=1, last_failure_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": sa.case(
                    (LoginThrottle.last_failure_at < now - window, 1),
                    else_=LoginThrottle.failures + 1,
                ),
                "last_failure_at": now,
            },
        ).returning(LoginThrottle.failures)
        failures = db.session.execute(stmt).scalar_one()
        wait = wait_after(failures, free, cap)
        if wait:
            db.session.execute(
                sa.update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(blocked_until=now + timedelta(seconds=wait))
                .execution_options(synchronize_session=False)
            )


def record_success(email: str) -> None:
    """A right password clears the account's count (not the address's; no commit)."""
    key = _keys(email, None)[0][0]
    db.session.execute(
        sa.delete(LoginThrottle)
        .where(LoginThrottle.key == key)
        .execution_options(synchronize_session=False)
    )
