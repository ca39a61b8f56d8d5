"""One row at a time, each in its own transaction: the loop every claiming job shares.

A job's step claims the next due row (`FOR UPDATE SKIP LOCKED` on PostgreSQL), acts on it and
commits, or returns None when nothing is due. A row whose step fails is logged and passed over for
the rest of the run, and a row is handled at most once per run, so no row can keep a run going; the
next run tries a failed row again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaimFailure(Exception):
    """Acting on one claimed row failed (its transaction was rolled back)."""

    def __init__(self, row_id: int) -> None:
        self.row_id = row_id
        super().__init__(f"row {row_id} failed")


@contextmanager
def claiming() -> Iterator[list[int]]:
    """Wrap one step: append the claimed row's id to the list; any failure after that, the commit's
    included, becomes a ClaimFailure naming the row. Put it outside the step's transaction."""
    claimed: list[int] = []
    try:
        yield claimed
    except ClaimFailure:
        raise
    except Exception as exc:
        if claimed:
            raise ClaimFailure(claimed[0]) from exc
        raise


def each_claimed(step: Callable[[set[int]], tuple[int, T] | None], what: str,
                 failed: list[int]) -> Iterator[T]:
    """Run `step(skip)` until nothing is due, yielding each step's outcome; failed row ids go to `failed`."""
    skip: set[int] = set()
    while True:
        try:
            result = step(skip)
        except ClaimFailure as exc:
            log.exception("%s %s failed; the next run retries it", what, exc.row_id)
            skip.add(exc.row_id)
            failed.append(exc.row_id)
            continue
        if result is None:
            return
        row_id, outcome = result
        skip.add(row_id)
        yield outcome
