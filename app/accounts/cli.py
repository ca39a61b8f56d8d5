"""Operator commands for accounts: flask users create, list, disable.

They call the same service as the API (`users.py`), so the same rules hold; any error is printed with
the field at fault and the command exits non-zero, having changed nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from ..errors import DomainError
from ..models import User


@click.group("users")
def users_group() -> None:
    """User accounts: create, list, disable."""


@contextmanager
def _reported() -> Iterator[None]:
    """Print a service error as the operator's message and exit 1."""
    try:
        yield
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(f"  {field}: {message}", err=True)
        sys.exit(1)


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin, supervisor, instructor, union_rep or enterprise_rep.")
@click.option("--district", "districts", multiple=True, metavar="NAME", help="A district by name (repeatable).")
@click.option("--enterprise", "enterprises", multiple=True, metavar="CREDIT_CODE",
              help="An enterprise by credit code (repeatable).")
@click.option("--display-name", default=None, help="Default: the user name.")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (required).")
@with_appcontext
def create(username: str, role: str, districts: tuple[str, ...], enterprises: tuple[str, ...],
           display_name: str | None, email: str | None, password_stdin: bool) -> None:
    """Create USERNAME with a role and its bindings; the password is read from stdin, never from the command line."""
    from . import users

    if not password_stdin:
        click.echo("error: give --password-stdin and the password on stdin (never on the command line)", err=True)
        sys.exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        click.echo("error: no password on stdin", err=True)
        sys.exit(1)
    with _reported():
        data = {"username": username, "role": role, "password": password, "email": email,
                "district_ids": users.district_ids_named(districts),
                "enterprise_ids": users.enterprise_ids_coded(enterprises)}
        if display_name is not None:
            data["display_name"] = display_name
        user = users.create_user(data, actor=None)
    click.echo(f"created {user.username} ({user.role}) {_bindings(user)}".rstrip())


@users_group.command("list")
@with_appcontext
def list_users() -> None:
    """Print every user: user name, role, active, bindings."""
    from . import users

    rows = [(u.username, u.role, "yes" if u.active else "no", _bindings(u)) for u in users.all_users()]
    header = ("USERNAME", "ROLE", "ACTIVE", "BINDINGS")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        click.echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
                   .rstrip())


@users_group.command("disable")
@click.argument("username")
@with_appcontext
def disable(username: str) -> None:
    """Disable USERNAME and revoke every token of theirs."""
    from . import users

    with _reported():
        user = users.find_by_username(username)
        if not user.active:
            click.echo(f"{user.username} is already disabled")
            return
        users.disable(username, actor=None)
    click.echo(f"disabled {username}; their tokens are revoked")


def _bindings(user: User) -> str:
    """Districts by name, enterprises by credit code: what the operator typed to create the user."""
    return ", ".join([*(d.name for d in user.districts), *(e.credit_code for e in user.enterprises)])
