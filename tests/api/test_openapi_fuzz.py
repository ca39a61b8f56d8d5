"""Schemathesis over the OpenAPI document: no input makes the API fail (5xx) or answer off its documented schema.

It runs over whatever operations the document holds, as an administrator and as a union representative,
against a world with two cases under way. Each call gets a fresh bearer token for a user put back in
their role, so a call that revokes its token or disables its own account does not blind the calls after it.

Hypothesis drives each operation's strategy directly: `schemathesis.pytest.from_fixture` (needed because
the app is a fixture) does not run under pytest 9.2 (it sets `Function._nodeid`, which pytest removed).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from app.accounts import tokens
from app.cases import comments, service
from app.documents import service as documents
from app.extensions import db
from app.models import User
from tests.conftest import World, at
from tests.helpers import open_case, ready_tasks
from tests.service.flows import walk_until
from workflows import clock

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# A few examples per operation and role, the same ones every run: the whole file stays well under a minute.
# `make fuzz` sets WAGECASE_FUZZ_EXAMPLES for a longer run.
EXAMPLES = settings(max_examples=int(os.environ.get("WAGECASE_FUZZ_EXAMPLES", "5")), deadline=None,
                    suppress_health_check=list(HealthCheck), derandomize=True,
                    database=None, print_blob=False)
# The bearer token is ours to send; generated Authorization headers would only ever test the 401.
CONFIG = {"generation": {"with-security-parameters": False}}


@dataclass
class FuzzWorld:
    """The world, the day the calls are made on, and who they are made as: name -> (user id, role)."""

    world: World
    today: date
    users: dict[str, tuple[int, str]]
    path_ids: dict[str, int | str]  # path parameter -> an object that exists, so calls get past the 404

    def known_path(self, operation: schemathesis.APIOperation) -> dict[str, int | str]:
        """Existing objects for the path parameters of `operation` (the others are left to generation)."""
        names = re.findall(r"{(\w+)}", operation.path)
        return {name: self.path_ids[name] for name in names if name in self.path_ids}

    def headers(self, name: str) -> dict[str, str]:
        """A fresh token for `name`, active and in their role again whatever the previous call did to them."""
        user_id, role = self.users[name]
        user = db.session.get(User, user_id)
        assert user is not None, f"a fuzzed call deleted the user {name}"
        user.active, user.role = True, role
        raw, _ = tokens.issue(user, label="fuzz")  # commits
        return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def fuzz_world(world: World) -> FuzzWorld:
    """Two cases: one waiting for the union's team, with a document and a comment; one just opened next door."""
    own = open_case(world)
    day = walk_until(own, world, "union_team", "2026-03-02")
    task = next(t for t in ready_tasks(own) if t.bpmn_id == "union_team")
    with clock.frozen_at(at(day, 9)):
        document = documents.upload(own.id, world.union, "要约书.pdf", b"%PDF-1.4\n%%EOF\n")
        comments.add_comment(own.id, world.union, "职工方代表名单本周内报送。")
        service.open_case(enterprise_ids=[world.other_enterprise.id], actor=world.other_supervisor)
    path_ids: dict[str, int | str] = {
        "case_id": own.id, "task_id": task.id, "document_id": document.id, "enterprise_id": world.enterprise.id,
        "user_id": world.other_union.id, "year": 2026, "name": "national-2004", "day": "2026-10-01",
    }
    return FuzzWorld(world, day, {"admin": (world.admin.id, "admin"), "union": (world.union.id, "union_rep")},
                     path_ids)


def fuzz_operation(app: Flask, fuzz_world: FuzzWorld, name: str, operation: schemathesis.APIOperation) -> None:
    """Send valid and invalid inputs of one operation as `name`; raises on the first failed check."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    known = fuzz_world.known_path(operation)
    if known:  # valid input about objects that exist reaches the services, not only the 404
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    cases = st.one_of(strategies)

    @EXAMPLES
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        with clock.frozen_at(at(fuzz_world.today, 10)):
            headers = fuzz_world.headers(name)
            with app.app_context():  # its own database session, as a request in a server has
                case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def describe(error: BaseException) -> str:
    """Every distinct failure Hypothesis found in an operation (its own group only says how many)."""
    if isinstance(error, BaseExceptionGroup) and not isinstance(error, FailureGroup):
        return "\n".join(describe(inner) for inner in error.exceptions)
    return str(error)


def server_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The distinct exceptions the app logged as unhandled (the cause behind a 500)."""
    causes = {f"{r.exc_info[0].__name__}: {r.exc_info[1]}" for r in caplog.records if r.exc_info and r.exc_info[0]}
    return sorted(causes)


@pytest.mark.parametrize("name", ["admin", "union"])
def test_every_operation_answers_within_its_schema(app: Flask, fuzz_world: FuzzWorld, name: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # a malformed operation in the document fails here, naming it
        operations += 1
        caplog.clear()
        try:
            fuzz_operation(app, fuzz_world, name, operation)
        except (Exception, FailureGroup) as error:  # every operation's failure, not only the first one's
            causes = "".join(f"\n  logged: {cause}" for cause in server_errors(caplog))
            failures[operation.label] = describe(error) + causes
    assert operations >= 3, "the OpenAPI document lost its operations"
    assert not failures, f"as {name}:\n\n" + "\n\n".join(f"== {op}\n{text}" for op, text in failures.items())
