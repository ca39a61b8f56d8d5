"""flask users create / list / disable, as an operator runs them: same rules as the API, nothing half done."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from app.accounts import tokens
from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import World


def run(app: Flask, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["users", *args], input=stdin)


def accounts() -> list[tuple[Any, ...]]:
    """Every row of the account tables, to prove a refused command changed nothing."""
    db.session.rollback()
    return [tuple(r) for t in ("user", "user_district", "user_enterprise", "audit_event")
            for r in db.session.execute(text(f'SELECT * FROM "{t}"'))]


def test_an_operator_creates_a_supervisor_with_a_password_from_stdin(app: Flask, world: World) -> None:
    result = run(app, "create", "zhao.lei", "--role", "supervisor", "--district", "沈河区", "--display-name", "赵磊",
                 "--email", "zhao@example.org", "--password-stdin", stdin="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "created zhao.lei (supervisor) 沈河区" in result.output
    user = db.session.execute(select(User).where(User.username == "zhao.lei")).scalar_one()
    assert (user.display_name, user.email, [d.name for d in user.districts]) == ("赵磊", "zhao@example.org", ["沈河区"])
    signin = app.test_client().post("/api/v1/auth/tokens", json={"username": "zhao.lei",
                                                                  "password": "a-long-password"})
    assert signin.status_code == 201
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "user_created")).scalar_one()
    assert event.actor == "system" and "a-long-password" not in str(event.payload)


def test_a_rep_is_bound_by_credit_code(app: Flask, world: World) -> None:
    result = run(app, "create", "rep9", "--role", "enterprise_rep", "--enterprise", "914403001922038216",
                 "--password-stdin", stdin="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.username == "rep9")).scalar_one()
    assert [e.id for e in user.enterprises] == [world.enterprise.id] and user.display_name == "rep9"


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--role", "supervisor", "--district", "浑南区"], "a-long-password\n", "No district named 浑南区"),
    (["--role", "union_rep", "--enterprise", "91210102MA00000000"], "a-long-password\n", "No enterprise with credit"),
    (["--role", "mayor"], "a-long-password\n", "role: Choose one of"),
    (["--role", "supervisor"], "a-long-password\n", "district_ids: A supervisor needs at least one district"),
    (["--role", "instructor"], "short\n", "password: Use at least 10 characters"),
    (["--role", "instructor"], "\n", "no password on stdin"),
    (["--role", "instructor"], "", "no password on stdin"),
])
def test_a_refused_create_says_why_and_changes_nothing(app: Flask, world: World, args: list[str], stdin: str,
                                                       message: str) -> None:
    before = accounts()
    result = run(app, "create", "new.user", *args, "--password-stdin", stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert accounts() == before


def test_a_duplicate_user_or_a_password_on_the_command_line_is_refused(app: Flask, world: World) -> None:
    before = accounts()
    duplicate = run(app, "create", "ins1", "--role", "instructor", "--password-stdin", stdin="a-long-password\n")
    assert duplicate.exit_code != 0 and "This user name is taken" in duplicate.output
    no_stdin = run(app, "create", "new.user", "--role", "instructor")
    assert no_stdin.exit_code != 0 and "--password-stdin" in no_stdin.output
    assert accounts() == before


def test_the_list_shows_roles_state_and_bindings(app: Flask, world: World) -> None:
    world.other_union.active = False
    db.session.commit()
    result = run(app, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "ACTIVE", "BINDINGS"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["sup1"] == ["supervisor", "yes", "和平区"]
    assert rows["union2"] == ["union_rep", "no", "91110000802100433B"]
    assert rows["admin"] == ["admin", "yes"]
    assert len(rows) == 8


def test_disable_signs_the_user_out_everywhere(app: Flask, world: World) -> None:
    raw, _ = tokens.issue(world.union)
    result = run(app, "disable", "union1")
    assert result.exit_code == 0, result.output
    assert tokens.resolve(raw) is None
    db.session.expire_all()
    assert db.session.get(User, world.union.id).active is False
    assert "already disabled" in run(app, "disable", "union1").output
    before = accounts()
    unknown = run(app, "disable", "nobody")
    assert unknown.exit_code != 0 and "No user named nobody" in unknown.output
    assert accounts() == before
