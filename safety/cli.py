"""Command line: one AppGroup per noun. Commands call services and exit
non-zero when they fail."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from safety import clock
from safety.services.errors import ServiceError

demo_cli = AppGroup("demo", help="The demo organisation.")
users_cli = AppGroup("users", help="Logins.")
reminders_cli = AppGroup("reminders", help="Reminder emails.")
outbox_cli = AppGroup("outbox", help="The email outbox.")
scheduler_cli = AppGroup("scheduler", help="The job scheduler.")
audit_cli = AppGroup("audit", help="The audit log.")
backup_cli = AppGroup("backup", help="Backups of the database and the photos.")
criteria_cli = AppGroup("criteria", help="Major-hazard criteria (判定标准).")
reports_cli = AppGroup("reports", help="The reports' pre-aggregated tallies.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo group (idempotent) and print its logins."""
    from safety.demo import load_demo

    logins = load_demo(now=clock.now())
    click.echo("Demo logins (email, password, role):")
    for login in logins:
        click.echo(f"  {login['email']:<32} {login['password']:<14} {login['role']}")


@demo_cli.command("scale")
@click.option("--hazards", type=click.IntRange(0, 10_000_000), required=True)
@click.option("--people", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--risk-points",
    type=click.IntRange(0, 10_000_000),
    default=None,
    help="Risk points to add (default: one per 20 hazards).",
)
def demo_scale(hazards: int, people: int, seed: int, risk_points: int | None) -> None:
    """Add a generated organisation of about PEOPLE people with HAZARDS hazards (benchmarks)."""
    from safety.demo.scale import scale_demo

    made = scale_demo(
        hazards=hazards, people=people, seed=seed, now=clock.now(), risk_points=risk_points
    )
    click.echo(
        f"Added {made['tag']}: {made['units']} units, {made['people']} people, "
        f"{made['hazards']} hazards, {made['inspections']} inspections, "
        f"{made['risk_points']} risk points (password {made['password']})."
    )


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--admin", is_flag=True, default=False)
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
def users_create(email: str, name: str, password: str, admin: bool, locale: str) -> None:
    """Create a login (a duplicate email fails with a clear message)."""
    from safety.services.org import create_user

    try:
        user = create_user(
            None,
            email=email,
            name=name,
            password=password,
            locale=locale,
            is_admin=admin,
            now=clock.now(),
            bootstrap=True,
        )
    except ServiceError as error:
        details = "; ".join(f"{k}: {', '.join(v)}" for k, v in getattr(error, "fields", {}).items())
        _fail(details or error.message)
    else:
        click.echo(f"Created user {user.id} <{user.email}>{' (admin)' if admin else ''}")


def _parse_now(value: str | None):  # noqa: ANN202
    if value is None:
        return clock.now()
    try:
        return clock.parse_instant(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO-8601 time: {value}", param_hint="--now") from None


@reminders_cli.command("run")
@click.option("--now", "now_text", default=None, help="ISO-8601; without an offset, in TIMEZONE.")
@click.option("--dry-run", is_flag=True, help="Decide and print; queue and send nothing.")
def reminders_run(now_text: str | None, dry_run: bool) -> None:
    """One reminder pass as of --now: decide, queue, try to deliver.

    Exits 0 even when SMTP is down: the emails stay queued.
    """
    from safety.services.reminders import run_reminders

    now = _parse_now(now_text)
    summary = run_reminders(now=now, dry_run=dry_run)
    click.echo(summary.line())


@outbox_cli.command("flush")
def outbox_flush() -> None:
    """Try to deliver every queued email now."""
    from safety.services.outbox import flush_outbox

    result = flush_outbox(now=clock.now(), ignore_backoff=True)
    click.echo(result.line())


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in the foreground until stopped."""
    from safety.jobs import run_scheduler_forever

    run_scheduler_forever(current_app._get_current_object())


@audit_cli.command("verify")
@click.option("--expect", default=None, help="A head hash kept earlier: it must still be there.")
def audit_verify(expect: str | None) -> None:
    """Check the audit log's keyed hash chain; non-zero naming the first bad entry."""
    from safety.database import read_transaction
    from safety.services.audit import check_chain

    with read_transaction():  # a long read: writers carry on meanwhile
        verdict = check_chain(expect=expect.strip().lower() if expect else None)
    if not verdict.intact:
        where = verdict.bad_id if verdict.bad_id is not None else "(head)"
        _fail(f"audit log broken at entry {where}: {verdict.reason}")
    click.echo(f"Audit log intact: {verdict.checked} entries; head {verdict.head}.")


@audit_cli.command("head")
def audit_head() -> None:
    """Print and log the chain's head, to keep outside the database (run daily)."""
    from safety.services.audit import anchor_line

    click.echo(anchor_line())


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    """Write a consistent copy of the database and the uploaded photos to DIRECTORY."""
    from safety.services.backup import create_backup

    try:
        manifest = create_backup(directory, now=clock.now())
    except ServiceError as error:
        _fail(error.message)
    click.echo(
        f"Backup written to {directory}: {manifest['database']}, {manifest['photos']} photo files."
    )


@criteria_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def criteria_import(file: str) -> None:
    """Add a set of criteria from JSON or Excel; non-zero naming the bad row."""
    from safety.services.hazards import CriteriaImportError, import_criteria

    try:
        code, version, count = import_criteria(file)
    except CriteriaImportError as error:
        _fail(str(error))
    click.echo(f"Imported {code} version {version}: {count} items.")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app; with SCHEDULER_ENABLED, this process also schedules.

    No reloader, so the scheduler starts exactly once here.
    """
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    if app.config.get("BASE_URL_FROM_SERVER"):
        from safety import served_base_url

        app.config["BASE_URL"] = served_base_url(host, port)
    if app.config.get("SCHEDULER_ENABLED"):
        from safety.jobs import start_background_scheduler

        start_background_scheduler(app)
        click.echo("Reminder scheduler running in this process.")
    run_simple(host, port, app, use_reloader=False, threaded=True)


@reports_cli.command("check")
def reports_check() -> None:
    """Compare the tallies with a fresh count of the hazards; non-zero when they differ."""
    from safety.extensions import db
    from safety.services.tallies import count_differences

    differ = count_differences(db.session.connection())
    db.session.rollback()
    if differ:
        _fail(f"{differ} tally cells differ from the hazards; run `flask reports rebuild`.")
    click.echo("The report tallies match the hazards.")


@reports_cli.command("rebuild")
def reports_rebuild() -> None:
    """Count every hazard into the report tallies again."""
    from safety.services.tallies import recount_tallies

    click.echo(f"Counted {recount_tallies()} hazards into the report tallies.")


def register_cli(app: Flask) -> None:
    for group in (
        demo_cli,
        users_cli,
        reminders_cli,
        outbox_cli,
        scheduler_cli,
        audit_cli,
        backup_cli,
        criteria_cli,
        reports_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(serve)
