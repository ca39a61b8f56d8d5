"""Wage guidelines (工资指导线): each year's floor, baseline and upper line, which the draft check compares with.

Everyone signed in reads them (a draft is judged against them); only administrators set them, and every
change is audited with the values it replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..accounts.permissions import can_manage_reference
from ..api.paging import paginate
from ..audit import service as audit
from ..cases.service import transaction
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import User, WageGuideline

FIELDS = ("floor_pct", "baseline_pct", "upper_pct", "published_on")
YEARS = range(1990, 2101)


def list_guidelines(page: int, per_page: int) -> dict[str, Any]:
    """Every year's guideline, newest first."""
    return paginate(select(WageGuideline).order_by(WageGuideline.year.desc()), page, per_page)


def get_guideline(year: int) -> WageGuideline:
    row = _find(year)
    if row is None:
        raise NotFound(N_("No wage guideline for %(year)s."), year=year)
    return row


def put_guideline(year: int, data: Mapping[str, Any], actor: User) -> WageGuideline:
    """Create or replace a year's guideline; the lines must not cross (floor ≤ baseline ≤ upper line)."""
    with transaction():
        if not can_manage_reference(actor):
            raise Forbidden(N_("Only an administrator may set wage guidelines."))
        if year not in YEARS:
            raise Invalid(N_("No such year."), {"year": [f"Give a year from {YEARS[0]} to {YEARS[-1]}."]})
        _check_order(data["floor_pct"], data["baseline_pct"], data.get("upper_pct"))
        row = _find(year)
        before = None if row is None else _plain(row)
        if row is None:
            row = WageGuideline(year=year)
            db.session.add(row)
        for name in FIELDS:
            setattr(row, name, data.get(name))
        audit.record("guideline_set", {"year": year, **_plain(row), "before": before}, actor=actor)
    return row


def _find(year: int) -> WageGuideline | None:
    return db.session.execute(select(WageGuideline).where(WageGuideline.year == year)).scalar()


def _check_order(floor: Decimal, baseline: Decimal, upper: Decimal | None) -> None:
    errors: dict[str, list[str]] = {}
    if baseline < floor:
        errors["baseline_pct"] = [f"The baseline cannot be below the floor ({floor})."]
    if upper is not None and upper < baseline:
        errors["upper_pct"] = [f"The upper line cannot be below the baseline ({baseline})."]
    if errors:
        raise Invalid(N_("The guideline's lines cross."), errors)


def _plain(row: WageGuideline) -> dict[str, Any]:
    """The audited values: decimals as text with two places, dates ISO."""
    return {name: None if getattr(row, name) is None else
            (f"{getattr(row, name):.2f}" if name.endswith("_pct") else getattr(row, name).isoformat())
            for name in FIELDS}
