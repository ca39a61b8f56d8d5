"""Rule sets: the built-in ones of workflows/rulesets.py, and local ones an administrator defines as data.

A local rule set is stored as the `RuleSet.to_dict()` it builds to, so the case service loads it like a
snapshot. `RuleSet.from_dict` is lenient (it must load any old snapshot), so a new definition is checked
here first, field by field: every clock present, counts the engine can run, the diagram's direction kept.
A case copies its rule set when it opens: redefining one never moves a running case's deadlines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select

from workflows import clock
from workflows.rulesets import CLOCK_LABELS, CLOCK_NAMES, DEFAULT_RULE_SET, RULE_SETS, RuleSet

from ..accounts.permissions import can_manage_reference
from ..audit import service as audit
from ..cases.service import transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Case, StoredRuleSet, User

# Lower-case words joined by hyphens; 40 characters at most, the width of case.rule_set.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
# The diagram counts on from these clocks' due day (due_on(...) in wage_negotiation.bpmn): never switched off.
ALWAYS_ENABLED = frozenset({"coordination", "review"})
MAX_AMOUNT = {"calendar_days": 366, "working_days": 250, "months": 36}
TEAM_MAX = 100
TERM_MAX = 120
MISSING = "Missing data for required field."


@dataclass(frozen=True)
class RuleSetEntry:
    """A rule set and where it comes from: built in (code) or stored (an administrator's definition)."""

    rule_set: RuleSet
    built_in: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        rs = self.rule_set
        return {"name": rs.name, "title_en": rs.title_en, "title_zh": rs.title_zh, "source": rs.source,
                "built_in": self.built_in, "created_at": self.created_at, "updated_at": self.updated_at}

    def detail(self) -> dict[str, Any]:
        """Everything a person needs to check the rule set by hand: each clock with what starts it."""
        rs = self.rule_set
        clocks = []
        for name, rule in rs.clocks.items():
            label = CLOCK_LABELS.get(name)
            clocks.append({
                "name": name, **rule.to_dict(),
                "title_en": label.title_en if label else name, "title_zh": label.title_zh if label else name,
                "starts_en": label.trigger_en if label else "", "starts_zh": label.trigger_zh if label else "",
                "opens": bool(label and label.opens),
            })
        return {**rs.to_dict(), **self.summary(), "clocks": clocks}


# ---------------------------------------------------------------------------- read
def list_rule_sets() -> list[RuleSetEntry]:
    """The built-in rule sets in their order, then the stored ones by name."""
    stored = db.session.execute(select(StoredRuleSet).order_by(StoredRuleSet.name)).scalars()
    return [*(RuleSetEntry(rs, True) for rs in RULE_SETS.values()), *(_entry(row) for row in stored)]


def get_rule_set_entry(name: str) -> RuleSetEntry:
    if name in RULE_SETS:
        return RuleSetEntry(RULE_SETS[name], True)
    row = _stored(name)
    if row is None:
        raise NotFound(N_("No rule set named %(name)s."), name=name)
    return _entry(row)


# ---------------------------------------------------------------------------- write
def define(name: str, data: Mapping[str, Any], actor: User, *, new: bool = False) -> RuleSetEntry:
    """Create or replace a local rule set; built-in names are refused (define a variant `based_on` one).

    With `new`, a name already in use (built in or stored) is refused at the name field instead of replaced.
    """
    with transaction():
        if not can_manage_reference(actor):
            raise Forbidden(N_("Only an administrator may define rule sets."))
        if new and (name in RULE_SETS or _stored(name) is not None):
            raise Invalid(N_("The rule set has invalid fields."),
                          {"name": [N_("A rule set of this name exists; choose another name.")]})
        if name in RULE_SETS:
            raise Conflict(N_("%(name)s is built in and cannot be changed; define a local rule set under another "
                              "name with based_on: %(name)s."), name=name)
        rule_set = build(name, data)
        row = _stored(name)
        before = None if row is None else row.definition
        now = clock.now()
        if row is None:
            row = StoredRuleSet(name=name, created_at=now)
            db.session.add(row)
        row.definition, row.updated_at = rule_set.to_dict(), now
        audit.record("rule_set_defined", {"name": name, "definition": row.definition, "before": before}, actor=actor)
    return _entry(row)


def delete(name: str, actor: User) -> None:
    """Remove a local rule set that no case runs under (cases keep their snapshot, but name the set)."""
    with transaction():
        if not can_manage_reference(actor):
            raise Forbidden(N_("Only an administrator may delete rule sets."))
        if name in RULE_SETS:
            raise Conflict(N_("%(name)s is built in and cannot be deleted."), name=name)
        row = _stored(name)
        if row is None:
            raise NotFound(N_("No rule set named %(name)s."), name=name)
        used = db.session.execute(select(func.count(Case.id)).where(Case.rule_set == name)).scalar_one()
        if used:
            raise Conflict(N_("%(cases)s case(s) run under %(name)s; it cannot be deleted."), cases=used, name=name)
        db.session.delete(row)
        audit.record("rule_set_deleted", {"name": name, "definition": row.definition}, actor=actor)


# ---------------------------------------------------------------------------- validation
def build(name: str, data: Mapping[str, Any]) -> RuleSet:
    """The RuleSet a definition describes, or Invalid naming every field at fault."""
    errors: dict[str, list[str]] = {}
    if not NAME.fullmatch(name):
        errors["name"] = ["Use lower-case letters, digits and hyphens, at most 40 characters (e.g. shenyang-2026)."]
    elif data.get("name") not in (None, name):
        errors["name"] = [f"The body names {data['name']}, the address {name}."]
    base: dict[str, Any] = {}
    if data.get("based_on"):
        try:
            base = get_rule_set_entry(data["based_on"]).rule_set.to_dict()
        except NotFound:
            errors["based_on"] = [f"No rule set named {data['based_on']}."]
    given = {k: v for k, v in data.items() if k not in ("name", "based_on", "clocks")}
    merged: dict[str, Any] = {**base, **given, "name": name}
    merged["clocks"] = {clock_name: _clock(clock_name, {**base.get("clocks", {}).get(clock_name, {}),
                                                        **data.get("clocks", {}).get(clock_name, {})}, errors)
                        for clock_name in CLOCK_NAMES}
    _check_rules(merged, errors)
    if errors:
        raise Invalid(N_("The rule set has invalid fields."), errors)
    merged = {k: str(v) if isinstance(v, Fraction) else v for k, v in merged.items()}
    try:
        return RuleSet.from_dict(merged)
    except (ValueError, TypeError, KeyError, ZeroDivisionError) as exc:  # a rule the checks above missed
        raise Invalid(N_("The rule set is not valid."), {"_schema": [str(exc)]}) from exc


def _clock(name: str, rule: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """One clock's definition, with its problems added to `errors` under clocks.<name>[.<field>]."""
    where = f"clocks.{name}"
    if not rule:
        errors[where] = [MISSING]
        return rule
    for key in ("amount", "unit"):
        if key not in rule:
            errors[f"{where}.{key}"] = [MISSING]
    if errors.keys() & {f"{where}.amount", f"{where}.unit"}:
        return rule
    enabled = rule.get("enabled", True)
    amount, unit = rule["amount"], rule["unit"]
    if enabled and not 1 <= amount <= MAX_AMOUNT[unit]:
        errors[f"{where}.amount"] = [f"Give from 1 to {MAX_AMOUNT[unit]} {unit.replace('_', ' ')}."]
    elif not 0 <= amount <= MAX_AMOUNT[unit]:
        errors[f"{where}.amount"] = [f"Give from 0 to {MAX_AMOUNT[unit]} {unit.replace('_', ' ')}."]
    direction = RULE_SETS[DEFAULT_RULE_SET].clocks[name].before
    if rule.get("before", False) != direction:
        errors[f"{where}.before"] = [f"The diagram counts this clock {'back from' if direction else 'on from'} "
                                     f"its trigger: before must be {str(direction).lower()}."]
    if not enabled and name in ALWAYS_ENABLED:
        errors[f"{where}.enabled"] = ["The diagram counts on from this clock's due day; it cannot be switched off."]
    return rule


def _check_rules(merged: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """The team, vote and term rules; absent ones take the national defaults in RuleSet.from_dict."""
    defaults = RULE_SETS[DEFAULT_RULE_SET]
    team_min = merged.get("team_min", defaults.team_min)
    team_max = merged.get("team_max")
    if not 1 <= team_min <= TEAM_MAX:
        errors["team_min"] = [f"Give from 1 to {TEAM_MAX} representatives."]
    elif team_max is not None and not team_min <= team_max <= TEAM_MAX:
        errors["team_max"] = [f"Give from team_min ({team_min}) to {TEAM_MAX}, or null for no cap."]
    for key in ("expert_max_fraction", "quorum_fraction", "majority_fraction"):
        value = merged.get(key)
        if value is not None and not 0 < Fraction(value) <= 1:
            errors[key] = ["Give a share above 0 and at most 1, e.g. 2/3."]
    term_min = merged.get("term_months_min", defaults.term_months_min)
    term_max = merged.get("term_months_max", defaults.term_months_max)
    if not 1 <= term_min <= TERM_MAX:
        errors["term_months_min"] = [f"Give from 1 to {TERM_MAX} months."]
    elif not term_min <= term_max <= TERM_MAX:
        errors["term_months_max"] = [f"Give from term_months_min ({term_min}) to {TERM_MAX} months."]


def _stored(name: str) -> StoredRuleSet | None:
    return db.session.execute(select(StoredRuleSet).where(StoredRuleSet.name == name)).scalar()


def _entry(row: StoredRuleSet) -> RuleSetEntry:
    return RuleSetEntry(RuleSet.from_dict(row.definition), False, row.created_at, row.updated_at)


def page_of_rule_sets(page: int, per_page: int) -> dict[str, Any]:
    """One page of `list_rule_sets()` in the API's page envelope (the list is short and partly in code)."""
    entries = list_rule_sets()
    start = (page - 1) * per_page
    return {"items": [e.summary() for e in entries[start:start + per_page]], "total": len(entries), "page": page,
            "per_page": per_page, "pages": (len(entries) + per_page - 1) // per_page}
