"""The "open a case" form: what it offers a supervisor, and how its entries become the case service's arguments.

People know an enterprise by its name and its unified social credit code, not by a database id: the form
takes codes (the first field suggests the enterprises of the supervisor's districts that have no open
case), and a regional or industry case lists further codes, one per line. Everything else (who may open,
one district per case, a campaign covering an enterprise once) is the case service's rule, not this form's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..accounts.permissions import visible_enterprises_clause
from ..enterprises.credit_code import normalise
from ..enterprises.service import ids_by_credit_code, with_open_case
from ..errors import Invalid
from ..extensions import db
from ..i18n import say
from ..models import Campaign, Enterprise, User
from ..reference.rulesets import list_rule_sets

SUGGESTED = 500  # enterprises offered in the first field's list; any other is typed by its code
CODES = re.compile(r"[\s,，;；]+")


@dataclass
class OpeningChoices:
    """What the form offers: enterprises without an open case, rule sets, campaigns still taking cases."""

    enterprises: list[Enterprise] = field(default_factory=list)
    rule_sets: list[tuple[str, str]] = field(default_factory=list)
    campaigns: list[tuple[int, str]] = field(default_factory=list)


def choices(actor: User, lang: str) -> OpeningChoices:
    enterprises = db.session.execute(
        select(Enterprise).where(visible_enterprises_clause(actor), ~with_open_case())
        .order_by(Enterprise.name).limit(SUGGESTED)).scalars()
    rule_sets = [(entry.rule_set.name, entry.rule_set.title_zh if lang == "zh" else entry.rule_set.title_en)
                 for entry in list_rule_sets()]
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.name).where(Campaign.status != "closed").order_by(Campaign.id.desc()))
    return OpeningChoices(list(enterprises), rule_sets, [(row.id, row.name) for row in campaigns])


def read(form: Mapping[str, str]) -> dict[str, str]:
    """The form's entries as typed, kept to show again beside an error."""
    return {key: (form.get(key) or "").strip()
            for key in ("enterprise", "more_enterprises", "title", "rule_set", "campaign_id")}


def arguments(values: Mapping[str, str], actor: User) -> dict[str, Any]:
    """The case service's arguments for the entries; Invalid names the field of every entry that is wrong."""
    errors: dict[str, list[str]] = {}
    codes = [normalise(code) for code in [values["enterprise"], *CODES.split(values["more_enterprises"])] if code]
    if not values["enterprise"]:
        errors["enterprise"] = [say("Give the enterprise's unified social credit code.")]
    found = ids_by_credit_code(codes, actor)
    unknown = [code for code in codes if code not in found]
    if unknown:
        # One the actor may not see is as unknown as a missing one: a refusal never reveals a foreign enterprise.
        field_name = "enterprise" if normalise(values["enterprise"]) in unknown else "more_enterprises"
        errors.setdefault(field_name, []).append(
            say("No enterprise of your districts has the credit code %(codes)s.", codes=", ".join(unknown)))
    title = values["title"]
    if len(title) > 200:
        errors["title"] = [say("At most 200 characters.")]
    campaign_id = values["campaign_id"]
    if campaign_id and not campaign_id.isdigit():
        errors["campaign_id"] = [say("Choose a campaign from the list.")]
    if errors:
        raise Invalid(say("The case was not opened: correct the fields marked."), errors)
    return {"enterprise_ids": list(dict.fromkeys(found[code] for code in codes)), "title": title or None,
            "rule_set": values["rule_set"] or None, "campaign_id": int(campaign_id) if campaign_id else None}


# The service names its fields by the API's names; the form's are these.
FIELD_OF = {"enterprise_ids": "enterprise"}
