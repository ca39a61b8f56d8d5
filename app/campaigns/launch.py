"""The campaign's launch: one case for every eligible enterprise, opened in batches, resumable after a crash.

Eligible: matching the launch's filters (district, industry, size band, union, no agreement in force)
and not covered by the campaign yet. "Covered" is a campaign_enterprise row, whose key (campaign,
enterprise) makes the launch idempotent: each batch opens its cases and writes their rows in one
transaction, so a batch is either wholly there or not at all, and the next batch's query passes
over what exists. Running the launch again, after a crash or a kill, or from a second process at
the same time, therefore ends with exactly one case per enterprise: a batch that collides with
another launcher's (the key is broken) is rolled back whole and the following query skips what the
other one made.

A launch is started (filters stored, the eligible enterprises counted) by the API or the command
line; the batches are run by `flask launch-campaign` or by the deadline sweep, whichever comes. Each
batch locks the campaign row, so two launchers on PostgreSQL take turns rather than collide, and
updates the progress (done of total) in the same transaction as its cases. When a batch finds
nothing left, the launch is finished: the campaign is running and its launch step is completed by
the system, in that same transaction.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select

from workflows import clock

from ..accounts.permissions import can_launch_campaign, launch_districts
from ..audit import service as audit
from ..cases import service as cases
from ..cases.forms import to_json
from ..cases.service import transaction
from ..enterprises.size_bands import size_band_column
from ..errors import Conflict, Forbidden, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Campaign, Case, Enterprise, User, campaign_enterprise, case_enterprise
from ..query_plans import planned_for_values
from . import service
from .forms import normalise_filters

DEFAULT_BATCH = 200  # measured: 200 or 1,000 cases per transaction run alike; 200 keeps memory lower
MAX_BATCH = 5_000
MAX_CONFLICTS = 20  # batches rolled back in a row (another launcher kept winning) before giving up
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- eligibility
def eligible_clauses(campaign_id: int, filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """WHERE clauses on Enterprise: matches the filters and is not covered by the campaign yet.

    Each clause is answered from an index per enterprise (the campaign_enterprise key), or once for
    the whole query (the enterprises under an agreement in force, a set the database builds once).
    """
    clauses: list[ColumnElement[bool]] = [
        ~exists().where(campaign_enterprise.c.campaign_id == campaign_id,
                        campaign_enterprise.c.enterprise_id == Enterprise.id),
    ]
    if filters.get("district_ids"):
        clauses.append(Enterprise.district_id.in_(filters["district_ids"]))
    if filters.get("industries"):
        clauses.append(Enterprise.industry.in_(filters["industries"]))
    if filters.get("size_bands"):
        clauses.append(size_band_column().in_(filters["size_bands"]))
    if filters.get("has_union") is not None:
        clauses.append(Enterprise.has_union.is_(bool(filters["has_union"])))
    if filters.get("without_agreement_in_force"):
        clauses.append(Enterprise.id.not_in(
            select(case_enterprise.c.enterprise_id).join(Case, Case.id == case_enterprise.c.case_id)
            .where(Case.status == "in_force")))
    return clauses


def count_eligible(campaign_id: int, filters: Mapping[str, Any]) -> int:
    return db.session.execute(select(func.count()).select_from(Enterprise)
                              .where(*eligible_clauses(campaign_id, filters))).scalar_one()


def _next_batch(campaign_id: int, filters: Mapping[str, Any], after_id: int, size: int) -> Select[tuple[Enterprise]]:
    """The next `size` eligible enterprises by id, from `after_id` on (one query, one index range)."""
    return (select(Enterprise).where(Enterprise.id > after_id, *eligible_clauses(campaign_id, filters))
            .order_by(Enterprise.id).limit(size))


# ---------------------------------------------------------------------------- starting
def start_launch(campaign_id: int, filters: Mapping[str, Any] | None, actor: User | None) -> Campaign:
    """Start a launch: store its filters and count the enterprises they select (no case is opened here).

    Without filters, the list confirmed at the enterprise-list step is launched. A supervisor's
    launch is kept inside their districts (their districts when none is named, the named ones that
    are theirs otherwise); an administrator's, or the command line's (`actor` None), goes anywhere.
    The first launch needs the campaign's planning done (its launch step waiting); later ones add the
    enterprises registered since, until the campaign closes.
    """
    with transaction():
        if actor is not None:
            service.get_campaign(campaign_id, actor)  # 403 for who may not see campaigns, then 404
        campaign = service.lock(campaign_id)
        if campaign is None:
            raise NotFound(N_("No such campaign."))
        if actor is not None and not can_launch_campaign(actor):
            raise Forbidden(N_("Administrators launch campaigns, and supervisors in their own districts."))
        _check_startable(campaign)
        chosen = normalise_filters(filters if filters is not None else campaign.launch_filters or {})
        service.check_districts(chosen["district_ids"], "filters.district_ids")
        allowed = launch_districts(actor) if actor is not None else None
        if allowed is not None:
            wanted = set(chosen["district_ids"]) or allowed
            chosen["district_ids"] = sorted(wanted & allowed)
            if not chosen["district_ids"]:
                raise Forbidden(N_("You may launch cases only in your own districts."))
        now = clock.now()
        campaign.launch_filters = chosen
        campaign.launch_total = count_eligible(campaign.id, chosen)
        campaign.launch_done = 0
        campaign.launch_started_at, campaign.launch_finished_at = now, None
        if campaign.status == "planning":
            campaign.status = "launching"
        audit.record("campaign_launch_started", {"campaign_id": campaign.id, "filters": chosen,
                                                 "total": campaign.launch_total},
                     actor=actor)
    return campaign


def _check_startable(campaign: Campaign) -> None:
    if campaign.status == "closed":
        raise Conflict(N_("The campaign is closed."))
    if service.launch_running(campaign):
        raise Conflict(N_("A launch of this campaign is running; wait for it or follow its progress."),
                       launch=to_json(service.launch_progress(campaign)))
    if campaign.status == "planning" and campaign.stage != "launch":
        raise Conflict(N_("Plan the campaign first: targets, enterprise list and instructors' coverage."),
                       current_stage=campaign.stage)


# ---------------------------------------------------------------------------- running
@dataclass(frozen=True)
class BatchResult:
    """One committed batch: the cases it opened, the launch's progress after it, and the last enterprise."""

    opened: int
    done: int
    total: int
    finished: bool
    last_id: int


def run_batch(campaign_id: int, size: int = DEFAULT_BATCH, after_id: int = 0,
              wait: bool = True) -> BatchResult | None:
    """Open the next batch of cases in one transaction; None when there is nothing to do here (the
    launch is not running, or, with `wait` False, another launcher holds the campaign right now)."""
    with _collector_paused():
        # The batch's objects die with `_batch`'s frame, out of the session: the collection that ends the
        # pause frees them, so memory follows the batch size, not the launch's.
        return _batch(campaign_id, size, after_id, wait)


def _batch(campaign_id: int, size: int, after_id: int, wait: bool) -> BatchResult | None:
    with transaction():
        campaign = service.lock(campaign_id, skip_locked=not wait)
        if campaign is None or not service.launch_running(campaign):
            return None
        filters = campaign.launch_filters or {}
        with planned_for_values():
            enterprises = list(db.session.execute(_next_batch(campaign.id, filters, after_id, size)).scalars())
        opened = cases.open_campaign_batch(campaign, enterprises, actor=None) if enterprises else []
        if enterprises:
            campaign.launch_done = (campaign.launch_done or 0) + len(enterprises)
            # Enterprises registered since the start join the launch: the total never falls behind.
            campaign.launch_total = max(campaign.launch_total or 0, campaign.launch_done)
        # A short batch from the first enterprise on took everything left: the launch ends with it.
        finished = len(enterprises) < size and after_id == 0
        if finished:
            _finish(campaign)
        result = BatchResult(len(enterprises), campaign.launch_done, campaign.launch_total or 0, finished,
                             enterprises[-1].id if enterprises else 0)
    for done in (*opened, *enterprises):  # out of the session, so they and their states go in one collection
        db.session.expunge(done)
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch is built and written, back on after it.

    Each new workflow is a web of objects that refer to each other; while a batch runs, thousands are
    alive at once and the collector would walk the whole heap of the process again and again (about
    a tenth of the launch's time, measured). Paused, it collects the batch's leftovers in one pass when
    it is back on: memory stays bounded by the batch size.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)  # the batch's objects are all in the youngest generation: one pass frees them


def _finish(campaign: Campaign) -> None:
    """The launch is over: the campaign runs, and its launch step is completed by the system."""
    campaign.launch_finished_at = clock.now()
    campaign.launch_total = campaign.launch_done
    if campaign.status == "launching":
        campaign.status = "running"
    audit.record("campaign_launch_finished", {"campaign_id": campaign.id, "cases": campaign.launch_done},
                 actor=None)
    service.complete_as_system(campaign, service.LAUNCH_STEP, service.launch_record(campaign),
                               "the launch finished")


Progress = Callable[[BatchResult], None]


def run_launch(campaign_id: int, size: int = DEFAULT_BATCH, on_batch: Progress | None = None,
               wait: bool = True) -> BatchResult | None:
    """Run the launch's batches until it is finished; the last batch's result (None: nothing to do).

    Within one run the batches follow the enterprise ids (each query starts after the previous batch's
    last enterprise); the run ends with a pass from the first id, so what another launcher left behind
    is not missed. A batch rolled back by a collision is simply queried again.
    """
    after_id, last, conflicts = 0, None, 0
    while True:
        try:
            result = run_batch(campaign_id, size, after_id, wait)
        except Conflict:
            conflicts += 1
            if conflicts > MAX_CONFLICTS:
                raise
            log.info("a batch of campaign %s collided with another launcher; querying again", campaign_id)
            continue
        if result is None:
            return last
        conflicts, last = 0, result
        if on_batch is not None:
            on_batch(result)
        if result.finished:
            return result
        # A short batch after the first id: start the closing pass from the beginning.
        after_id = result.last_id if result.opened == size else 0


def continue_launches(size: int = DEFAULT_BATCH) -> int:
    """Carry every unfinished launch on (the scheduler's share of the work); the cases opened.

    A campaign another process is launching right now is passed over: that process finishes it.
    """
    running = db.session.execute(select(Campaign.id).where(Campaign.launch_started_at.is_not(None),
                                                           Campaign.launch_finished_at.is_(None))
                                 .order_by(Campaign.id)).scalars().all()
    opened: list[int] = []
    for campaign_id in running:
        try:
            run_launch(campaign_id, size, lambda result: opened.append(result.opened), wait=False)
        except Exception:
            log.exception("the launch of campaign %s failed; the next run carries it on", campaign_id)
    return sum(opened)


def find_campaign(key: str) -> Campaign | None:
    """A campaign by id (digits) or by name."""
    if key.isdigit():
        found = db.session.get(Campaign, int(key))
        if found is not None:
            return found
    return db.session.execute(select(Campaign).where(Campaign.name == key)).scalar()
