"""Rule sets: the built-in ones and the local ones; read one's clocks and rules; define, redefine, delete.

The form is the API's PUT body (`RuleSetInputSchema`) laid out as fields, every clock given in full: a
new rule set starts as a copy of the one it is based on, so nothing is left to a hidden default. The
checks (amounts, the diagram's fixed directions, team and term bounds) are `reference.rulesets`'.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from workflows.calendar import UNITS
from workflows.rulesets import CLOCK_LABELS, CLOCK_NAMES, DEFAULT_RULE_SET

from ..accounts.permissions import can_manage_reference
from ..errors import Invalid, NotFound
from ..i18n import N_, _, current_lang
from ..pages import signed_in
from ..reference import rulesets
from ..reference.schemas import RuleSetInputSchema
from . import formdata
from .blueprint import bp
from .labels import UNIT_LABELS

INTEGERS = ("team_min", "team_max", "term_months_min", "term_months_max")
FRACTIONS = ("expert_max_fraction", "quorum_fraction", "majority_fraction")
TEXTS = ("title_en", "title_zh", "source")


@bp.get("/rule-sets")
@signed_in(can_manage_reference)
def ruleset_list() -> Any:
    """The built-in rule sets, then the local ones."""
    return render_template("admin/rulesets.html", entries=rulesets.list_rule_sets())


@bp.get("/rule-sets/<name>")
@signed_in(can_manage_reference)
def ruleset_view(name: str) -> Any:
    """A rule set as a person checks it: each clock's period and what starts it, then the team and vote rules."""
    entry = rulesets.get_rule_set_entry(name)
    return render_template("admin/ruleset.html", entry=entry, detail=entry.detail(), units=UNIT_LABELS)


@bp.route("/rule-sets/new", methods=["GET", "POST"])
@signed_in(can_manage_reference)
def ruleset_new() -> Any:
    """A local rule set, started from a copy of `?based_on=` (the national one by default)."""
    if request.method == "GET":
        base = rulesets.get_rule_set_entry(request.args.get("based_on") or DEFAULT_RULE_SET).rule_set
        values = _values(base.to_dict())
        values["name"] = ""
        return _form(None, values, {})
    name = formdata.text(request.form, "name")
    return _save(None, name, new=True)


@bp.route("/rule-sets/<name>/edit", methods=["GET", "POST"])
@signed_in(can_manage_reference)
def ruleset_edit(name: str) -> Any:
    """Redefine a local rule set; cases already open keep the rules they started with."""
    entry = rulesets.get_rule_set_entry(name)
    if entry.built_in:
        raise NotFound(N_("A built-in rule set cannot be edited; create a local one based on it."))
    if request.method == "GET":
        return _form(entry, _values(entry.rule_set.to_dict()), {})
    return _save(entry, name, new=False)


@bp.post("/rule-sets/<name>/delete")
@signed_in(can_manage_reference)
def ruleset_delete(name: str) -> Any:
    """Delete a local rule set no case runs under; the service refuses built-in ones and ones in use."""
    rulesets.delete(name, current_user)
    flash(_("Rule set %(name)s deleted.", name=name), "success")
    return redirect(url_for("admin_web.ruleset_list"))


# ---------------------------------------------------------------------------- helpers
def _save(entry: rulesets.RuleSetEntry | None, name: str, new: bool) -> Any:
    values = _posted()
    values["name"] = name
    data, errors = formdata.load(RuleSetInputSchema(), _typed(values))
    if not errors:
        try:
            rulesets.define(name, data, current_user, new=new)
        except Invalid as error:
            errors = formdata.invalid_errors(error)
    if errors:
        return _form(entry, values, errors)
    flash(_("Rule set %(name)s saved.", name=name), "success")
    return redirect(url_for("admin_web.ruleset_view", name=name))


def _values(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored definition (`RuleSet.to_dict()`) as the form's text values."""
    values = {key: "" if definition.get(key) is None else str(definition[key])
              for key in (*TEXTS, *INTEGERS, *FRACTIONS)}
    values["majority_inclusive"] = bool(definition.get("majority_inclusive"))
    values["clocks"] = {name: {**rule, "amount": str(rule["amount"])}
                        for name, rule in definition["clocks"].items()}
    return values


def _posted() -> dict[str, Any]:
    """What the form sent, as it is shown again when refused."""
    form = request.form
    values: dict[str, Any] = {key: formdata.text(form, key) for key in (*TEXTS, *INTEGERS, *FRACTIONS)}
    values["majority_inclusive"] = formdata.checked(form, "majority_inclusive")
    values["clocks"] = {name: {
        "amount": formdata.text(form, f"clocks.{name}.amount"), "unit": formdata.text(form, f"clocks.{name}.unit"),
        "roll_forward": formdata.checked(form, f"clocks.{name}.roll_forward"),
        "enabled": formdata.checked(form, f"clocks.{name}.enabled"),
        "before": form.get(f"clocks.{name}.before") == "true",
    } for name in CLOCK_NAMES}
    return values


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API's PUT body: numbers as numbers, an empty team cap as no cap."""
    data: dict[str, Any] = {key: values[key] for key in TEXTS}
    data.update({key: formdata.number(values[key]) for key in INTEGERS if values[key] or key == "team_max"})
    data.update({key: values[key] for key in FRACTIONS if values[key]})
    data["majority_inclusive"] = values["majority_inclusive"]
    data["clocks"] = {name: {**rule, "amount": formdata.number(rule["amount"]) if rule["amount"] else None}
                      for name, rule in values["clocks"].items()}
    for rule in data["clocks"].values():
        if rule["amount"] is None:
            del rule["amount"]
        if not rule["unit"]:
            del rule["unit"]
    return data


def _form(entry: rulesets.RuleSetEntry | None, values: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    lang = current_lang()
    clocks = [(name, getattr(CLOCK_LABELS[name], "title_zh" if lang == "zh" else "title_en"),
               getattr(CLOCK_LABELS[name], "trigger_zh" if lang == "zh" else "trigger_en")) for name in CLOCK_NAMES]
    return render_template("admin/ruleset_form.html", entry=entry, v=values, errors=formdata.shown(errors),
                           clocks=clocks, units=[(u, UNIT_LABELS[u]) for u in UNITS],
                           bases=rulesets.list_rule_sets()), 422 if errors else 200
