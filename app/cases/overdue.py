"""What "overdue" means for a case, and how late it is: the one definition the API, the lists and the dashboard share.

A case is overdue when a ready task is past its due instant. `Case.next_due_at` is kept (by the case service,
in the same transaction as the task rows) at the earliest due instant of its ready tasks, so the test is one
indexed comparison and never reads a task or a workflow. How late a case is counts from that earliest
instant: a step due on the 5th (due instant: midnight ending the 5th, bureau time) is 1 day late on the 6th.

The age buckets ("1-7", "8-30", "31+" days late) are ranges of that same instant, so a filter on a bucket
is an index range too, and the days-late figure shown beside a case always falls in its bucket.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, select

from ..models import Case, CaseTask

DAY = timedelta(days=1)
# Days late, first and last (None: no upper end), by bucket key; the keys are the API's filter values.
OVERDUE_BUCKETS: dict[str, tuple[int, int | None]] = {"1-7": (1, 7), "8-30": (8, 30), "31+": (31, None)}


def overdue_clause(now: datetime) -> Any:
    """A WHERE clause on Case: a ready task is past its due instant (the API's `overdue=true`)."""
    return Case.next_due_at < now


def days_late(due_at: datetime | None, now: datetime) -> int:
    """Whole days, rounded up, since `due_at` passed; 0 when it has not (or there is no deadline)."""
    if due_at is None or due_at >= now:
        return 0
    return math.ceil((now - due_at) / DAY)


def _due_range(bucket: str, now: datetime) -> tuple[datetime, datetime | None]:
    """The due instants of a bucket: late by `first..last` days <=> now - last days <= due < now - (first-1) days."""
    first, last = OVERDUE_BUCKETS[bucket]
    return now - (first - 1) * DAY, None if last is None else now - last * DAY


def overdue_days_clause(bucket: str, now: datetime) -> Any:
    """A WHERE clause on Case: overdue by as many days as the bucket ("1-7", "8-30", "31+") says."""
    before, since = _due_range(bucket, now)
    clause = Case.next_due_at < before
    return clause if since is None else and_(clause, Case.next_due_at >= since)


def overdue_bucket_column(now: datetime) -> Any:
    """A SQL expression on Case: the bucket key of an overdue case, NULL for a case not overdue."""
    whens = []
    for bucket in OVERDUE_BUCKETS:
        before, since = _due_range(bucket, now)
        whens.append((Case.next_due_at < before if since is None else
                      and_(Case.next_due_at < before, Case.next_due_at >= since), bucket))
    return case(*whens, else_=None)


def waiting_at_clause(step: str) -> Any:
    """A WHERE clause on Case: the case has a ready task of BPMN id `step` (it waits at that step)."""
    return exists(select(CaseTask.id).where(CaseTask.case_id == Case.id, CaseTask.state == "ready",
                                            CaseTask.bpmn_id == step))
