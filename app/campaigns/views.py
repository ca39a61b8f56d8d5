"""The campaign pages: the list and a new campaign, a campaign with its waiting steps, and its launch.

Every read and change goes through the functions the API calls (service.py, launch.py), so the pages
and the API cannot disagree on a rule; the forms here only turn HTML fields into the API's data
(web_forms.py) and the service's errors back into messages at the fields. The registry import pages
hang on this blueprint too (import_views.py): importing the enterprises is part of preparing a campaign.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts.permissions import (
    can_create_campaign,
    can_import_enterprises,
    can_launch_campaign,
    can_see_campaigns,
    launch_districts,
)
from ..api.ids import IdConverter
from ..enterprises.industries import SECTIONS
from ..enterprises.size_bands import SIZE_BANDS
from ..errors import DomainError, Invalid, field_errors
from ..extensions import db
from ..i18n import _, current_lang, lazy
from ..models import Campaign, District
from ..pages import is_htmx, signed_in, web_blueprint
from . import launch, service
from .background import continue_in_background
from .forms import TARGETS
from .schemas import CampaignCreateSchema, LaunchRequestSchema
from .web_forms import at_fields, form_data, translate

bp = web_blueprint("campaigns_web", __name__)
# `<id:...>` in the routes, as in the API (a number past the id column's range is no page): registered
# before this blueprint's rules, whichever blueprint the app mounts first.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))
PER_PAGE = 25

STATUS_LABELS = {"planning": lazy("Planning"), "launching": lazy("Launching"), "running": lazy("Running"),
                 "closed": lazy("Closed")}
STAGE_LABELS = {"planning": lazy("Planning the targets and the list"), "assignment": lazy("Instructors' coverage"),
                "launch": lazy("Launch"), "running": lazy("Running"), "summaries": lazy("District summaries"),
                "closing": lazy("Closing"), "closed": lazy("Closed")}

TARGET_FIELDS = tuple(f"targets.{key}" for key in TARGETS)
FILTER_FIELDS = ("filters.district_ids", "filters.industries", "filters.size_bands", "filters.has_union",
                 "filters.without_agreement_in_force", "filters")
NEW_FIELDS = ("name", "year", "starts_on", "ends_on", *TARGET_FIELDS, "targets")
# The inputs of each step's form (its BPMN `form` property), and its checkboxes.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "campaign_targets": (*TARGET_FIELDS, "targets", "note"),
    "campaign_enterprises": (*FILTER_FIELDS, "note"),
    "campaign_coverage": ("confirmed", "note"),
    "campaign_launch": (),
    "campaign_weekly_check": ("checked_on", "note"),
    "campaign_summaries": ("received_on", "summaries"),
    "campaign_close": ("closed_on", "conclusion"),
}
STEP_CHECKBOXES = {"campaign_coverage": ("confirmed",), "campaign_enterprises": ("filters.without_agreement_in_force",)}


# ---------------------------------------------------------------------------- the list
@bp.get("/campaigns")
@signed_in(can_see_campaigns)
def campaign_list() -> Any:
    """The campaigns, newest year first, and the form for a new one (for who may set one up)."""
    return _list_page()


@bp.post("/campaigns")
@signed_in(can_create_campaign)
def create_campaign() -> Any:
    """A new campaign from the form; errors at their fields with 422, nothing saved."""
    data = form_data(request.form, "new")
    if "year" in data:
        data["year"] = int(data["year"]) if data["year"].isdigit() else data["year"]
    data.setdefault("targets", {})
    try:
        campaign = service.create_campaign(CampaignCreateSchema().load(data), current_user)
    except ValidationError as exc:
        return _list_page(data, field_errors(exc.messages), 422)
    except Invalid as exc:
        return _list_page(data, exc.errors, 422, [translate(exc.message)])
    flash(_("The campaign %(name)s is set up: plan its targets next.", name=campaign.name), "success")
    return redirect(url_for("campaigns_web.campaign_page", campaign_id=campaign.id), 303)


def _list_page(values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
               status: int = 200, form_errors: list[str] | None = None) -> Any:
    page = request.args.get("page", 1, type=int) or 1
    result = service.list_campaigns(current_user, {}, max(page, 1), PER_PAGE)
    per_field, rest = at_fields(errors or {}, "new", NEW_FIELDS)
    return render_template("campaigns/list.html", page=result, items=[service.summary(c) for c in result["items"]],
                           labels=_labels(), can_create=can_create_campaign(current_user),
                           can_import=can_import_enterprises(current_user),
                           target_rows=_target_rows(None, current_lang()),
                           values=_flat(values or {}, "new"), errors=per_field,
                           form_errors=[*(form_errors or []), *rest] if errors or form_errors else []), status


# ---------------------------------------------------------------------------- one campaign
@bp.get("/campaigns/<id:campaign_id>")
@signed_in(can_see_campaigns)
def campaign_page(campaign_id: int) -> Any:
    """The campaign: targets, waiting steps with their forms, timers, its cases and its launch."""
    return _campaign_page(service.get_campaign(campaign_id, current_user))


@bp.post("/campaigns/<id:campaign_id>/steps/<string(maxlength=64):bpmn_id>")
@signed_in(can_see_campaigns)
def complete_step(campaign_id: int, bpmn_id: str) -> Any:
    """Complete a waiting step with its form, as the API does; a stale page answers 409."""
    campaign = service.get_campaign(campaign_id, current_user)
    ready = service.where_it_stands(campaign)[0]
    step = next((s for s in ready if s.bpmn_id == bpmn_id), None)
    form = step.form if step is not None and step.form else ""
    data = form_data(request.form, bpmn_id, STEP_CHECKBOXES.get(form, ()))
    version = request.form.get("lock_version", type=int)
    try:
        service.complete_step(campaign_id, bpmn_id, data, current_user, version)
    except Invalid as exc:
        db.session.rollback()
        per_field, rest = at_fields(exc.errors, bpmn_id, STEP_FIELDS.get(form, ()))
        return _campaign_page(service.get_campaign(campaign_id, current_user), 422, values=_flat(data, bpmn_id),
                              errors=per_field, step_errors={bpmn_id: [translate(exc.message), *rest]})
    flash(_("Done: %(step)s.", step=_step_name(step, bpmn_id)), "success")
    return redirect(url_for("campaigns_web.campaign_page", campaign_id=campaign_id), 303)


@bp.post("/campaigns/<id:campaign_id>/launch")
@signed_in(can_see_campaigns)
def start_launch(campaign_id: int) -> Any:
    """Start the launch with the form's filters, as the API does; the cases are opened in the background."""
    campaign = service.get_campaign(campaign_id, current_user)
    data = form_data(request.form, "launch", ("filters.without_agreement_in_force",))
    data.setdefault("filters", {})
    try:
        args = LaunchRequestSchema().load(data)
        launch.start_launch(campaign_id, args.get("filters"), current_user)
    except ValidationError as exc:
        per_field, rest = at_fields(field_errors(exc.messages), "launch", FILTER_FIELDS)
        return _campaign_page(campaign, 422, values=_flat(data, "launch"), errors=per_field,
                              launch_errors=rest or [_("The launch filters have errors.")])
    except DomainError as exc:  # refused: not allowed, closed, still planning, already running
        db.session.rollback()
        per_field, rest = at_fields(exc.errors, "launch", FILTER_FIELDS)
        return _campaign_page(service.get_campaign(campaign_id, current_user), exc.status,
                              values=_flat(data, "launch"), errors=per_field,
                              launch_errors=[translate(exc.message), *rest])
    if current_app.config.get("CAMPAIGN_LAUNCH_IN_BACKGROUND", True):
        continue_in_background(campaign_id)
    return redirect(url_for("campaigns_web.campaign_page", campaign_id=campaign_id, _anchor="launch"), 303)


@bp.get("/campaigns/<id:campaign_id>/launch/progress")
@signed_in(can_see_campaigns)
def launch_progress(campaign_id: int) -> Any:
    """The launch's progress bar alone, which the page polls every second while the launch runs."""
    campaign = service.get_campaign(campaign_id, current_user)
    if not is_htmx():
        return redirect(url_for("campaigns_web.campaign_page", campaign_id=campaign_id, _anchor="launch"))
    return render_template("campaigns/_progress.html", campaign=campaign, launch=service.launch_progress(campaign))


def _campaign_page(campaign: Campaign, status: int = 200, *, values: dict[str, str] | None = None,
                   errors: dict[str, list[str]] | None = None, step_errors: dict[str, list[str]] | None = None,
                   launch_errors: list[str] | None = None) -> Any:
    detail = service.detail(campaign, current_user)
    lang = current_lang()
    may_launch = can_launch_campaign(current_user) and campaign.status != "closed"
    return render_template(
        "campaigns/page.html", campaign=campaign, detail=detail, labels=_labels(), lang=lang,
        targets=_target_rows(campaign, lang),
        choices=_choices(lang, None), launch_choices=_choices(lang, launch_districts(current_user)),
        may_launch=may_launch, values=_values(campaign, values or {}), errors=errors or {},
        step_errors=step_errors or {}, launch_errors=launch_errors or [],
        step_name=lambda step: step["name"] if lang == "en" else step["name_zh"],
    ), status


def _values(campaign: Campaign, given: dict[str, Any]) -> dict[str, Any]:
    """The forms' values: what was just sent to the form that failed, the defaults in the others."""
    sent = {name.split(".", 1)[0] for name in given}
    kept = {name: value for name, value in _defaults(campaign).items() if name.split(".", 1)[0] not in sent}
    return {**kept, **given}


def _defaults(campaign: Campaign) -> dict[str, Any]:
    """The forms' values before anyone typed: the current targets and the confirmed launch filters."""
    values: dict[str, Any] = {}
    for key, value in (campaign.targets or {}).items():
        values[f"plan_targets.targets.{key}"] = value
    filters = campaign.launch_filters or {}
    for prefix in ("confirm_enterprises", "launch"):
        values.update(_flat({"filters": filters}, prefix))
    return values


def _flat(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Nested form data back into the inputs' names, to fill a form again after an error."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, name))
        elif key == "summaries" and isinstance(value, list):
            flat.update({f"{name}.{row['district_id']}": row["note"] for row in value if isinstance(row, dict)})
        else:
            flat[name] = value
    return flat


def _choices(lang: str, districts: set[int] | None) -> dict[str, list[tuple[str, str]]]:
    """The options of the launch filters: districts (those given, or all), industry sections, size bands."""
    query = select(District).order_by(District.code)
    if districts is not None:
        query = query.where(District.id.in_(districts or [-1]))
    return {
        "districts": [(str(d.id), d.name) for d in db.session.execute(query).scalars()],
        "industries": [(letter, f"{letter} {zh if lang == 'zh' else en}") for letter, zh, en in SECTIONS],
        "size_bands": [(key, zh if lang == "zh" else en) for key, _, zh, en in SIZE_BANDS],
    }


def _target_rows(campaign: Campaign | None, lang: str) -> list[tuple[str, str, Any]]:
    """(key, label in `lang`, the campaign's goal) of each coverage target."""
    goals = (campaign.targets if campaign is not None else None) or {}
    return [(key, en if lang == "en" else zh, goals.get(key)) for key, (en, zh) in TARGETS.items()]


def _labels() -> dict[str, dict[str, Any]]:
    return {"status": STATUS_LABELS, "stage": STAGE_LABELS}


def _step_name(step: service.StepView | None, bpmn_id: str) -> str:
    if step is None:
        return bpmn_id
    return step.name if current_lang() == "en" else step.name_zh


from . import import_views  # noqa: E402,F401  (its pages hang on this blueprint)
