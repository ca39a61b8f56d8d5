"""The campaign service: the only code that changes a campaign. Create, complete a step, fire its timers.

A campaign runs its own process (`bpmn/contract_month.bpmn`) on the same engine as the cases: the
serialised workflow is stored on the campaign row with what people filter on (stage, status, next
timer) beside it, and every change is one transaction with its audit event. A campaign belongs to
no case, so its events go on the global audit chain.

Who: a city's campaign is created by an administrator or a supervisor (the bureau's campaign office
is made of supervisors; an administrator may set the year's campaign up like other reference data).
Its steps are all in the bureau lane, so supervisors take them; administrators do not act in it,
as they do not act on cases. Instructors may read campaigns, representatives may not.

Every change locks the campaign row first (`FOR NO KEY UPDATE` on PostgreSQL; the launch's batches
take the same lock), so a step and a batch of the launch never overwrite each other; on SQLite,
which renders no row locks, the row's version column turns the second writer into a Conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select

from workflows import clock
from workflows.diagram import diagram_state
from workflows.engine import Snapshot, TaskNotAvailable
from workflows.rulesets import RuleSet, get_rule_set
from workflows.specs import ProcessBundle

from ..accounts.permissions import can_act_on_campaign, can_create_campaign, can_see_campaigns
from ..api.paging import paginate
from ..audit import service as audit
from ..cases import service as cases
from ..cases.engine_registry import runtime
from ..cases.forms import to_json
from ..cases.service import transaction
from ..deadlines.claiming import claiming, each_claimed
from ..errors import Conflict, Forbidden, Invalid, NotFound, field_errors
from ..extensions import db
from ..i18n import N_
from ..models import Campaign, Case, District, User, campaign_enterprise
from .forms import STEP_FORMS, normalise_filters
from .locking import lock

PROCESS_ID = "contract_month"
LANE = "bureau"
LAUNCH_STEP = "launch_cases"
MAX_LENGTH_DAYS = 366  # a "month" campaign may run longer, but not past a year
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- reading
def _require_viewer(actor: User) -> None:
    """Checked before any lookup: a representative learns nothing about campaigns, not even their ids."""
    if not can_see_campaigns(actor):
        raise Forbidden(N_("Campaigns are the bureau's and the instructors' business."))


def list_campaigns(actor: User, filters: Mapping[str, Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of campaigns, newest year first."""
    _require_viewer(actor)
    query = select(Campaign)
    for key in ("year", "status"):
        if filters.get(key) is not None:
            query = query.where(getattr(Campaign, key) == filters[key])
    return paginate(query.order_by(Campaign.year.desc(), Campaign.id.desc()), page, per_page)


def get_campaign(campaign_id: int, actor: User) -> Campaign:
    """A campaign, for someone who may see campaigns (403 before 404: ids reveal nothing to others)."""
    _require_viewer(actor)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("No such campaign."))
    return campaign


def _bundle(campaign: Campaign) -> ProcessBundle:
    if campaign.workflow_state is None or campaign.process_id is None or campaign.spec_version is None:
        raise Conflict(N_("This campaign has no process to run (it was recorded without one)."))
    return runtime().bundle(campaign.process_id, campaign.spec_version)


@dataclass(frozen=True)
class StepView:
    """A step of the campaign's process as people see it."""

    bpmn_id: str
    name: str
    name_zh: str
    form: str | None
    stage: str
    due_at: datetime | None = None


def where_it_stands(campaign: Campaign) -> tuple[list[StepView], list[StepView]]:
    """The steps waiting for a person and the timers waiting to fire, read from the stored workflow
    without restoring it (as the case diagram does)."""
    if campaign.workflow_state is None:
        return [], []
    bundle = _bundle(campaign)
    specs = bundle.spec.task_specs
    ready, waiting = [], []
    for bpmn_id, state in diagram_state(campaign.workflow_state).elements.items():
        if state.state != "current" or bpmn_id not in specs:
            continue
        props = bundle.task_properties.get(bpmn_id, {})
        name = specs[bpmn_id].bpmn_name or bpmn_id
        view = StepView(bpmn_id, name, props.get("name_zh", name), props.get("form"), props.get("stage", ""),
                        state.due_at)
        if specs[bpmn_id].manual:
            ready.append(view)
        elif state.due_at is not None:
            waiting.append(view)
    return ready, sorted(waiting, key=lambda v: v.due_at or datetime.max)


def launch_progress(campaign: Campaign) -> dict[str, Any]:
    """How far the campaign's launch got: not started, running (done of total) or finished."""
    if campaign.launch_started_at is None:
        status = "not_started"
    elif campaign.launch_finished_at is None:
        status = "running"
    else:
        status = "finished"
    return {"status": status, "total": campaign.launch_total, "done": campaign.launch_done or 0,
            "started_at": campaign.launch_started_at, "finished_at": campaign.launch_finished_at,
            "filters": campaign.launch_filters}


def launch_running(campaign: Campaign) -> bool:
    return campaign.launch_started_at is not None and campaign.launch_finished_at is None


def detail(campaign: Campaign, actor: User) -> dict[str, Any]:
    """The campaign page: plan, where its process stands, what the caller may do, and its launch."""
    ready, waiting = where_it_stands(campaign)
    acts = can_act_on_campaign(actor) and campaign.status != "closed"
    covered = db.session.execute(select(func.count()).select_from(campaign_enterprise)
                                 .where(campaign_enterprise.c.campaign_id == campaign.id)).scalar_one()
    opened = db.session.execute(select(func.count()).select_from(Case)
                                .where(Case.campaign_id == campaign.id)).scalar_one()
    creator = db.session.get(User, campaign.created_by_id) if campaign.created_by_id else None
    return {
        "id": campaign.id, "year": campaign.year, "name": campaign.name, "status": campaign.status,
        "stage": campaign.stage, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
        "created_at": campaign.created_at, "created_by": creator, "targets": campaign.targets,
        "next_timer_at": campaign.next_timer_at, "lock_version": campaign.lock_version,
        "launch": launch_progress(campaign),
        "enterprises_covered": covered, "cases": opened,
        "ready_steps": [{**vars(s), "can_act": acts and (s.bpmn_id != LAUNCH_STEP or _launch_finished(campaign))}
                        for s in ready],
        "timers": [vars(s) for s in waiting],
    }


def _launch_finished(campaign: Campaign) -> bool:
    return campaign.launch_finished_at is not None


def summary(campaign: Campaign) -> dict[str, Any]:
    """A campaign in a list (no workflow read)."""
    return {"id": campaign.id, "year": campaign.year, "name": campaign.name, "status": campaign.status,
            "stage": campaign.stage, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
            "created_at": campaign.created_at, "lock_version": campaign.lock_version,
            "launch": launch_progress(campaign)}


# ---------------------------------------------------------------------------- create
def create_campaign(data: Mapping[str, Any], actor: User) -> Campaign:
    """A campaign row with its process started (waiting for its targets to be planned), in one transaction."""
    with transaction():
        if not can_create_campaign(actor):
            raise Forbidden(N_("Only an administrator or a supervisor may set up a campaign."))
        values = _checked(data)
        campaign = Campaign(**values, created_at=clock.now(), created_by_id=actor.id, status="planning",
                            launch_done=0)
        _start(campaign)
        db.session.add(campaign)
        db.session.flush()
        audit.record("campaign_created", {"campaign_id": campaign.id, **to_json(values)}, actor=actor)
    return campaign


def _checked(data: Mapping[str, Any]) -> dict[str, Any]:
    """The new campaign's values, or Invalid naming every field at fault."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    starts_on, ends_on, year = data["starts_on"], data["ends_on"], data["year"]
    if not name:
        errors["name"] = ["Give the campaign a name."]
    elif db.session.execute(select(Campaign.id).where(Campaign.name == name)).first() is not None:
        errors["name"] = ["A campaign of this name exists already."]
    if starts_on.year != year:
        errors["starts_on"] = [f"The campaign of {year} starts in {year}."]
    if ends_on < starts_on:
        errors["ends_on"] = ["The campaign cannot end before it starts."]
    elif ends_on - starts_on > timedelta(days=MAX_LENGTH_DAYS):
        errors["ends_on"] = [f"A campaign runs {MAX_LENGTH_DAYS} days at most."]
    if errors:
        raise Invalid(N_("The campaign has invalid fields."), errors)
    return {"name": name, "year": year, "starts_on": starts_on, "ends_on": ends_on,
            "targets": to_json(dict(data["targets"]))}


def _start(campaign: Campaign) -> None:
    """Start the campaign's process; its data are the dates its timers are computed from."""
    rt = runtime()
    bundle = rt.current[PROCESS_ID]
    rt.ensure_stored(bundle)
    wf, snapshot = rt.engine.start(bundle, _rules(), {
        "checks": 0, "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat()})
    campaign.process_id, campaign.spec_version = PROCESS_ID, bundle.version
    campaign.workflow_state = rt.engine.dump(wf)
    _apply(campaign, snapshot)


def _rules() -> RuleSet:
    """The campaign counts no statutory clock, but the engine runs every process under a rule set."""
    return get_rule_set()


def _apply(campaign: Campaign, snapshot: Snapshot) -> None:
    """The campaign's columns in line with its workflow."""
    if snapshot.completed:
        campaign.status, campaign.stage = "closed", "closed"
    else:
        campaign.stage = snapshot.stage or campaign.stage
    instants = [t.instant for t in snapshot.timers if t.instant is not None]
    campaign.next_timer_at = min(instants) if instants else None


# ---------------------------------------------------------------------------- steps
def complete_step(campaign_id: int, bpmn_id: str, raw: Any, actor: User,
                  expected_version: int | None = None) -> Campaign:
    """Validate a step's form and advance the campaign's process, in one transaction.

    The launch step is the system's: it is completed when the launch ends, and a person is refused it
    while the launch has not finished.
    """
    with transaction():
        _require_viewer(actor)
        campaign = lock(campaign_id)
        if campaign is None:
            raise NotFound(N_("No such campaign."))
        if not can_act_on_campaign(actor):
            raise Forbidden(N_("The campaign's steps are the bureau's: supervisors take them."))
        if expected_version is not None and expected_version != campaign.lock_version:
            raise Conflict(N_("The campaign changed since you loaded it."), current_version=campaign.lock_version)
        if bpmn_id == LAUNCH_STEP:
            if not _launch_finished(campaign):
                raise Conflict(N_("The cases are still being launched; this step completes itself when the launch "
                                  "ends."), launch=to_json(launch_progress(campaign)))
            raw = launch_record(campaign)
        _complete(campaign, bpmn_id, raw, actor)
    return campaign


def complete_as_system(campaign: Campaign, bpmn_id: str, raw: Mapping[str, Any], note: str) -> bool:
    """Complete a step on the system's behalf in the caller's transaction; False when it is not waiting."""
    ready, _ = where_it_stands(campaign)
    if not any(s.bpmn_id == bpmn_id for s in ready):
        return False
    _complete(campaign, bpmn_id, raw, None, note)
    return True


def launch_record(campaign: Campaign) -> dict[str, Any]:
    """The launch step's data: the day the launch ended and the cases it opened."""
    finished = campaign.launch_finished_at or clock.now()
    return {"launched_on": finished.astimezone(clock.zone()).date().isoformat(), "cases": campaign.launch_done or 0}


def _complete(campaign: Campaign, bpmn_id: str, raw: Any, actor: User | None, note: str | None = None) -> None:
    bundle = _bundle(campaign)
    if campaign.status == "closed":
        raise Conflict(N_("The campaign is closed."))
    rt = runtime()
    wf = rt.engine.restore(bundle, campaign.workflow_state or "")
    rules = _rules()
    ready = next((r for r in rt.engine.snapshot(wf, bundle, rules).ready if r.bpmn_id == bpmn_id), None)
    if ready is None:
        if bpmn_id not in bundle.task_properties or not bundle.spec.task_specs[bpmn_id].manual:
            raise NotFound(N_("The campaign's process has no such step."))
        raise Conflict(N_("%(step)s is not waiting now."), step=bpmn_id, current_stage=campaign.stage)
    data = _validate(ready.form or "", raw)
    effects = STEP_EFFECTS.get(bpmn_id, _no_effect)(campaign, data)
    try:
        snapshot = rt.engine.complete(wf, bundle, rules, ready.id, LANE, data)
    except TaskNotAvailable as exc:  # checked above; only a lane mismatch in the BPMN could land here
        raise Conflict(str(exc)) from exc
    campaign.workflow_state = rt.engine.dump(wf)
    _apply(campaign, snapshot)
    payload: dict[str, Any] = {"campaign_id": campaign.id, "step": bpmn_id, "data": data, **effects,
                               "stage": campaign.stage, "fired": snapshot.fired}
    if note:
        payload["note"] = note
    audit.record("campaign_step_completed", payload, actor=actor)


def _validate(form: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid(N_("The form data must be an object."), {"_schema": [N_("Expected an object.")]})
    try:
        loaded = STEP_FORMS[form]().load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid(N_("The form has errors."), field_errors(messages)) from exc
    return to_json(loaded)


def _no_effect(campaign: Campaign, data: dict[str, Any]) -> dict[str, Any]:
    return {}


def _set_targets(campaign: Campaign, data: dict[str, Any]) -> dict[str, Any]:
    previous, campaign.targets = campaign.targets, dict(data["targets"])
    return {"previous_targets": previous}


def _confirm_list(campaign: Campaign, data: dict[str, Any]) -> dict[str, Any]:
    """The confirmed filters become the launch's default; the count of enterprises they select is recorded."""
    from .launch import count_eligible  # the launch module builds on this one

    filters = normalise_filters(data["filters"])
    check_districts(filters["district_ids"], "filters.district_ids")
    data["filters"] = filters
    campaign.launch_filters = filters
    return {"eligible": count_eligible(campaign.id, filters)}


def _weekly_figures(campaign: Campaign, data: dict[str, Any]) -> dict[str, Any]:
    """The week's figures, as they stood when the check was made: the campaign's cases by status."""
    rows = db.session.execute(select(Case.status, func.count()).where(Case.campaign_id == campaign.id)
                              .group_by(Case.status)).all()
    return {"cases_by_status": {status: count for status, count in sorted(rows)}}


def _check_summaries(campaign: Campaign, data: dict[str, Any]) -> dict[str, Any]:
    check_districts([s["district_id"] for s in data["summaries"]], "summaries")
    return {}


STEP_EFFECTS: dict[str, Callable[[Campaign, dict[str, Any]], dict[str, Any]]] = {
    "plan_targets": _set_targets,
    "confirm_enterprises": _confirm_list,
    "weekly_check": _weekly_figures,
    "district_summaries": _check_summaries,
}


def check_districts(ids: Collection[int], field: str) -> None:
    """Invalid naming the first district id that does not exist."""
    if not ids:
        return
    known = set(db.session.execute(select(District.id).where(District.id.in_(list(ids)))).scalars())
    missing = [i for i in ids if i not in known]
    if missing:
        raise Invalid(N_("Unknown district."), {field: [f"No district with id {missing[0]}."]})


# ---------------------------------------------------------------------------- regional cases
def open_regional_case(campaign_id: int, enterprise_ids: list[int], title: str | None, actor: User) -> Case:
    """One case of the campaign covering several enterprises of one district (a regional or industry
    negotiation), opened by a supervisor of that district; the launch passes over its enterprises."""
    _require_viewer(actor)
    if db.session.get(Campaign, campaign_id) is None:
        raise NotFound(N_("No such campaign."))
    return cases.open_case(enterprise_ids=enterprise_ids, actor=actor, title=title, campaign_id=campaign_id)


# ---------------------------------------------------------------------------- timers
@dataclass
class CampaignSweep:
    """What one pass over the campaigns did."""

    campaigns_advanced: int = 0
    cases_launched: int = 0
    failed: list[int] = field(default_factory=list)


def _claim_due(as_of: datetime, skip: Collection[int]) -> Campaign | None:
    """The next campaign with a timer due before `as_of`, locked (skipped if another scheduler holds it).

    Strictly before: the engine fires a timer once its instant has passed, not at the instant itself.
    """
    query = select(Campaign).where(Campaign.next_timer_at < as_of)
    if skip:
        query = query.where(Campaign.id.not_in(list(skip)))
    query = (query.order_by(Campaign.next_timer_at, Campaign.id).limit(1)
             .with_for_update(skip_locked=True, key_share=True).execution_options(populate_existing=True))
    return db.session.execute(query).scalar()


def fire_next_due(as_of: datetime, skip: Collection[int] = ()) -> tuple[int, list[str]] | None:
    """Claim one campaign with a due timer and fire its timers, in one transaction: (its id, timers fired).

    A failure rolls back and raises ClaimFailure naming the campaign."""
    with claiming() as claimed, clock.frozen_at(as_of), transaction():
        campaign = _claim_due(as_of, skip)
        if campaign is None:
            return None
        claimed.append(campaign.id)
        bundle = _bundle(campaign)
        rt = runtime()
        wf = rt.engine.restore(bundle, campaign.workflow_state or "")
        snapshot = rt.engine.fire_timers(wf, bundle, _rules())
        campaign.workflow_state = rt.engine.dump(wf)
        _apply(campaign, snapshot)
        for element in snapshot.fired:
            audit.record("campaign_timer_fired", {"campaign_id": campaign.id, "element": element,
                                                  "stage": campaign.stage}, actor=None)
        return campaign.id, list(snapshot.fired)


def fire_due_timers(as_of: datetime, report: CampaignSweep | None = None) -> CampaignSweep:
    """Fire every campaign timer due by `as_of`, one campaign per transaction; a campaign that fails is
    logged and passed over until the next run."""
    report = report or CampaignSweep()
    for fired in each_claimed(partial(fire_next_due, as_of), "firing the timers of campaign", report.failed):
        if fired:
            report.campaigns_advanced += 1
    return report


def sweep(as_of: datetime) -> CampaignSweep:
    """The scheduler's campaign work: fire due timers, then carry every unfinished launch on."""
    from .launch import continue_launches

    report = fire_due_timers(as_of)
    with clock.frozen_at(as_of):
        report.cases_launched = continue_launches()
    if report.campaigns_advanced or report.cases_launched or report.failed:
        log.info("campaigns: %s advanced by timers, %s case(s) launched, failed %s", report.campaigns_advanced,
                 report.cases_launched, report.failed)
    return report
