"""How the task forms' fields and choices are named to people; the forms themselves only know keys.

The JSON Schema of a form (tasks/form_schema.py) names its properties and enum values by key
("wage_increase_pct", "no_objection"); a page shows these labels instead, in the page's language.
The forms' own fixed error messages are marked here too, so that the catalog translates them when a
page shows them at their field (the service raises them in English, as the API answers them).
"""

from __future__ import annotations

from flask_babel import LazyString

from ..i18n import N_, lazy

FIELD_LABELS: dict[str, LazyString] = {
    "instructor": lazy("Instructor (user name)"), "assigned_on": lazy("Assigned on"), "note": lazy("Note"),
    "decision": lazy("Decision"), "reason": lazy("Reason"),
    "proposing_side": lazy("Proposing side"), "received_on": lazy("Proposal received on"),
    "proposed_time": lazy("Proposed time"), "proposed_place": lazy("Proposed place"),
    "content": lazy("Content of the proposal"), "employees_requesting": lazy("Employees asking for talks"),
    "document_id": lazy("Document"), "responded_on": lazy("Responded on"), "decided_on": lazy("Decided on"),
    "members": lazy("Representatives"), "name": lazy("Name"), "position": lazy("Position"),
    "id_number": lazy("ID number"), "chief": lazy("Chief representative"),
    "outside_expert": lazy("Outside expert"),
    "chief_authorisation_document_id": lazy("Letter of authority of the chief"),
    "talks_on": lazy("Date of the talks"), "place": lazy("Place"), "agenda": lazy("Agenda"),
    "recorder": lazy("Recorder"), "info_requested": lazy("Information was requested"),
    "info_supplied_on": lazy("Information supplied on"),
    "meeting_on": lazy("Meeting held on"), "chaired_by": lazy("Chaired by"), "outcome": lazy("Outcome"),
    "next_meeting_on": lazy("Next meeting on"), "minutes_signed": lazy("Minutes signed by both chiefs"),
    "summary": lazy("Summary"), "minutes_document_id": lazy("Minutes"),
    "extension_days": lazy("Extension (days)"),
    "agreement_type": lazy("Type of agreement"), "term_months": lazy("Term (months)"),
    "wage_increase_pct": lazy("Agreed wage increase (%)"), "average_wage": lazy("Average wage (yuan per month)"),
    "items": lazy("Items the agreement covers"),
    "voted_on": lazy("Voted on"), "body": lazy("Voting body"), "total": lazy("Members in all"),
    "present": lazy("Present"), "in_favour": lazy("In favour"), "against": lazy("Against"),
    "abstained": lazy("Abstained"), "resolution_document_id": lazy("Resolution"),
    "comment": lazy("Comment"), "signed_on": lazy("Signed on"),
    "filed_on": lazy("Filed on"), "copies": lazy("Copies filed"), "documents": lazy("Documents filed"),
    "opinion": lazy("Review opinion"), "reviewed_on": lazy("Reviewed on"),
    "opinion_document_id": lazy("Review opinion document"),
    "published_on": lazy("Published on"), "method": lazy("How it was published"),
}

SIDE_LABELS = {"union": lazy("Union side"), "enterprise": lazy("Enterprise side")}

CHOICE_LABELS: dict[str, dict[str, LazyString]] = {
    "decision": {
        "accept": lazy("Accept"), "decline": lazy("Decline"), "refuse": lazy("Refuse"),
        "order_talks": lazy("Order the talks"), "close": lazy("Close the case"), "approve": lazy("Approve"),
        "return": lazy("Return"), "no_objection": lazy("No objection"), "objection": lazy("Objection"),
        "incomplete": lazy("Filing incomplete"),
    },
    "outcome": {
        "continue": lazy("Talks continue"), "suspend": lazy("Suspended"), "agreement": lazy("Agreement reached"),
        "impasse": lazy("Impasse"), "resume": lazy("Talks resume"), "extend": lazy("Extend the coordination"),
        "failed": lazy("Coordination failed"),
    },
    "proposing_side": SIDE_LABELS,
    "chaired_by": SIDE_LABELS,
    "agreement_type": {"wage": lazy("Wage agreement"), "comprehensive": lazy("Comprehensive collective contract")},
    "items": {
        "term": lazy("Term"), "pay_system": lazy("Pay system"), "pay_rates": lazy("Pay rates and forms"),
        "average_wage_adjustment": lazy("Average wage and its adjustment"),
        "bonus_allowance_rules": lazy("Bonuses, allowances and subsidies"),
        "payment_method": lazy("Payment method"), "change_procedure": lazy("How to change or cancel it"),
        "termination": lazy("Termination conditions"), "breach_liability": lazy("Liability for breach"),
        "other": lazy("Other agreed items"),
    },
    "body": {"workers_congress": lazy("Workers' congress"), "all_employees": lazy("All employees")},
    "documents": {
        "agreement": lazy("The agreement"), "narrative": lazy("Narrative of the negotiation"),
        "wage_data": lazy("Wage data"), "congress_resolution": lazy("Congress resolution"),
        "representative_credentials": lazy("Representatives' IDs and letters of authority"),
        "minutes": lazy("Minutes signed by both chiefs"),
    },
    "method": {"notice_board": lazy("Notice board"), "meeting": lazy("Staff meeting"), "intranet": lazy("Intranet"),
               "other": lazy("Other")},
}

GUIDELINE_POSITIONS: dict[str, LazyString] = {
    "below_floor": lazy("below the floor"), "floor_to_baseline": lazy("between the floor and the baseline"),
    "baseline_to_upper": lazy("between the baseline and the upper line"),
    "above_upper": lazy("above the upper line"),
}

# The forms' fixed messages (app/cases/forms.py and the case service), for the catalog.
FORM_MESSAGES = (
    N_("The form has errors."), N_("The case changed since you loaded it."),
    N_("Give a reason for declining."), N_("A refusal needs a reason (CCP art. 32)."),
    N_("The response cannot precede the proposal's receipt."), N_("No active instructor with this user name."),
    N_("No such document in this case."), N_("An outside expert cannot be the chief representative."),
    N_("The same person is listed twice."), N_("The minutes must be signed by both chief representatives."),
    N_("A suspension needs the date of the next meeting (CCP art. 35)."),
    N_("The next meeting must come after this one."), N_("More present than there are members."),
    N_("More votes than members present."), N_("Say why you return it."), N_("Give the date of signature."),
    N_("The agreement cannot be filed before it was signed."),
    N_("An objection or a request to complete needs a review opinion (CCP art. 45)."),
    N_("The review cannot precede the filing."), N_("File three copies of the agreement (CCP art. 42)."),
)


def field_label(name: str) -> str:
    """A property's label; an unknown key (a form added later) is shown as it is."""
    return str(FIELD_LABELS.get(name, name))


def choice_label(field: str, value: str) -> str:
    """An enum value's label for `field`; an unknown value is shown as it is."""
    label = CHOICE_LABELS.get(field, {}).get(value)
    return str(label) if label is not None else value
