"""The contract's CLI: users create and audit verify (exit codes and messages)."""

from __future__ import annotations

import sqlalchemy as sa

from safety.extensions import db
from safety.models import AuditEvent, User
from tests import builders


def _create(runner, *extra: str, email: str = "cli@example.com"):  # noqa: ANN202
    return runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            email,
            "--name",
            "命令行用户",
            "--password",
            "long enough 1",
            *extra,
        ]
    )


def test_users_create_makes_a_login(runner):
    result = _create(runner, "--admin", "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "cli@example.com" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "cli@example.com"))
    assert user.is_admin and user.locale.value == "en" and user.active


def test_users_create_duplicate_email_exits_non_zero_with_message(runner):
    assert _create(runner).exit_code == 0
    result = _create(runner, email="CLI@example.com")
    assert result.exit_code != 0
    assert "email" in result.output and "cli@example.com" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_users_create_weak_password_exits_non_zero(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.com", "--name", "A", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "password" in result.output


def test_audit_verify_passes_on_an_untouched_log(runner):
    builders.make_holding(builders.make_post())
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output.lower()


def test_audit_verify_names_the_tampered_entry(runner):
    builders.make_holding(builders.make_post())
    events = list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))
    victim = events[len(events) // 2]
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == victim).values(changes={"name": "改过了"})
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert str(victim) in result.output


def test_audit_verify_notices_a_deleted_last_entry(runner):
    builders.make_unit()
    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == last))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
