"""`flask import-enterprises FILE [--dry-run] [--as USERNAME]`: the registry from an .xlsx or CSV file.

The same rules as the API (importer.py): every row checked, every error printed by row and column,
nothing saved unless the whole file is right. Exit status 0 when the file is clean (and saved, unless
a dry run), 1 when it has errors or is refused, so a script can tell.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..models import User
from . import importer

MAX_PRINTED_ERRORS = 200  # a file wrong in every row would bury the summary; the API report has them all
PHASES = {"checking": "checking rows", "saving": "saving      "}


class _Bars:
    """A progress bar per phase of the import, on stderr so stdout carries only the report."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
            self.bar = click.progressbar(length=total, label=PHASES.get(phase, phase), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _actor(username: str | None) -> User | None:
    """The user to act as; None is the system with an administrator's rights."""
    if username is None:
        return None
    user = db.session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        click.echo(f"error: no user named {username!r}", err=True)
        sys.exit(1)
    return user


def _print(report: importer.Report) -> None:
    click.echo(f"{report.file} ({report.format}, sha256 {report.sha256[:12]}): {report.rows} enterprise rows")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors[:MAX_PRINTED_ERRORS]:
        click.echo(str(error), err=True)
    rest = len(report.errors) - MAX_PRINTED_ERRORS
    if rest > 0:
        click.echo(f"... and {rest} more error{'s' if rest > 1 else ''}", err=True)
    counts = f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
    if report.errors:
        click.echo(f"{len(report.errors)} error(s): nothing saved", err=True)
    elif report.dry_run:
        click.echo(f"dry run, would be {counts}; nothing saved")
    else:
        click.echo(counts)


@click.command("import-enterprises")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
@click.option("--as", "username", default=None, metavar="USERNAME",
              help="Act as this user, with their permissions (default: the system, as an administrator).")
@with_appcontext
def import_enterprises(file: Path, dry_run: bool, username: str | None) -> None:
    """Import the enterprise registry from FILE (.xlsx or .csv): created or updated by credit code."""
    actor = _actor(username)
    with file.open("rb") as handle:  # one byte past the limit is enough to refuse it
        content = handle.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        with _Bars() as bars:
            report = importer.import_file(file.name, content, actor=actor, dry_run=dry_run, progress=bars)
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        click.echo("nothing saved", err=True)
        sys.exit(1)
    _print(report)
    if report.errors:
        sys.exit(1)
