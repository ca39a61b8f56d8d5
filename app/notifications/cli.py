"""`flask send-mail`: deliver the e-mail outbox, once (cron) or as a long-running sender."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from workflows import clock

from ..extensions import db


@click.command("send-mail")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron); default: keep sending.")
@click.option("--interval", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="Seconds to wait when nothing is due before looking again.")
@with_appcontext
def send_mail(once: bool, interval: float) -> None:
    """Send the e-mail outbox; failed attempts are retried later with backoff, and nothing is lost."""
    from .mailer import SendReport, send_pending

    batch = int(current_app.config["MAIL_BATCH"])
    total = SendReport(enabled=True)
    while True:
        report = send_pending(clock.now(), batch)
        db.session.remove()  # a fresh session per round: a long-running sender holds no stale rows
        if not report.enabled:
            click.echo(str(report))
            return
        total.add(report)
        if not once and report.handled:
            click.echo(f"{clock.now().isoformat()} {report}")
        if report.handled < batch:  # nothing more is due now
            if once:
                click.echo(str(total))
                return
            time.sleep(interval)
