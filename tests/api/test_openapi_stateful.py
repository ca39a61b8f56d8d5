"""Schemathesis, stateful: sequences of API calls that feed each other's answers, never a 5xx or an answer off
the documented schema.

Schemathesis reads the OpenAPI document and links operations by what one answers and another takes (a case
listed, then read, commented, its documents listed, one of its tasks claimed, released or completed ...);
Hypothesis then runs chains of those calls as an administrator and as a union representative, on the same
world as the stateless run (tests/api/test_openapi_fuzz.py).

CI runs a few chains per role. `make fuzz` runs many more (WAGECASE_FUZZ_EXAMPLES, default 200 there),
the stateless run of every operation included.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.api.test_openapi_fuzz import CHECKS, CONFIG, FuzzWorld, fuzz_world, server_errors  # noqa: F401
from tests.conftest import at
from workflows import clock

CHAINS = int(os.environ.get("WAGECASE_FUZZ_EXAMPLES", "8"))
STEPS = 6


@pytest.mark.parametrize("name", ["admin", "union"])
def test_chains_of_calls_answer_within_the_schema(app: Flask, fuzz_world: FuzzWorld, name: str,  # noqa: F811
                                                  caplog: pytest.LogCaptureFixture) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    base = schema.as_state_machine()
    links = [n for n, member in inspect.getmembers(base) if getattr(member, "hypothesis_stateful_rule", None)]
    assert len(links) >= 50, "the document's operations no longer link to each other"

    class Chains(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": fuzz_world.headers(name)}

        def call(self, case: schemathesis.Case, **kwargs: Any) -> Any:
            with app.app_context():  # its own database session, as a request in a server has
                return case.call(**kwargs)

        def validate_response(self, response: Any, case: schemathesis.Case, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    with clock.frozen_at(at(fuzz_world.today, 10)):
        try:
            Chains.run(settings=settings(max_examples=CHAINS, stateful_step_count=STEPS, deadline=None,
                                         suppress_health_check=list(HealthCheck), derandomize=True, database=None,
                                         print_blob=False))
        except Exception as error:
            causes = "".join(f"\n  logged: {cause}" for cause in server_errors(caplog))
            raise AssertionError(f"as {name}: {error}{causes}") from error
