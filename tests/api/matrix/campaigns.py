"""Matrix entries: campaigns, their steps, their launch and their regional cases.

A campaign is the whole city's, so "own" and "foreign" are two campaigns anyone who sees campaigns
sees (this year's and last year's, made on first use by an administrator); "none" is an id that does
not exist. Representatives are refused every campaign endpoint before any lookup (403 throughout).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.campaigns import service
from app.enterprises.credit_code import check_character
from app.extensions import db
from app.models import Campaign, Enterprise
from tests.conftest import make_enterprise

from . import MISSING_ID, ROLES, Entry, same

CAMPAIGNS = "/api/v1/campaigns"
VIEWERS = ("admin", "supervisor", "instructor")
SEE = {**{r: (200, 200, 404) for r in VIEWERS}, **{r: same(403) for r in ROLES if r not in VIEWERS}}
EXTRA_CODE = "91210102MA0000009"


def campaign_id(mw: Any, target: str) -> int:
    """This year's campaign (own), last year's (foreign), or an id that names nothing."""
    if target == "none":
        return MISSING_ID
    year = 2026 if target == "own" else 2025
    name = f"{year}年双合同月"
    found = db.session.execute(select(Campaign.id).where(Campaign.name == name)).scalar()
    if found is None:
        found = service.create_campaign({"name": name, "year": year, "starts_on": date(year, 6, 1),
                                         "ends_on": date(year, 6, 30), "targets": {"coverage_pct": 95}},
                                        mw.world.admin).id
    return found


def url(suffix: str = "") -> Any:
    return lambda mw, t: f"{CAMPAIGNS}/{campaign_id(mw, t)}{suffix}"


def regional_body(mw: Any, t: str) -> dict[str, Any]:
    """Own: two enterprises of district 1; otherwise one of them with district 2's, which the supervisor
    may not see (so it is unknown: 422)."""
    w = mw.world
    extra = db.session.execute(select(Enterprise).where(Enterprise.credit_code.startswith(EXTRA_CODE))).scalar()
    if extra is None:
        extra = make_enterprise("华信机械二厂", w.district, EXTRA_CODE + check_character(EXTRA_CODE))
        db.session.commit()
    partner = extra.id if t == "own" else w.other_enterprise.id
    return {"enterprise_ids": [w.enterprise.id, partner], "title": "机械行业工资集体协商"}


def _new(mw: Any, t: str) -> dict[str, Any]:
    return {"name": f"矩阵 {t}", "year": 2027, "starts_on": "2027-06-01", "ends_on": "2027-06-30",
            "targets": {"wage_coverage_pct": 87}}


ACT_NOT_ADMIN = {"admin": (403, 403, 404), "instructor": (403, 403, 404),
                 **{r: same(403) for r in ("union_rep", "enterprise_rep")}}

ENTRIES = [
    Entry("campaigns.list_campaigns", "GET", lambda mw, t: CAMPAIGNS,
          {**{r: same(200) for r in VIEWERS}, **{r: same(403) for r in ROLES if r not in VIEWERS}}),
    Entry("campaigns.create_campaign", "POST", lambda mw, t: CAMPAIGNS,
          {"admin": same(201), "supervisor": same(201), **{r: same(403) for r in ROLES[2:]}}, body=_new,
          notes="administrators and supervisors set a campaign up"),
    Entry("campaigns.get_campaign", "GET", url(), SEE),
    Entry("campaigns.complete_step", "POST", url("/steps/plan_targets"),
          {**ACT_NOT_ADMIN, "supervisor": (200, 200, 404)},
          body=lambda mw, t: {"targets": {"coverage_pct": 95, "wage_coverage_pct": 87}},
          notes="the steps are the bureau's: supervisors; administrators and instructors see but do not act"),
    Entry("campaigns.start_launch", "POST", url("/launch"),
          {**ACT_NOT_ADMIN, "admin": (409, 409, 404), "supervisor": (409, 409, 404)},
          body=lambda mw, t: {"filters": {}},
          notes="allowed, but a campaign still planning is not ready to launch (409)"),
    Entry("campaigns.launch_progress", "GET", url("/launch"), SEE),
    Entry("campaigns.open_regional_case", "POST", url("/regional-cases"),
          {**ACT_NOT_ADMIN, "supervisor": (201, 422, 404)}, body=regional_body,
          notes="supervisors of the enterprises' district; an enterprise they may not see is unknown (422)"),
]
