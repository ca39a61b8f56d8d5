"""`flask run-deadlines` (one sweep, for cron or by hand) and `flask run-scheduler` (the scheduler process)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from workflows import clock


def _parse_instant(value: str) -> datetime:
    """An ISO date or datetime; naive values are read in the bureau's time zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or datetime", param_hint="'--as-of'") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.zone())
    return parsed.astimezone(UTC)


@click.command("run-deadlines")
@click.option("--as-of", "as_of", default=None, help="Act on deadlines due by this ISO datetime (default: now).")
@click.option("--force", is_flag=True, help="Allow an --as-of in the future (fires deadlines early).")
@with_appcontext
def run_deadlines(as_of: str | None, force: bool) -> None:
    """One deadline sweep: fire due timers, send due reminders, mark and escalate overdue steps, digests."""
    from .jobs import sweep

    instant = _parse_instant(as_of) if as_of else clock.now()
    if instant > clock.now() and not force:
        raise click.BadParameter(
            f"{instant.isoformat()} is in the future: firing deadlines early cannot be undone; add --force "
            "if you mean it (demos, rehearsals)", param_hint="'--as-of'")
    with clock.frozen_at(instant):
        report = sweep(instant)
    click.echo(f"as of {instant.isoformat()}: {report}")
    if report.failed_cases or report.failed_tasks:
        raise SystemExit(1)


@click.command("run-scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the deadline sweep (and the mail sender, when e-mail is on) until stopped: the production
    scheduler process. Several may run against PostgreSQL; on SQLite run one."""
    from .scheduler import build

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build(app, blocking=True)
    click.echo(f"scheduler: sweep every {app.config['DEADLINE_SWEEP_SECONDS']} s"
               + (f", mail every {app.config['MAIL_SEND_SECONDS']} s" if app.config["MAIL_ENABLED"] else "")
               + "; Ctrl-C stops")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")
