"""The form of every user task, declared once: a marshmallow schema named in the BPMN task's properties.

Field checks live in the schema; rules that need the case (the other side's team, the rule set,
the year's guideline) live in each schema's `check`, which raises a field-level ValidationError or
returns warnings that are recorded, not blocking (the guideline band).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from workflows import clock
from workflows.calendar import HolidayCalendar, compute_due
from workflows.rulesets import RuleSet
from workflows.script_env import guideline_position, vote_result

SIDES = ("union", "enterprise")
# Counting "5 days before the talks" is calendar days with no roll, so no holiday table is needed.
_NO_HOLIDAYS = HolidayCalendar()
WAGE_AGREEMENT_ITEMS = (
    "term", "pay_system", "pay_rates", "average_wage_adjustment", "bonus_allowance_rules",
    "payment_method", "change_procedure", "termination", "breach_liability", "other",
)
FILING_DOCUMENTS = (
    "agreement", "narrative", "wage_data", "congress_resolution", "representative_credentials", "minutes",
)


@dataclass
class FormContext:
    """What a form's case-level rules may consult; built by the case service."""

    rule_set: RuleSet
    today: date
    lane: str
    data: Mapping[str, Any]
    other_forms: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    find_guideline: Callable[[], Mapping[str, Any] | None] = lambda: None
    find_instructor: Callable[[str], Any] = lambda _username: None
    find_documents: Callable[[], frozenset[int]] = frozenset

    # The lookups are lazy: only the forms that need them pay for their queries.
    @functools.cached_property
    def guideline(self) -> Mapping[str, Any] | None:
        return self.find_guideline()

    @functools.cached_property
    def document_ids(self) -> frozenset[int]:
        return self.find_documents()

    def latest(self, form: str, lane: str) -> Mapping[str, Any] | None:
        """The latest completed data of `form` in `lane`, if any."""
        return self.other_forms.get((form, lane))


@dataclass(frozen=True)
class Warning_:
    """A finding recorded with the task but not blocking it (e.g. an increase above the guideline)."""

    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


class EventDate(fields.Date):
    """The date something happened: never after today (in the bureau's time zone, on the app's clock)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > clock.today():
            raise ValidationError(f"{day.isoformat()} is in the future.")
        return day


class TaskForm(Schema):
    """Base of every task form: unknown fields are dropped, not stored."""

    class Meta:
        unknown = EXCLUDE

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        """Case-level rules; raise ValidationError(message, field) or return warnings."""
        return []


def _required_when(data: Mapping[str, Any], condition: bool, name: str, message: str) -> None:
    if condition and not (data.get(name) or "").strip():
        raise ValidationError(message, name)


def _choice(*values: str) -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(values))


def _document_field() -> fields.Integer:
    return fields.Integer(load_default=None, allow_none=True)


def _not_before(data: Mapping[str, Any], name: str, earlier: str | None, message: str) -> None:
    """A step's date cannot precede the date of the step it answers (an ISO date from the task data)."""
    if earlier and data[name] < date.fromisoformat(earlier):
        raise ValidationError(message, name)


def _check_document(data: Mapping[str, Any], ctx: FormContext, name: str) -> None:
    value = data.get(name)
    if value is not None and value not in ctx.document_ids:
        raise ValidationError("No such document in this case.", name)


class AssignmentForm(TaskForm):
    instructor = fields.String(required=True, validate=validate.Length(min=1, max=64))
    assigned_on = EventDate(load_default=None)
    note = fields.String(load_default="")

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        if ctx.find_instructor(data["instructor"]) is None:
            raise ValidationError("No active instructor with this user name.", "instructor")
        data["assigned_on"] = data.get("assigned_on") or ctx.today
        return []


class AcceptanceForm(TaskForm):
    decision = _choice("accept", "decline")
    reason = fields.String(load_default="")

    @validates_schema
    def _reason(self, data: dict[str, Any], **_: Any) -> None:
        _required_when(data, data.get("decision") == "decline", "reason", "Give a reason for declining.")


class ProposalForm(TaskForm):
    proposing_side = _choice(*SIDES)
    received_on = EventDate(required=True)
    proposed_time = fields.String(load_default="")
    proposed_place = fields.String(load_default="")
    content = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    employees_requesting = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    document_id = _document_field()

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _check_document(data, ctx, "document_id")
        return []


class ResponseForm(TaskForm):
    decision = _choice("accept", "refuse")
    reason = fields.String(load_default="")
    responded_on = EventDate(required=True)

    @validates_schema
    def _reason(self, data: dict[str, Any], **_: Any) -> None:
        _required_when(data, data.get("decision") == "refuse", "reason",
                       "A refusal needs a reason (CCP art. 32).")

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _not_before(data, "responded_on", ctx.data.get("record_proposal", {}).get("received_on"),
                    "The response cannot precede the proposal's receipt.")
        return []


class InterventionForm(TaskForm):
    decision = _choice("order_talks", "close")
    note = fields.String(required=True, validate=validate.Length(min=1))
    decided_on = EventDate(required=True)


class MemberSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    position = fields.String(load_default="")
    id_number = fields.String(load_default="")
    chief = fields.Boolean(load_default=False)
    outside_expert = fields.Boolean(load_default=False)


def _person_key(member: Mapping[str, Any]) -> str:
    return (member.get("id_number") or "").strip().upper() or " ".join(member["name"].split())


class TeamForm(TaskForm):
    """One side's representatives (CCP arts. 19-24): checked alone, then against the other side."""

    members = fields.List(fields.Nested(MemberSchema), required=True)
    chief_authorisation_document_id = _document_field()

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        members, rs = data["members"], ctx.rule_set
        count = len(members)
        if count < rs.team_min:
            raise ValidationError(f"Each side needs at least {rs.team_min} representatives; {count} given.",
                                  "members")
        if rs.team_max is not None and count > rs.team_max:
            raise ValidationError(f"Each side may have at most {rs.team_max} representatives; {count} given.",
                                  "members")
        chiefs = [m for m in members if m["chief"]]
        if len(chiefs) != 1:
            raise ValidationError(f"Name exactly one chief representative; {len(chiefs)} named.", "members")
        if chiefs[0]["outside_expert"]:
            raise ValidationError("An outside expert cannot be the chief representative.", "members")
        experts = sum(1 for m in members if m["outside_expert"])
        if Fraction(experts, count) > rs.expert_max_fraction:
            allowed = int(rs.expert_max_fraction * count)
            raise ValidationError(
                f"Outside experts may be at most {rs.expert_max_fraction} of a side: {allowed} of {count}, "
                f"not {experts}.", "members")
        keys = [_person_key(m) for m in members]
        if len(set(keys)) != len(keys):
            raise ValidationError("The same person is listed twice.", "members")
        other_lane = "enterprise" if ctx.lane == "union" else "union"
        other = ctx.latest("team", other_lane)
        if other is not None:
            other_members = other["members"]
            if len(other_members) != count:
                raise ValidationError(
                    f"Both sides must have the same number of representatives: the {other_lane} side has "
                    f"{len(other_members)}, this side {count}.", "members")
            both = sorted(set(keys) & {_person_key(m) for m in other_members})
            if both:
                raise ValidationError(f"Nobody may sit on both sides: {', '.join(both)}.", "members")
        _check_document(data, ctx, "chief_authorisation_document_id")
        return []


class PreparationForm(TaskForm):
    talks_on = fields.Date(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1))
    agenda = fields.String(required=True, validate=validate.Length(min=1))
    recorder = fields.String(required=True, validate=validate.Length(min=1))
    info_requested = fields.Boolean(load_default=False)
    info_supplied_on = EventDate(load_default=None, allow_none=True)

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        rule = ctx.rule_set.clock("info_supply")
        if data["info_requested"] and rule.enabled:
            latest = compute_due(data["talks_on"], rule, _NO_HOLIDAYS).due
            supplied = data.get("info_supplied_on")
            if supplied is None or supplied > latest:
                return [Warning_("info_late", "info_supplied_on",
                                 f"Requested information must be supplied by {latest.isoformat()}, "
                                 f"{rule.amount} days before the talks (WM art. 18).")]
        return []


class MeetingForm(TaskForm):
    meeting_on = EventDate(required=True)
    chaired_by = _choice(*SIDES)
    outcome = _choice("continue", "suspend", "agreement", "impasse")
    next_meeting_on = fields.Date(load_default=None, allow_none=True)
    minutes_signed = fields.Boolean(required=True)
    summary = fields.String(load_default="")
    minutes_document_id = _document_field()

    @validates_schema
    def _rules(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("minutes_signed") is False:
            raise ValidationError("The minutes must be signed by both chief representatives.", "minutes_signed")
        if data.get("outcome") == "suspend":
            nxt = data.get("next_meeting_on")
            if nxt is None:
                raise ValidationError("A suspension needs the date of the next meeting (CCP art. 35).",
                                      "next_meeting_on")
            if data.get("meeting_on") and nxt <= data["meeting_on"]:
                raise ValidationError("The next meeting must come after this one.", "next_meeting_on")

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _check_document(data, ctx, "minutes_document_id")
        return []


class CoordinationForm(TaskForm):
    outcome = _choice("resume", "extend", "failed")
    extension_days = fields.Integer(load_default=None, allow_none=True)
    note = fields.String(required=True, validate=validate.Length(min=1))
    decided_on = EventDate(required=True)

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        maximum = ctx.rule_set.clock("coordination_extension").amount
        if data["outcome"] == "extend":
            days = data.get("extension_days")
            if days is None or not 1 <= days <= maximum:
                raise ValidationError(f"An extension is 1 to {maximum} days (CCP art. 52).", "extension_days")
        else:
            data["extension_days"] = None
        return []


class FinalCoordinationForm(TaskForm):
    outcome = _choice("resume", "failed")
    note = fields.String(required=True, validate=validate.Length(min=1))
    decided_on = EventDate(required=True)


AGREEMENT_TYPES = ("wage", "comprehensive")


class DraftForm(TaskForm):
    # A wage-specific agreement (工资专项集体合同), or a comprehensive one with wage clauses (综合性集体合同).
    agreement_type = fields.String(load_default="wage", validate=validate.OneOf(AGREEMENT_TYPES))
    term_months = fields.Integer(required=True)
    wage_increase_pct = fields.Decimal(required=True, places=2, validate=validate.Range(min=-50, max=100))
    average_wage = fields.Decimal(load_default=None, allow_none=True, places=2,
                                  validate=validate.Range(min=0, min_inclusive=False))
    items = fields.List(fields.String(validate=validate.OneOf(WAGE_AGREEMENT_ITEMS)), load_default=list)
    document_id = _document_field()

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        rs = ctx.rule_set
        if not rs.term_months_min <= data["term_months"] <= rs.term_months_max:
            span = (f"{rs.term_months_min} months" if rs.term_months_min == rs.term_months_max
                    else f"{rs.term_months_min} to {rs.term_months_max} months")
            raise ValidationError(f"The term must be {span} under {rs.name}.", "term_months")
        _check_document(data, ctx, "document_id")
        warnings: list[Warning_] = []
        missing = [item for item in ("term", "average_wage_adjustment") if item not in data["items"]]
        if missing:
            warnings.append(Warning_("items_missing", "items",
                                     f"A wage agreement normally covers: {', '.join(missing)} (WM art. 7)."))
        if ctx.guideline is None:
            warnings.append(Warning_("no_guideline", "wage_increase_pct",
                                     "No wage guideline is recorded for this year; the increase was not checked."))
            data["guideline_position"] = None
            return warnings
        position = guideline_position(data["wage_increase_pct"], ctx.guideline)
        data["guideline_position"] = position
        data["guideline"] = {k: (str(v) if v is not None else None) for k, v in ctx.guideline.items()}
        if position == "below_floor":
            warnings.append(Warning_("below_guideline_floor", "wage_increase_pct",
                                     f"{data['wage_increase_pct']}% is below the guideline floor of "
                                     f"{ctx.guideline['floor_pct']}%."))
        elif position == "above_upper":
            warnings.append(Warning_("above_guideline_upper", "wage_increase_pct",
                                     f"{data['wage_increase_pct']}% is above the guideline's upper line of "
                                     f"{ctx.guideline['upper_pct']}%."))
        return warnings


class VoteForm(TaskForm):
    voted_on = EventDate(required=True)
    body = _choice("workers_congress", "all_employees")
    total = fields.Integer(required=True, validate=validate.Range(min=1))
    present = fields.Integer(required=True, validate=validate.Range(min=0))
    in_favour = fields.Integer(required=True, validate=validate.Range(min=0))
    against = fields.Integer(load_default=0, validate=validate.Range(min=0))
    abstained = fields.Integer(load_default=0, validate=validate.Range(min=0))
    resolution_document_id = _document_field()

    @validates_schema
    def _counts(self, data: dict[str, Any], **_: Any) -> None:
        if {"total", "present", "in_favour"} - data.keys():
            return
        if data["present"] > data["total"]:
            raise ValidationError("More present than there are members.", "present")
        if data["in_favour"] + data.get("against", 0) + data.get("abstained", 0) > data["present"]:
            raise ValidationError("More votes than members present.", "in_favour")

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _check_document(data, ctx, "resolution_document_id")
        result = vote_result(data["total"], data["present"], data["in_favour"], ctx.rule_set)
        if not result.quorate:
            raise ValidationError(
                f"No quorum: at least {result.present_needed} of {data['total']} must be present "
                f"({ctx.rule_set.quorum_fraction} of all, CCP art. 36); {data['present']} were. "
                "The vote is not valid; hold it again.", "present")
        data["adopted"] = result.passed
        data["in_favour_needed"] = result.in_favour_needed
        return []


class ApprovalForm(TaskForm):
    """An approval: approve, or return with a comment. Signing chiefs give the date they signed."""

    decision = _choice("approve", "return")
    comment = fields.String(load_default="")
    signed_on = EventDate(load_default=None, allow_none=True)

    @validates_schema
    def _rules(self, data: dict[str, Any], **_: Any) -> None:
        _required_when(data, data.get("decision") == "return", "comment", "Say why you return it.")
        if data.get("decision") == "approve" and data.get("signed_on") is None:
            raise ValidationError("Give the date of signature.", "signed_on")


class FilingForm(TaskForm):
    filed_on = EventDate(required=True)
    copies = fields.Integer(required=True, validate=validate.Range(
        min=3, error="File three copies of the agreement (CCP art. 42)."))
    documents = fields.List(fields.String(validate=validate.OneOf(FILING_DOCUMENTS)), load_default=list)

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _not_before(data, "filed_on", ctx.data.get("signed_on"), "The agreement cannot be filed before it was signed.")
        missing = [d for d in FILING_DOCUMENTS if d not in data["documents"]]
        if missing:
            return [Warning_("filing_incomplete", "documents", f"Missing from the filing: {', '.join(missing)}.")]
        return []


class ReviewForm(TaskForm):
    decision = _choice("no_objection", "objection", "incomplete")
    opinion = fields.String(load_default="")
    reviewed_on = EventDate(required=True)
    opinion_document_id = _document_field()

    @validates_schema
    def _opinion(self, data: dict[str, Any], **_: Any) -> None:
        _required_when(data, data.get("decision") in ("objection", "incomplete"), "opinion",
                       "An objection or a request to complete needs a review opinion (CCP art. 45).")

    def check(self, data: dict[str, Any], ctx: FormContext) -> list[Warning_]:
        _not_before(data, "reviewed_on", ctx.data.get("file_agreement", {}).get("filed_on"),
                    "The review cannot precede the filing.")
        return []


class PublicationForm(TaskForm):
    published_on = EventDate(required=True)
    method = _choice("notice_board", "meeting", "intranet", "other")



FORMS: dict[str, type[TaskForm]] = {
    "assignment": AssignmentForm,
    "acceptance": AcceptanceForm,
    "proposal": ProposalForm,
    "response": ResponseForm,
    "intervention": InterventionForm,
    "team": TeamForm,
    "preparation": PreparationForm,
    "meeting": MeetingForm,
    "coordination": CoordinationForm,
    "coordination_final": FinalCoordinationForm,
    "draft": DraftForm,
    "vote": VoteForm,
    "approval": ApprovalForm,
    "filing": FilingForm,
    "review": ReviewForm,
    "publication": PublicationForm,
}


def to_json(value: Any) -> Any:
    """Form data as stored in the workflow and the task row: dates as ISO text, decimals as strings."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
