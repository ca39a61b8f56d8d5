"""Statements planned for their actual values on PostgreSQL, where a kept generic plan goes wrong.

psycopg prepares a statement run five times on a connection, and PostgreSQL may then keep one generic
plan, made without the values and with the table statistics of that moment. For most statements that
is a saving; for a few it is a trap:

- the launch's next-batch query, first planned while the campaign covered nothing, kept a plan that
  took 1 s instead of 3 ms once the campaign covered 10,000 enterprises;
- the registry import's lookup by credit code, first run against an empty registry, kept a sequential
  scan comparing every row with 500 codes (20,000 rows re-imported in 9 s instead of 1 s).

Planning every statement for its values instead (for the whole connection) made the launch's large
multi-row INSERTs slower, each planned anew (measured: +0.13 ms per case), so only the statements
that need it are planned this way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from .extensions import db


@contextmanager
def planned_for_values() -> Iterator[None]:
    """Inside the caller's transaction: the statements run within are planned for their values.

    After an error nothing is reset: the transaction is rolled back, and a SET LOCAL ends with it.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = auto"))
