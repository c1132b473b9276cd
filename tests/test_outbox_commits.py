"""Delivery costs one commit per email and its moot-digest check stays on indexes
even with stale table statistics (issue 13, P4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from safety.demo.scale import scale_demo
from safety.models import Hazard, OutboxEmail, ReminderDigest, ReminderItem, User
from safety.services import outbox
from safety.services.mailer import SmtpConnection
from tests.builders import NOW, TODAY
from tests.smtp import SmtpServer, smtp_fixture  # noqa: F401  (fixture "smtp")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_each_delivered_email_costs_one_commit(smtp: SmtpServer, app: Any, db: Any) -> None:
    for i in range(30):
        outbox.queue_email(
            kind="test", to_addr=f"p{i}@example.com", subject=f"Hello {i}",
            text_body="text", html_body=None, now=NOW,
        )  # fmt: skip
    db.session.commit()
    events: list[str] = []
    real_send = SmtpConnection.send

    def send(self: Any, message: Any) -> None:
        events.append("send")
        real_send(self, message)

    def committed(_session: Any) -> None:
        events.append("commit")

    sa.event.listen(db.session, "after_commit", committed)
    SmtpConnection.send = send
    try:
        assert outbox.flush_outbox(now=NOW).sent == 30
    finally:
        SmtpConnection.send = real_send
        sa.event.remove(db.session, "after_commit", committed)
    sends = [i for i, event in enumerate(events) if event == "send"]
    between = [events[a + 1 : b].count("commit") for a, b in zip(sends, sends[1:], strict=False)]
    # The previous outcome and the next lease go in one commit.
    assert between == [1] * 29
    # Before the first send: the candidates' read and the first lease; after the
    # last: its outcome and the empty read that ends the flush.
    assert events.count("commit") <= 30 + 3


def _stale_outbox(db: Any, digests: int) -> OutboxEmail:
    """Digest emails written after the tables' statistics were taken (empty)."""
    scale_demo(hazards=digests, people=50, seed=4, now=NOW)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # statistics of empty outbox tables
    users = db.session.scalars(sa.select(User.id)).all()
    # Open hazards: a digest about settled ones is moot whatever the plan.
    hazards = db.session.scalars(sa.select(Hazard.id).where(Hazard.status == "rectifying")).all()
    db.session.commit()
    with db.engine.begin() as conn:
        emails = conn.execute(
            sa.insert(OutboxEmail).returning(OutboxEmail.id),
            [
                {"kind": "digest", "to_user_id": users[i % len(users)], "to_addr": "x@e.com",
                 "subject": "s", "text_body": "t", "status": "queued", "attempts": 0,
                 "next_attempt_at": NOW, "created_at": NOW}
                for i in range(digests)
            ],
        ).scalars().all()  # fmt: skip
        digest_ids = conn.execute(
            sa.insert(ReminderDigest).returning(ReminderDigest.id),
            [
                {"user_id": users[i % len(users)], "email_id": email_id,
                 "local_date": TODAY - timedelta(days=i // len(users)), "created_at": NOW}
                for i, email_id in enumerate(emails)
            ],
        ).scalars().all()  # fmt: skip
        conn.execute(
            sa.insert(ReminderItem),
            [
                {"digest_id": digest_id, "object_type": "hazard",
                 "hazard_id": hazards[i % len(hazards)], "kind": "overdue",
                 "reason": "accountable", "days": 3}
                for i, digest_id in enumerate(digest_ids)
            ],
        )  # fmt: skip
    return db.session.get(OutboxEmail, emails[len(emails) // 2])


def test_the_moot_digest_check_uses_indexes_with_stale_statistics(app: Any, db: Any) -> None:
    email = _stale_outbox(db, 3000)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert outbox._still_relevant(email) is True
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    db.session.commit()
    sqlite = db.engine.dialect.name == "sqlite"
    checked = 0
    with db.engine.connect() as conn:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plan = [str(row[-1] if sqlite else row[0])
                    for row in conn.exec_driver_sql(prefix + statement, parameters)]  # fmt: skip
            # The tables that grow with the register (people are few: a scan is right).
            full_scans = [
                line for line in plan
                if (line.startswith("SCAN") or "Seq Scan" in line)
                and any(t in line for t in ("reminder_", "hazards", "outbox_emails"))
            ]  # fmt: skip
            assert not full_scans, f"{statement}\n" + "\n".join(plan)
            checked += 1
    assert checked >= 3  # the user, the digest, its items (and their hazards)
