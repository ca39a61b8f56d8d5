"""`flask instructors list` and `flask instructors reassign`: caseloads, and handing cases on."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..errors import DomainError


@click.group("instructors")
def instructors_group() -> None:
    """Instructors' caseloads, and handing an instructor's cases on."""


@instructors_group.command("list")
@with_appcontext
def list_instructors() -> None:
    """Every active instructor: open cases / maximum, districts, industries."""
    from .assignment import candidates

    for c in candidates():
        districts = ", ".join(sorted(d.name for d in c.user.districts)) or "(whole city)"
        click.echo(f"{c.user.username}\t{c.load}/{c.limit}\t{districts}\t{''.join(sorted(c.industries)) or '-'}")


@instructors_group.command("reassign")
@click.argument("username")
@click.option("--to", "to_username", default=None, help="Give every case to this instructor (default: best fit each).")
@click.option("--reason", required=True, help="Why the cases are handed on; kept in each case's history.")
@with_appcontext
def reassign(username: str, to_username: str | None, reason: str) -> None:
    """Hand every open case of USERNAME on to other instructors."""
    from ..accounts.users import find_by_username
    from .assignment import reassign_cases

    try:
        source = find_by_username(username)
        target = find_by_username(to_username).id if to_username else None
        moves = reassign_cases(source.id, None, reason, target)
    except DomainError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    for move in moves:
        click.echo(f"{move.case.ref}\t{move.to.username if move.to else '(stays: ' + (move.reason or '') + ')'}")
    stayed = sum(1 for m in moves if m.to is None)
    click.echo(f"{len(moves) - stayed} case(s) handed on, {stayed} stayed")
    if stayed:
        raise SystemExit(1)
