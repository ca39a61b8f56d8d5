"""API: The yearly "double contract month" campaign: its steps, the launch of its cases, regional cases.

Who may do what (the rules live in app/accounts/permissions.py): administrators, supervisors and
instructors read campaigns; administrators and supervisors create them; supervisors take the steps;
administrators launch anywhere and supervisors in their own districts; supervisors open regional
cases in their districts. Representatives get 403 on every campaign endpoint, before any lookup.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import url_for

from ..api.auth import current_user, make_blueprint
from ..api.conditional import if_match_version
from ..api.paging import page_schema
from ..cases import queries as case_queries
from ..cases.schemas import CaseDetailSchema
from . import launch, service
from .schemas import (
    CampaignCreateSchema,
    CampaignDetailSchema,
    CampaignListArgs,
    CampaignSummarySchema,
    LaunchProgressSchema,
    LaunchRequestSchema,
    RegionalCaseSchema,
    StepDataSchema,
)

blp = make_blueprint("campaigns", "/campaigns",
                     "The double contract month campaign: its steps, the launch of its cases, regional cases.")
CAMPAIGN = "/<id:campaign_id>"
ETAG = {"ETag": {"description": "The campaign's lock_version, quoted", "schema": {"type": "string"}}}
LOCATION = {"Location": {"description": "URL of the new object", "schema": {"type": "string"}}}


def _with_etag(campaign: Any) -> tuple[dict[str, Any], dict[str, str]]:
    return service.detail(campaign, current_user()), {"ETag": f'"{campaign.lock_version}"'}


@blp.route("", methods=["GET"])
@blp.arguments(CampaignListArgs, location="query")
@blp.response(200, page_schema(CampaignSummarySchema))
def list_campaigns(args: dict[str, Any]) -> dict[str, Any]:
    """The campaigns, newest year first."""
    page, per_page = args.pop("page"), args.pop("per_page")
    result = service.list_campaigns(current_user(), args, page, per_page)
    return {**result, "items": [service.summary(c) for c in result["items"]]}


@blp.route("", methods=["POST"])
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignDetailSchema, headers={**LOCATION, **ETAG})
def create_campaign(args: dict[str, Any]) -> Any:
    """Set up a campaign (administrators and supervisors); its process starts at planning the targets."""
    campaign = service.create_campaign(args, current_user())
    detail, headers = _with_etag(campaign)
    return detail, 201, {**headers, "Location": url_for("campaigns.get_campaign", campaign_id=campaign.id)}


@blp.route(CAMPAIGN, methods=["GET"])
@blp.response(200, CampaignDetailSchema, headers=ETAG)
def get_campaign(campaign_id: int) -> Any:
    """The campaign: targets, stage, the steps waiting and who may take them, timers, launch progress."""
    return _with_etag(service.get_campaign(campaign_id, current_user()))


@blp.route(CAMPAIGN + "/steps/<string(maxlength=64):bpmn_id>", methods=["POST"])
@blp.arguments(StepDataSchema)
@blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                      "description": "The campaign version (its ETag): 409 if it changed since"}])
@blp.response(200, CampaignDetailSchema, headers=ETAG)
@blp.alt_response(409, response=HTTPStatus.CONFLICT.name)
def complete_step(data: dict[str, Any], campaign_id: int, bpmn_id: str) -> Any:
    """Complete a waiting step with its form (supervisors). The launch step completes itself when the launch
    ends: before that it answers 409."""
    campaign = service.complete_step(campaign_id, bpmn_id, data, current_user(), if_match_version())
    return _with_etag(campaign)


@blp.route(CAMPAIGN + "/launch", methods=["POST"])
@blp.arguments(LaunchRequestSchema)
@blp.response(202, LaunchProgressSchema)
@blp.alt_response(409, response=HTTPStatus.CONFLICT.name)
def start_launch(args: dict[str, Any], campaign_id: int) -> Any:
    """Start launching the campaign's cases, one per eligible enterprise (administrators anywhere, supervisors
    in their districts). Answers at once: the scheduler, or `flask launch-campaign`, opens the cases in
    batches; follow GET /campaigns/{id}/launch. A launch already running answers 409."""
    campaign = launch.start_launch(campaign_id, args.get("filters"), current_user())
    return service.launch_progress(campaign), 202


@blp.route(CAMPAIGN + "/launch", methods=["GET"])
@blp.response(200, LaunchProgressSchema)
def launch_progress(campaign_id: int) -> Any:
    """The launch's progress: total, done, status, when it started and finished."""
    return service.launch_progress(service.get_campaign(campaign_id, current_user()))


@blp.route(CAMPAIGN + "/regional-cases", methods=["POST"])
@blp.arguments(RegionalCaseSchema)
@blp.response(201, CaseDetailSchema, headers=LOCATION)
@blp.alt_response(409, response=HTTPStatus.CONFLICT.name)
def open_regional_case(args: dict[str, Any], campaign_id: int) -> Any:
    """Open one case covering several enterprises of one district (a regional or industry negotiation) in the
    campaign; supervisors of that district. An enterprise the campaign covers already answers 409."""
    actor = current_user()
    case = service.open_regional_case(campaign_id, args["enterprise_ids"], args.get("title"), actor)
    return case_queries.detail(case, actor), 201, {"Location": url_for("cases.get_case", case_id=case.id)}
