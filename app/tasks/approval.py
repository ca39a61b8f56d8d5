"""What an approval step shows before its two buttons: the draft agreement and where its increase stands.

The union's and the enterprise's chief representatives approve (sign) or return the draft in the
BPMN's `union_signature` and `enterprise_signature` steps, whose form is `approval`. They decide on
the draft as the instructor recorded it: the latest completed `draft` form of the case, with the
guideline it was checked against when drafted (or this year's, for a draft recorded without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workflows import clock
from workflows.script_env import guideline_position

from ..errors import NotFound
from ..models import CaseTask
from ..reference.guidelines import get_guideline
from . import service

APPROVAL_FORM = "approval"


@dataclass
class GuidelineScale:
    """The bounds of a <meter> showing the increase against the floor, baseline and upper line."""

    floor: Decimal
    baseline: Decimal
    upper: Decimal | None
    low: Decimal
    high: Decimal


@dataclass
class DraftCheck:
    draft: dict[str, Any]
    increase: Decimal | None
    guideline: GuidelineScale | None
    position: str | None


def is_approval(row: CaseTask) -> bool:
    return row.form == APPROVAL_FORM


def draft_check(row: CaseTask) -> DraftCheck | None:
    """The draft the approval step decides on, with its guideline check; None if no draft was recorded."""
    draft = service.case_form_data(row, "draft")
    if draft is None:
        return None
    increase = Decimal(str(draft["wage_increase_pct"])) if draft.get("wage_increase_pct") is not None else None
    guideline = draft.get("guideline") or _this_years_guideline()
    if guideline is None or increase is None:
        return DraftCheck(draft, increase, None, None)
    floor, baseline = Decimal(str(guideline["floor_pct"])), Decimal(str(guideline["baseline_pct"]))
    upper = Decimal(str(guideline["upper_pct"])) if guideline.get("upper_pct") is not None else None
    top = max(upper or baseline + (baseline - floor), increase)
    scale = GuidelineScale(floor, baseline, upper, low=min(Decimal(0), increase), high=top + 1)
    position = draft.get("guideline_position") or guideline_position(increase, guideline)
    return DraftCheck(draft, increase, scale, position)


def _this_years_guideline() -> dict[str, Any] | None:
    try:
        row = get_guideline(clock.today().year)
    except NotFound:
        return None
    return {"floor_pct": row.floor_pct, "baseline_pct": row.baseline_pct, "upper_pct": row.upper_pct}
