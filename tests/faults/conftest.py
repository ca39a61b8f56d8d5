"""Fault tests: the app under gunicorn, killed or cut off from its database."""

from tests.faults.server import gunicorn  # noqa: F401  (the fixture)
