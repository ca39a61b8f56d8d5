"""Whole negotiations through the case service: single enterprise, regional, and the 2000 wage measures."""

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.service import verify
from app.cases import service
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Case
from tests.conftest import at, make_enterprise, make_user
from tests.helpers import complete, fire, open_case, ready_ids, reload, team
from tests.service.flows import events, form, step, task_rows, walk_until
from workflows import clock


def test_a_negotiation_runs_from_opening_to_the_next_cycle(world):
    """Every step of the statutory procedure, one return of the signatures, then renewal."""
    case = open_case(world, "2026-03-02")
    assert (case.status, case.stage, case.kind, case.rule_set) == ("active", "assignment", "enterprise",
                                                                     "national-2004")
    assert [e.id for e in case.enterprises] == [world.enterprise.id]

    complete(case, "assign_instructor", world.supervisor, form("assign_instructor", "2026-03-02"), "2026-03-02")
    assert reload(case).instructor_id == world.instructor.id
    assert ready_ids(case) == ["accept_assignment"]
    assert task_rows(case, "accept_assignment")[0].assignee_id == world.instructor.id

    complete(case, "accept_assignment", world.instructor, {"decision": "accept"}, "2026-03-03")
    assert ready_ids(case) == ["record_proposal"]
    assert reload(case).stage == "proposal"
    accepted = events(case, "task_completed")[-1]
    assert (accepted.actor, accepted.payload["task"], accepted.payload["data"]) == (
        "ins1", "accept_assignment", {"decision": "accept", "reason": ""})
    assert accepted.payload["effects"] == ["instructor_accepted"]

    complete(case, "record_proposal", world.instructor,
             form("record_proposal", "2026-03-04", proposing_side="union"), "2026-03-04")
    assert ready_ids(case) == ["enterprise_response"]
    response = task_rows(case, "enterprise_response")[0]
    assert (response.lane, response.due_on, response.due_clock) == ("enterprise", date(2026, 3, 24), "response")
    assert reload(case).stage == "response"

    complete(case, "enterprise_response", world.employer, {"decision": "accept", "responded_on": "2026-03-05"},
             "2026-03-05")
    assert ready_ids(case) == ["enterprise_team", "union_team"]
    assert reload(case).stage == "teams"

    complete(case, "union_team", world.union, team("职工方"), "2026-03-06")
    assert ready_ids(case) == ["enterprise_team"]
    complete(case, "enterprise_team", world.employer, team("企业方"), "2026-03-09")
    assert ready_ids(case) == ["prepare_talks"]

    step(case, world, "prepare_talks", "2026-03-10", talks_on="2026-03-16")
    assert ready_ids(case) == ["hold_meeting"]
    assert reload(case).stage == "negotiation"

    step(case, world, "hold_meeting", "2026-03-16", outcome="suspend", next_meeting_on="2026-03-20")
    assert ready_ids(case) == ["hold_meeting"]
    assert [t.state for t in task_rows(case, "hold_meeting")] == ["completed", "ready"]
    step(case, world, "hold_meeting", "2026-03-20", outcome="agreement")
    assert ready_ids(case) == ["draft_agreement"]
    assert reload(case).stage == "draft"

    draft = step(case, world, "draft_agreement", "2026-03-23", term_months=12, wage_increase_pct="6.5")
    assert draft.warnings == []
    assert draft.task.form_data["guideline_position"] == "baseline_to_upper"
    assert ready_ids(case) == ["congress_vote"]
    step(case, world, "congress_vote", "2026-03-24")
    assert ready_ids(case) == ["union_signature"]
    assert reload(case).stage == "signature"

    # The union's chief returns the draft: it goes straight back to drafting, the enterprise is not asked.
    step(case, world, "union_signature", "2026-03-25", decision="return", comment="第5条需修改", signed_on=None)
    assert ready_ids(case) == ["draft_agreement"]
    assert reload(case).signed_on is None

    step(case, world, "draft_agreement", "2026-03-26", wage_increase_pct="6.8")
    step(case, world, "congress_vote", "2026-03-27")
    # The union's chief signs first; the enterprise's chief then returns it once more, then signs.
    step(case, world, "union_signature", "2026-03-27", signed_on="2026-03-27")
    assert ready_ids(case) == ["enterprise_signature"]
    step(case, world, "enterprise_signature", "2026-03-28", decision="return", comment="附件缺失", signed_on=None)
    assert ready_ids(case) == ["draft_agreement"]
    step(case, world, "draft_agreement", "2026-03-28", wage_increase_pct="6.8")
    step(case, world, "congress_vote", "2026-03-28")
    step(case, world, "union_signature", "2026-03-28", signed_on="2026-03-27")
    # The enterprise signs last and later: the agreement is signed on the later date.
    step(case, world, "enterprise_signature", "2026-03-31", signed_on="2026-03-30")
    case_now = reload(case)
    assert ready_ids(case) == ["file_agreement"]
    assert (case_now.stage, case_now.signed_on) == ("filing", date(2026, 3, 30))
    filing = task_rows(case, "file_agreement")[0]
    assert (filing.due_on, filing.due_clock) == (date(2026, 4, 9), "filing")
    assert filing.due_explanation["text"]["en"] == (
        "due 2026-04-09: 10 calendar days from signature of the agreement on 2026-03-30")

    step(case, world, "file_agreement", "2026-04-02")
    assert ready_ids(case) == ["review_filing"]
    assert task_rows(case, "review_filing")[0].due_on == date(2026, 4, 17)
    step(case, world, "review_filing", "2026-04-08", decision="no_objection")

    case_now = reload(case)
    assert case_now.status == "in_force"
    assert case_now.stage == "publication"
    assert case_now.effective_on == date(2026, 4, 8)
    assert case_now.expires_on == date(2027, 4, 7)
    assert case_now.signed_on == date(2026, 3, 30)
    assert str(case_now.wage_increase_pct) == "6.80"
    assert case_now.guideline_position == "baseline_to_upper"
    assert ready_ids(case) == ["publish_agreement"]
    # National rules say only "promptly": no publication deadline; the next timer is the renewal window.
    assert task_rows(case, "publish_agreement")[0].due_on is None
    assert case_now.next_timer_at == at("2027-01-07", 0)

    step(case, world, "publish_agreement", "2026-04-09")
    case_now = reload(case)
    assert (case_now.status, case_now.stage, ready_ids(case)) == ("in_force", "in_force", [])

    assert fire("2027-01-06", 23) == 0
    assert reload(case).status == "in_force"
    assert fire("2027-01-07") == 1
    old = reload(case)
    assert (old.status, old.stage) == ("completed", "completed")
    assert old.closed_at == at("2027-01-07", 1)
    successor = db.session.execute(select(Case).where(Case.previous_case_id == case.id)).scalar_one()
    assert (successor.stage, successor.status, successor.rule_set) == ("assignment", "active", "national-2004")
    assert successor.ref.startswith("WC-2027-")
    assert [e.id for e in successor.enterprises] == [world.enterprise.id]
    assert ready_ids(successor) == ["assign_instructor"]
    assert events(successor, "case_opened")[0].payload["previous_case_id"] == case.id
    assert verify().ok


@pytest.fixture
def regional(world):
    """A second enterprise of the same district, with its own union and employer representatives."""
    third = make_enterprise("盛京物流有限公司", world.district, "9144030071526726XG")
    union3 = make_user("union3", "union_rep", enterprises=[third])
    employer3 = make_user("employer3", "enterprise_rep", enterprises=[third])
    db.session.commit()
    return third, union3, employer3


def test_a_regional_case_lets_representatives_of_any_of_its_enterprises_act(world, regional):
    """One case over two enterprises: either enterprise's reps may answer, an outsider may not see it."""
    third, union3, employer3 = regional
    with clock.frozen_at(at("2026-03-02", 9)):
        case = service.open_case(enterprise_ids=[world.enterprise.id, third.id], actor=world.supervisor,
                                 title="和平区物流行业工资集体协商")
    assert (case.kind, case.title) == ("regional", "和平区物流行业工资集体协商")
    assert sorted(e.id for e in case.enterprises) == sorted([world.enterprise.id, third.id])

    walk_until(case, world, "enterprise_response", "2026-03-02")
    complete(case, "enterprise_response", employer3, {"decision": "accept", "responded_on": "2026-03-06"},
             "2026-03-06")
    complete(case, "union_team", union3, team("职工方"), "2026-03-09")
    complete(case, "enterprise_team", world.employer, team("企业方"), "2026-03-09")
    assert ready_ids(case) == ["prepare_talks"]
    walk_until(case, world, "union_signature", "2026-03-10")
    complete(case, "union_signature", world.union, {"decision": "approve", "signed_on": "2026-03-20"}, "2026-03-20")
    complete(case, "enterprise_signature", employer3, {"decision": "approve", "signed_on": "2026-03-20"},
             "2026-03-20")
    assert ready_ids(case) == ["file_agreement"]
    assert reload(case).signed_on == date(2026, 3, 20)
    assert [e.actor for e in events(case, "task_completed")][-2:] == ["union1", "employer3"]

    row = task_rows(case, "file_agreement")[0]
    with pytest.raises(NotFound), clock.frozen_at(at("2026-03-21")):
        service.complete_task(case.id, row.id, form("file_agreement", "2026-03-21"), world.other_union)


def test_under_the_wage_measures_filing_is_due_seven_days_after_signature(world):
    """wage-measures-2000: 7 days to file, a 12-month term, publication within 5 days."""
    case = open_case(world, "2026-03-02", rule_set="wage-measures-2000")
    assert reload(case).rule_set == "wage-measures-2000"
    walk_until(case, world, "union_signature", "2026-03-02")
    step(case, world, "union_signature", "2026-03-27", signed_on="2026-03-27")
    step(case, world, "enterprise_signature", "2026-03-27", signed_on="2026-03-26")
    filing = task_rows(case, "file_agreement")[0]
    assert (filing.due_on, filing.due_clock) == (date(2026, 4, 3), "filing")
    assert filing.due_explanation["rule_set"] == "wage-measures-2000"
    assert filing.due_explanation["text"]["en"] == (
        "due 2026-04-03: 7 calendar days from signature of the agreement on 2026-03-27")
    assert reload(case).next_due_at == at("2026-04-04", 0)

    step(case, world, "file_agreement", "2026-04-01")
    step(case, world, "review_filing", "2026-04-02")
    publish = task_rows(case, "publish_agreement")[0]
    assert (publish.due_on, publish.due_clock) == (date(2026, 4, 7), "publication")
    assert publish.due_explanation["text"]["en"] == (
        "due 2026-04-07: 5 calendar days from entry into force of the agreement on 2026-04-02")
    case_now = reload(case)
    assert (case_now.effective_on, case_now.expires_on) == (date(2026, 4, 2), date(2027, 4, 1))
    assert case_now.next_timer_at == at("2026-04-08", 0)
    step(case, world, "publish_agreement", "2026-04-03")
    # The renewal window opens 60 days before expiry under the 2000 measures.
    assert reload(case).next_timer_at == at("2027-01-31", 0)


def test_after_a_review_objection_both_chiefs_must_sign_the_renegotiated_agreement(world):
    """An objection sends the case back to the table; the new draft needs two new signatures."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "union_signature", "2026-03-02")
    step(case, world, "union_signature", "2026-03-16")
    step(case, world, "enterprise_signature", "2026-03-17")
    step(case, world, "file_agreement", "2026-03-18")
    step(case, world, "review_filing", "2026-03-20", decision="objection", opinion="增幅条款不符合规定")
    case_now = reload(case)
    assert ready_ids(case) == ["hold_meeting"]
    assert (case_now.stage, case_now.status, case_now.effective_on) == ("negotiation", "active", None)
    assert task_rows(case, "review_filing")[0].form_data["opinion"] == "增幅条款不符合规定"

    walk_until(case, world, "union_signature", "2026-03-23")
    assert ready_ids(case) == ["union_signature"]
    assert reload(case).stage == "signature"
    step(case, world, "union_signature", "2026-03-27")
    assert ready_ids(case) == ["enterprise_signature"]
    step(case, world, "enterprise_signature", "2026-03-30")
    assert ready_ids(case) == ["file_agreement"]
    assert reload(case).signed_on == date(2026, 3, 30)
    assert task_rows(case, "file_agreement")[-1].due_on == date(2026, 4, 9)


def test_a_regional_case_stays_within_one_district(world):
    """A case belongs to one district's supervisors: enterprises of two districts are refused, nothing saved."""
    world.supervisor.districts.append(world.other_district)  # sees both, so the district rule is what refuses
    db.session.commit()
    with pytest.raises(Invalid) as refused_, clock.frozen_at(at("2026-03-02")):
        service.open_case(enterprise_ids=[world.enterprise.id, world.other_enterprise.id], actor=world.supervisor)
    assert refused_.value.errors == {
        "enterprise_ids": ["A regional or industry case covers enterprises of one district."]}
    assert db.session.query(Case).count() == 0
