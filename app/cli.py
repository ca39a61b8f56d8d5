"""Operator commands: flask seed-demo, due-date, verify-audit, holidays (each feature adds its own)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workflows.calendar import compute_due
from workflows.rulesets import CLOCK_NAMES, RULE_SETS, UnknownRuleSet, get_rule_set


@click.command("due-date")
@click.argument("rule_set")
@click.argument("clock_name", metavar="CLOCK")
@click.argument("start")
@click.option("--amount", type=click.IntRange(min=0), default=None,
              help="Count other than the rule's (e.g. a shorter extension).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en")
@with_appcontext
def due_date(rule_set: str, clock_name: str, start: str, amount: int | None, lang: str) -> None:
    """Print the due date of CLOCK started on START under RULE_SET, and why."""
    from workflows.rulesets import explain

    from .cases.engine_registry import runtime

    try:
        rs = get_rule_set(rule_set)
    except UnknownRuleSet as exc:
        raise click.BadParameter(f"unknown rule set; known: {', '.join(RULE_SETS)}", param_hint="RULE_SET") from exc
    if clock_name not in CLOCK_NAMES:
        raise click.BadParameter(f"unknown clock; known: {', '.join(CLOCK_NAMES)}", param_hint="CLOCK")
    try:
        start_day = date.fromisoformat(start)
    except ValueError as exc:
        raise click.BadParameter(f"{start!r} is not an ISO date (YYYY-MM-DD)", param_hint="START") from exc
    rule = rs.clock(clock_name)
    if not rule.enabled:
        click.echo(f"{clock_name} has no deadline under {rs.name}", err=True)
        sys.exit(3)
    rt = runtime()
    rt.refresh_holidays()
    due = compute_due(start_day, rule, rt.engine.calendar, amount)
    click.echo(due.due.isoformat())
    click.echo(explain(clock_name, due, rs, lang))


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit log's hash chain; name the first broken row."""
    from .audit.service import verify

    result = verify()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} event(s) verified")
        return
    where = (f"event id {result.broken_id}" if result.broken_id is not None
             else f"case id {result.broken_case_id}")
    click.echo(f"audit chain BROKEN at {where}: {result.reason} "
               f"({result.checked} event(s) verified before it)", err=True)
    sys.exit(1)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even when the database already has data.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Fill an empty database with demo districts, enterprises, users and cases in every stage."""
    from .demo import seed, should_seed

    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        click.echo("seed-demo refuses to run in production.", err=True)
        sys.exit(2)
    if not force and not should_seed():
        click.echo("database already has data; nothing seeded (use --force to add demo data anyway)")
        return
    summary = seed()
    click.echo(", ".join(f"{v} {k}" for k, v in summary.items()))


@click.group("holidays")
def holidays() -> None:
    """The holiday table: days off and swapped working days that win over the packaged calendar."""


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)", param_hint="DAY") from exc


@holidays.command("set")
@click.argument("day")
@click.option("--off/--workday", "off", required=True, help="A day off, or a swapped working day (调休).")
@click.option("--name", default="", help="The holiday's name, e.g. 春节.")
@with_appcontext
def holidays_set(day: str, off: bool, name: str) -> None:
    """Record DAY as a day off or a working day."""
    from .reference.holidays import set_day

    row = set_day(_day(day), not off, name, actor=None)
    click.echo(f"{row.day.isoformat()} {'working day' if row.is_workday else 'day off'} {row.name}".rstrip())


@holidays.command("remove")
@click.argument("day")
@with_appcontext
def holidays_remove(day: str) -> None:
    """Forget DAY's entry: the packaged calendar (or weekends) decide it again."""
    from .reference.holidays import remove_day

    if not remove_day(_day(day), actor=None):
        click.echo(f"{day} is not in the holiday table", err=True)
        sys.exit(1)
    click.echo(f"{day} removed")


@holidays.command("list")
@click.option("--year", type=int, default=None)
@with_appcontext
def holidays_list(year: int | None) -> None:
    """Print the table's entries."""
    from .reference.holidays import list_days

    for row in list_days(year):
        click.echo(f"{row.day.isoformat()}\t{'workday' if row.is_workday else 'off'}\t{row.name}")


@holidays.command("import")
@click.option("--year", "years", type=click.IntRange(1, 9999), multiple=True,
              help="A year chinese-calendar knows; repeat for several.")
@click.option("--csv", "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A file with the header date,kind,name (or 日期,类型,名称); kind is holiday/workday (休/班).")
@click.option("--dry-run", is_flag=True, help="Show what would change; save nothing.")
@with_appcontext
def holidays_import(years: tuple[int, ...], csv_file: Path | None, dry_run: bool) -> None:
    """Load whole years into the table, from chinese-calendar or from a CSV of a newly announced year."""
    from .errors import Conflict
    from .reference.holiday_import import ImportRefused, import_entries, package_entries, read_csv

    if bool(years) == (csv_file is not None):
        raise click.UsageError("give --year (one or more) or --csv FILE, not both")
    try:
        source = read_csv(csv_file) if csv_file is not None else package_entries(years)
        result = import_entries(source, actor=None, dry_run=dry_run)
    except ImportRefused as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo("nothing saved", err=True)
        sys.exit(1)
    except Conflict as exc:
        click.echo(f"{exc.message} Nothing saved.", err=True)
        sys.exit(1)
    for line in result.summary():
        click.echo(line)
    if dry_run:
        for change in result.changes:
            click.echo(f"  would {change}")
        click.echo("dry run: nothing saved")


def register(app: Flask) -> None:
    """Add the commands to `flask`."""
    commands: list[Any] = [due_date, verify_audit, seed_demo, holidays]
    for command in commands:
        app.cli.add_command(command)
    from .accounts.cli import users_group
    app.cli.add_command(users_group)
    from .notifications.cli import send_mail
    app.cli.add_command(send_mail)
    from .enterprises.cli import import_enterprises
    app.cli.add_command(import_enterprises)
    from .instructors.cli import instructors_group
    app.cli.add_command(instructors_group)
    from .deadlines.cli import run_deadlines, run_scheduler
    app.cli.add_command(run_deadlines)
    app.cli.add_command(run_scheduler)
    from .campaigns.cli import launch_campaign
    app.cli.add_command(launch_campaign)
