"""Each rule of the procedure refuses a bad step with its field message and leaves the database untouched."""

from datetime import date

import pytest

from app.cases import service
from app.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import at
from tests.helpers import complete, open_case, ready_ids, ready_tasks, reload, team
from tests.service.flows import actor, form, snapshot_rows, step, task_rows, walk_until
from workflows import clock


def refused(case, bpmn_id, user, data, on, error=Invalid):
    """Try a step that must be refused; prove nothing in case, task, audit or document rows changed."""
    before = snapshot_rows()
    with pytest.raises(error) as caught:
        complete(case, bpmn_id, user, data, on)
    assert snapshot_rows() == before
    return caught.value


def at_step(world, target, rule_set=None):
    """A case walked (one step a day from 2 March 2026) until `target` is ready."""
    case = open_case(world, "2026-03-02", **({"rule_set": rule_set} if rule_set else {}))
    walk_until(case, world, target, "2026-03-02")
    return case


# ---------------------------------------------------------------------------- teams
@pytest.mark.parametrize(("members", "message"), [
    (team("职工方", 2)["members"], "Each side needs at least 3 representatives; 2 given."),
    ([{"name": n, "chief": True} for n in "甲乙丙"], "Name exactly one chief representative; 3 named."),
    ([{"name": n} for n in "甲乙丙"], "Name exactly one chief representative; 0 named."),
    ([{"name": "甲", "chief": True, "outside_expert": True}, {"name": "乙"}, {"name": "丙"}],
     "An outside expert cannot be the chief representative."),
    (team("职工方", 5, experts=2)["members"], "Outside experts may be at most 1/3 of a side: 1 of 5, not 2."),
    ([{"name": "甲", "chief": True}, {"name": "乙"}, {"name": " 乙 "}], "The same person is listed twice."),
], ids=["two_members", "three_chiefs", "no_chief", "expert_chief", "two_experts_of_five", "listed_twice"])
def test_a_team_breaking_the_representation_rules_is_refused(world, members, message):
    """CCP arts. 19-24: size, one chief, no expert chief, experts at most a third, nobody twice."""
    case = at_step(world, "union_team")
    error = refused(case, "union_team", world.union, {"members": members}, "2026-03-06")
    assert error.errors == {"members": [message]}
    assert ready_ids(case) == ["enterprise_team", "union_team"]


def test_one_outside_expert_in_three_is_allowed(world):
    """Exactly a third is within the limit."""
    case = at_step(world, "union_team")
    done = complete(case, "union_team", world.union, team("职工方", 3, experts=1), "2026-03-06")
    assert done.task.state == "completed"
    assert done.task.form_data["members"][2]["outside_expert"] is True


def test_the_second_team_must_match_the_first_and_share_nobody(world):
    """Equal numbers on both sides; nobody sits on both."""
    case = at_step(world, "union_team")
    complete(case, "union_team", world.union, team("职工方"), "2026-03-06")
    error = refused(case, "enterprise_team", world.employer, team("企业方", 4), "2026-03-06")
    assert error.errors == {"members": [
        "Both sides must have the same number of representatives: the union side has 3, this side 4."]}
    crossing = {"members": [{"name": "企业方0", "chief": True}, {"name": "企业方1"}, {"name": "职工方2"}]}
    error = refused(case, "enterprise_team", world.employer, crossing, "2026-03-06")
    assert error.errors == {"members": ["Nobody may sit on both sides: 职工方2."]}
    complete(case, "enterprise_team", world.employer, team("企业方"), "2026-03-06")
    assert ready_ids(case) == ["prepare_talks"]


# ---------------------------------------------------------------------------- congress vote
def vote(total, present, in_favour, **more):
    return {"voted_on": "2026-03-13", "body": "workers_congress", "total": total, "present": present,
            "in_favour": in_favour, **more}


def test_a_vote_without_two_thirds_present_is_invalid(world):
    """CCP 36: 39 of 60 present is no quorum; the vote must be held again."""
    case = at_step(world, "congress_vote")
    error = refused(case, "congress_vote", world.union, vote(60, 39, 39), "2026-03-13")
    assert error.errors == {"present": [
        "No quorum: at least 40 of 60 must be present (2/3 of all, CCP art. 36); 39 were. "
        "The vote is not valid; hold it again."]}
    assert ready_ids(case) == ["congress_vote"]


def test_exactly_half_of_all_in_favour_adopts_the_draft(world):
    """national-2004 reads "半数以上" inclusively: 30 of 60 (with 40 present) is enough."""
    case = at_step(world, "congress_vote")
    done = complete(case, "congress_vote", world.union, vote(60, 40, 30, against=10), "2026-03-13")
    assert (done.task.form_data["adopted"], done.task.form_data["in_favour_needed"]) == (True, 30)
    assert ready_ids(case) == ["union_signature"]
    assert reload(case).stage == "signature"


def test_fewer_than_half_in_favour_sends_the_draft_back_to_the_table(world):
    """29 of 60 is a rejection: the parties negotiate again."""
    case = at_step(world, "congress_vote")
    done = complete(case, "congress_vote", world.union, vote(60, 52, 29, against=23), "2026-03-13")
    assert done.task.form_data["adopted"] is False
    assert ready_ids(case) == ["hold_meeting"]
    assert reload(case).stage == "negotiation"


# ---------------------------------------------------------------------------- one field each
@pytest.mark.parametrize(("target", "data", "field", "message"), [
    ("enterprise_response", {"decision": "refuse", "responded_on": "2026-03-05"}, "reason",
     "A refusal needs a reason (CCP art. 32)."),
    ("hold_meeting", {"outcome": "suspend"}, "next_meeting_on",
     "A suspension needs the date of the next meeting (CCP art. 35)."),
    ("hold_meeting", {"minutes_signed": False}, "minutes_signed",
     "The minutes must be signed by both chief representatives."),
    ("draft_agreement", {"term_months": 48}, "term_months", "The term must be 12 to 36 months under national-2004."),
    ("union_signature", {"decision": "return", "comment": " ", "signed_on": None}, "comment",
     "Say why you return it."),
    ("enterprise_signature", {"decision": "approve", "signed_on": None}, "signed_on", "Give the date of signature."),
], ids=["refusal_without_reason", "suspend_without_date", "unsigned_minutes", "term_48_months",
        "return_without_comment", "approve_without_date"])
def test_a_step_missing_what_the_law_requires_is_refused(world, target, data, field, message):
    """Refusal reason, next meeting date, signed minutes, term, return comment, signature date."""
    case = at_step(world, target)
    row = next(t for t in ready_tasks(case) if t.bpmn_id == target)
    on = "2026-03-20"
    error = refused(case, target, actor(world, row.lane), form(target, on, **data), on)
    assert error.errors == {field: [message]}
    assert target in ready_ids(case)


def test_a_wage_agreement_under_the_2000_measures_runs_one_year(world):
    """wage-measures-2000 allows only a 12-month term."""
    case = at_step(world, "draft_agreement", rule_set="wage-measures-2000")
    error = refused(case, "draft_agreement", world.instructor, form("draft_agreement", "2026-03-20", term_months=24),
                    "2026-03-20")
    assert error.errors == {"term_months": ["The term must be 12 months under wage-measures-2000."]}


def test_a_filing_needs_three_copies_and_cannot_precede_the_signature(world):
    """CCP 42: three copies, filed on or after the day of signature."""
    case = at_step(world, "union_signature")
    step(case, world, "union_signature", "2026-03-16")
    step(case, world, "enterprise_signature", "2026-03-17")
    assert reload(case).signed_on == date(2026, 3, 17)
    error = refused(case, "file_agreement", world.employer, form("file_agreement", "2026-03-18", copies=2),
                    "2026-03-18")
    assert error.errors == {"copies": ["File three copies of the agreement (CCP art. 42)."]}
    error = refused(case, "file_agreement", world.employer, form("file_agreement", "2026-03-16"), "2026-03-18")
    assert error.errors == {"filed_on": ["The agreement cannot be filed before it was signed."]}


def test_a_date_in_the_future_is_refused(world):
    """Nobody records a proposal received tomorrow."""
    case = at_step(world, "record_proposal")
    error = refused(case, "record_proposal", world.instructor, form("record_proposal", "2026-03-06"), "2026-03-05")
    assert error.errors == {"received_on": ["2026-03-06 is in the future."]}


# ---------------------------------------------------------------------------- who may act
def test_only_the_lane_of_a_step_may_complete_it(world):
    """The union may not answer for the enterprise; a foreign union never sees the case; admins never act."""
    case = at_step(world, "enterprise_response")
    data = form("enterprise_response", "2026-03-05")
    error = refused(case, "enterprise_response", world.union, data, "2026-03-05", Forbidden)
    assert (error.status, error.message) == (403, "Only the enterprise side of this case may do this step.")
    error = refused(case, "enterprise_response", world.other_union, data, "2026-03-05", NotFound)
    assert error.status == 404
    error = refused(case, "enterprise_response", world.admin, data, "2026-03-05", Forbidden)
    assert error.status == 403
    refused(case, "enterprise_response", world.other_supervisor, data, "2026-03-05", NotFound)
    assert ready_ids(case) == ["enterprise_response"]


def test_a_completed_step_cannot_be_completed_again(world):
    """A second submission of a done step is a conflict, not a second answer."""
    case = at_step(world, "enterprise_response")
    done_row = task_rows(case, "record_proposal")[0]
    before = snapshot_rows()
    with pytest.raises(Conflict) as caught, clock.frozen_at(at("2026-03-05")):
        service.complete_task(case.id, done_row.id, form("record_proposal", "2026-03-05"), world.instructor)
    assert (caught.value.status, caught.value.message) == (409, "This task is already completed.")
    assert snapshot_rows() == before


def test_a_form_loaded_before_someone_else_changed_the_case_is_refused(world):
    """expected_version guards against overwriting a change the user has not seen."""
    case = at_step(world, "union_team")
    version = reload(case).lock_version
    complete(case, "union_team", world.union, team("职工方"), "2026-03-06")
    row = task_rows(case, "enterprise_team")[0]
    before = snapshot_rows()
    with pytest.raises(Conflict) as caught, clock.frozen_at(at("2026-03-06")):
        service.complete_task(case.id, row.id, team("企业方"), world.employer, expected_version=version)
    assert caught.value.details == {"current_version": version + 1}
    assert snapshot_rows() == before
    assert ready_ids(case) == ["enterprise_team"]


# ---------------------------------------------------------------------------- the wage guideline
@pytest.mark.parametrize(("increase", "code", "position"), [
    ("12", "above_guideline_upper", "above_upper"),
    ("2", "below_guideline_floor", "below_floor"),
], ids=["12_percent", "2_percent"])
def test_an_increase_outside_the_guideline_is_accepted_with_a_warning(world, increase, code, position):
    """The guideline (3/6/9 % in 2026) flags an increase but never blocks it."""
    case = at_step(world, "draft_agreement")
    done = step(case, world, "draft_agreement", "2026-03-20", wage_increase_pct=increase)
    assert [w["code"] for w in done.warnings] == [code]
    row = task_rows(case, "draft_agreement")[0]
    assert [w["code"] for w in row.warnings] == [code]
    assert row.warnings[0]["field"] == "wage_increase_pct"
    assert row.form_data["guideline_position"] == position
    assert ready_ids(case) == ["congress_vote"]

    walk_until(case, world, "union_signature", "2026-03-21")
    step(case, world, "union_signature", "2026-03-23")
    step(case, world, "enterprise_signature", "2026-03-23")
    step(case, world, "file_agreement", "2026-03-24")
    step(case, world, "review_filing", "2026-03-25")
    case_now = reload(case)
    assert case_now.status == "in_force"
    assert (str(case_now.wage_increase_pct), case_now.guideline_position) == (f"{increase}.00", position)
