"""API: Wage guidelines, rule sets and holidays: everyone signed in reads them, administrators change them."""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows import clock
from workflows.calendar import NO_HOLIDAY_DATA, package_covers

from ..accounts.permissions import can_manage_reference
from ..api.auth import current_user, make_blueprint
from ..api.paging import PageArgs, page_schema
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import N_
from ..models import Holiday, WageGuideline
from . import guidelines, holidays, rulesets
from .schemas import (
    GuidelineInputSchema,
    GuidelineSchema,
    HolidayInputSchema,
    HolidayQuerySchema,
    HolidaySchema,
    HolidayYearSchema,
    RuleSetInputSchema,
    RuleSetSchema,
    RuleSetSummarySchema,
)

blp = make_blueprint("reference", "", "Wage guidelines, rule sets and holidays.")


# ---------------------------------------------------------------------------- wage guidelines
@blp.route("/guidelines", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(GuidelineSchema))
def list_guidelines(args: dict[str, Any]) -> dict[str, Any]:
    """Every year's wage guideline, newest first."""
    return guidelines.list_guidelines(args["page"], args["per_page"])


@blp.route("/guidelines/<int(max=9999):year>", methods=["GET"])
@blp.response(200, GuidelineSchema)
def get_guideline(year: int) -> WageGuideline:
    """One year's wage guideline."""
    return guidelines.get_guideline(year)


@blp.route("/guidelines/<int(max=9999):year>", methods=["PUT"])
@blp.arguments(GuidelineInputSchema)
@blp.response(200, GuidelineSchema)
def put_guideline(args: dict[str, Any], year: int) -> WageGuideline:
    """Set (create or replace) a year's guideline: 0 ≤ floor ≤ baseline ≤ upper line ≤ 100 (administrators)."""
    return guidelines.put_guideline(year, args, current_user())


# ---------------------------------------------------------------------------- rule sets
@blp.route("/rule-sets", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(RuleSetSummarySchema))
def list_rule_sets(args: dict[str, Any]) -> dict[str, Any]:
    """The built-in rule sets, then the local ones administrators defined."""
    return rulesets.page_of_rule_sets(args["page"], args["per_page"])


@blp.route("/rule-sets/<name>", methods=["GET"])
@blp.response(200, RuleSetSchema)
def get_rule_set(name: str) -> dict[str, Any]:
    """A rule set's clocks (amount, unit, what starts each) and its team, vote and term rules."""
    return rulesets.get_rule_set_entry(name).detail()


@blp.route("/rule-sets/<name>", methods=["PUT"])
@blp.arguments(RuleSetInputSchema)
@blp.response(200, RuleSetSchema)
def put_rule_set(args: dict[str, Any], name: str) -> dict[str, Any]:
    """Define or redefine a local rule set (administrators); cases already open keep the rules they started with."""
    return rulesets.define(name, args, current_user()).detail()


@blp.route("/rule-sets/<name>", methods=["DELETE"])
@blp.response(204)
def delete_rule_set(name: str) -> None:
    """Delete a local rule set no case runs under (administrators)."""
    rulesets.delete(name, current_user())


# ---------------------------------------------------------------------------- holidays
@blp.route("/holidays", methods=["GET"])
@blp.arguments(HolidayQuerySchema, location="query")
@blp.response(200, HolidayYearSchema)
def list_holidays(args: dict[str, Any]) -> dict[str, Any]:
    """A year's entries in the holiday table, and whether the year's holidays are known at all."""
    year = args.get("year") or clock.today().year
    days = holidays.list_days(year)
    has_data = package_covers(year) or bool(days)
    return {"year": year, "package_data": package_covers(year), "has_data": has_data,
            "warnings": [] if has_data else [f"{NO_HOLIDAY_DATA}:{year}"], "days": days}


@blp.route("/holidays/<day>", methods=["PUT"])
@blp.arguments(HolidayInputSchema)
@blp.response(200, HolidaySchema)
def put_holiday(args: dict[str, Any], day: str) -> Holiday:
    """Record a day off or a swapped working day (administrators); deadlines computed afterwards honour it."""
    _require_manager()
    return holidays.set_day(_day(day), args["is_workday"], args["name"], actor=current_user())


@blp.route("/holidays/<day>", methods=["DELETE"])
@blp.response(204)
def delete_holiday(day: str) -> None:
    """Forget a day's entry: the packaged calendar (or weekends) decide it again (administrators)."""
    _require_manager()
    if not holidays.remove_day(_day(day), actor=current_user()):
        raise NotFound(N_("%(day)s is not in the holiday table."), day=str(day))


def _require_manager() -> None:
    # The holiday service is shared with the operator's CLI (no signed-in user), so the API checks here.
    if not can_manage_reference(current_user()):
        raise Forbidden(N_("Only an administrator may change the holiday table."))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(N_("Not a date."), {"day": [f"{value!r} is not an ISO date (YYYY-MM-DD)."]}) from None
