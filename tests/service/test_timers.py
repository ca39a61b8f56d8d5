"""Every statutory clock of the procedure fires through the deadline job, on time and only once."""

from datetime import date, timedelta

import pytest

from app.cases import service
from app.errors import Invalid, NotFound
from tests.conftest import at
from tests.helpers import complete, fire, open_case, ready_ids, reload
from tests.service.flows import events, filed, impasse, proposal_received, snapshot_rows, step, task_rows, walk_until
from workflows import clock


@pytest.mark.parametrize(("received_on", "recorded_on", "due_on", "rolled"), [
    ("2026-03-08", "2026-03-09", date(2026, 3, 30), "rolled past the weekend"),  # day 20: Saturday 28 March
    ("2026-09-14", "2026-09-14", date(2026, 10, 8), "rolled past National Day"),  # day 20: 4 October
], ids=["weekend", "national_day"])
def test_silence_for_twenty_days_sends_the_case_to_the_bureau(world, received_on, recorded_on, due_on, rolled):
    """No response by the (rolled) 20th day: the response is cancelled and the bureau must act."""
    case = proposal_received(world, received_on, recorded_on)
    row = task_rows(case, "enterprise_response")[0]
    assert (row.due_on, row.due_clock) == (due_on, "response")
    assert row.due_explanation["text"]["en"] == (
        f"due {due_on.isoformat()}: 20 calendar days from receipt of the written proposal on {received_on}, {rolled}")
    assert "20 个自然日" in row.due_explanation["text"]["zh"]
    assert reload(case).next_timer_at == at(due_on + timedelta(days=1), 0)

    assert fire(due_on, 23) == 0
    assert ready_ids(case) == ["enterprise_response"]
    assert fire(due_on + timedelta(days=1)) == 1
    assert ready_ids(case) == ["bureau_intervention"]
    assert task_rows(case, "enterprise_response")[0].state == "cancelled"
    assert reload(case).stage == "response"
    assert [e.payload["element"] for e in events(case, "timer_fired")] == ["enterprise_response_timeout"]
    assert events(case, "timer_fired")[0].actor == "system"


def test_the_bureau_may_close_a_case_after_silence(world):
    """After the silence the bureau decides: closing ends the case as closed."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    fire("2026-03-31")
    step(case, world, "bureau_intervention", "2026-04-01", decision="close", note="企业已停业")
    case_now = reload(case)
    assert (case_now.status, case_now.stage, ready_ids(case)) == ("closed", "closed", [])
    assert case_now.next_timer_at is None


def test_no_objection_within_fifteen_days_puts_the_agreement_in_force(world):
    """CCP 47: silence of the bureau for 15 days is approval, effective the next day."""
    case = filed(world)
    review = task_rows(case, "review_filing")[0]
    assert review.due_on == date(2026, 4, 17)
    assert review.due_explanation["text"]["en"] == (
        "due 2026-04-17: 15 calendar days from receipt of the filing on 2026-04-02")

    assert fire("2026-04-17", 23) == 0
    assert fire("2026-04-18") == 1
    case_now = reload(case)
    assert case_now.status == "in_force"
    assert case_now.effective_on == date(2026, 4, 18)
    assert case_now.expires_on == date(2027, 4, 17)
    assert str(case_now.wage_increase_pct) == "6.50"
    assert task_rows(case, "review_filing")[0].state == "cancelled"
    assert ready_ids(case) == ["publish_agreement"]
    assert [e.payload for e in events(case, "timer_fired")] == [
        {"element": "review_due", "effects": ["agreement_in_force"]}]


def test_a_local_rule_set_gives_the_bureau_fifteen_working_days(world):
    """local-working-days: the review clock skips weekends and the Tomb-sweeping holiday."""
    case = filed(world, rule_set="local-working-days")
    review = task_rows(case, "review_filing")[0]
    assert review.due_on == date(2026, 4, 24)
    assert review.due_explanation["unit"] == "working_days"
    assert review.due_explanation["text"]["en"] == (
        "due 2026-04-24: 15 working days from receipt of the filing on 2026-04-02")
    assert fire("2026-04-18") == 0
    assert fire("2026-04-25") == 1
    assert reload(case).effective_on == date(2026, 4, 25)


def test_coordination_overdue_is_escalated_but_stays_with_the_bureau(world):
    """30 days pass: the step is escalated, not cancelled; resuming goes back to the table."""
    case = impasse(world)
    row = task_rows(case, "coordinate")[0]
    assert (row.due_on, row.due_clock) == (date(2026, 6, 5), "coordination")

    assert fire("2026-06-05") == 0
    assert fire("2026-06-06") == 1
    assert [e.payload["clock"] for e in events(case, "deadline_escalated")] == ["coordination"]
    assert [e.payload["element"] for e in events(case, "timer_fired")] == ["coordination_due"]
    assert ready_ids(case) == ["coordinate"]
    row = task_rows(case, "coordinate")[0]
    assert row.state == "ready"
    assert row.due_at < at("2026-06-06")
    case_now = reload(case)
    assert case_now.next_due_at == row.due_at
    assert case_now.next_timer_at is None
    assert fire("2026-06-07") == 0

    step(case, world, "coordinate", "2026-06-08", outcome="resume")
    assert ready_ids(case) == ["hold_meeting"]
    assert reload(case).stage == "negotiation"


def test_one_extension_of_up_to_fifteen_days_follows_the_coordination_period(world):
    """An extension of 10 days runs from the end of the 30 days; 16 days is refused."""
    case = impasse(world)
    before = snapshot_rows()
    with pytest.raises(Invalid) as refused:
        step(case, world, "coordinate", "2026-05-20", outcome="extend", extension_days=16)
    assert refused.value.errors == {"extension_days": ["An extension is 1 to 15 days (CCP art. 52)."]}
    assert snapshot_rows() == before

    step(case, world, "coordinate", "2026-05-20", outcome="extend", extension_days=10)
    assert ready_ids(case) == ["coordinate_extended"]
    row = task_rows(case, "coordinate_extended")[0]
    assert (row.due_on, row.due_clock) == (date(2026, 6, 15), "coordination_extension")
    assert row.due_explanation["text"]["en"] == (
        "due 2026-06-15: 10 calendar days from expiry of the coordination period on 2026-06-05")
    assert task_rows(case, "coordinate")[0].form_data["extension_days"] == 10

    assert fire("2026-06-16") == 1
    assert [e.payload["clock"] for e in events(case, "deadline_escalated")] == ["coordination_extension"]
    assert ready_ids(case) == ["coordinate_extended"]
    step(case, world, "coordinate_extended", "2026-06-17", outcome="failed", note="协调不成")
    assert (reload(case).status, ready_ids(case)) == ("closed", [])


def assigned(world, on="2026-03-02"):
    """A case whose instructor was assigned on `on` (a Monday) and has not answered."""
    case = open_case(world, on)
    step(case, world, "assign_instructor", on)
    assert reload(case).instructor_id == world.instructor.id
    return case


def test_an_instructor_silent_for_three_working_days_is_released(world):
    """Three working days without an answer: back to the bureau, and the instructor loses the case."""
    case = assigned(world)
    row = task_rows(case, "accept_assignment")[0]
    assert (row.due_on, row.due_clock) == (date(2026, 3, 5), "instructor_answer")
    assert fire("2026-03-05", 23) == 0
    assert fire("2026-03-06") == 1
    case_now = reload(case)
    assert case_now.instructor_id is None
    assert ready_ids(case) == ["assign_instructor"]
    assert task_rows(case, "accept_assignment")[0].state == "cancelled"
    assert [e.payload for e in events(case, "timer_fired")] == [
        {"element": "answer_due", "effects": ["release_instructor"]}]
    with pytest.raises(NotFound), clock.frozen_at(at("2026-03-06")):
        service.complete_task(case.id, row.id, {"decision": "accept"}, world.instructor)


def test_an_instructor_who_declines_must_say_why_and_is_released(world):
    """A decline needs a reason; with one, the bureau assigns again."""
    case = assigned(world)
    before = snapshot_rows()
    with pytest.raises(Invalid) as refused:
        complete(case, "accept_assignment", world.instructor, {"decision": "decline", "reason": "  "}, "2026-03-03")
    assert refused.value.errors == {"reason": ["Give a reason for declining."]}
    assert snapshot_rows() == before

    complete(case, "accept_assignment", world.instructor, {"decision": "decline", "reason": "本月已满负荷"},
             "2026-03-03")
    assert reload(case).instructor_id is None
    assert ready_ids(case) == ["assign_instructor"]
    declined = events(case, "task_completed")[-1]
    assert (declined.payload["task"], declined.payload["effects"]) == ("accept_assignment", ["release_instructor"])
    assert reload(case).next_timer_at is None

    step(case, world, "assign_instructor", "2026-03-04", instructor="ins2")
    assert reload(case).instructor_id == world.other_instructor.id
    assert task_rows(case, "accept_assignment")[-1].assignee_id == world.other_instructor.id


def test_the_job_run_a_day_early_changes_nothing(world):
    """A deadline is never anticipated: the whole database stays as it was."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    assert task_rows(case, "enterprise_response")[0].due_on == date(2026, 3, 30)
    before = snapshot_rows()
    assert fire("2026-03-30", 23) == 0
    assert service.fire_next_due(at("2026-03-30", 23)) is None
    assert snapshot_rows() == before


def test_the_job_run_twice_at_the_same_instant_fires_once(world):
    """A second run finds nothing due: one timer_fired event, one intervention task."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    assert fire("2026-03-31") == 1
    after_first = snapshot_rows()
    assert fire("2026-03-31") == 0
    assert service.fire_next_due(at("2026-03-31", 1)) is None
    assert snapshot_rows() == after_first
    assert len(events(case, "timer_fired")) == 1
    assert [t.state for t in task_rows(case, "bureau_intervention")] == ["ready"]


def test_a_deadline_in_a_year_without_holiday_data_warns_and_still_fires(world):
    """2027 holidays are not known: weekends only, with a visible warning; the timer still fires."""
    case = open_case(world, "2026-12-01")
    walk_until(case, world, "record_proposal", "2026-12-01")
    step(case, world, "record_proposal", "2026-12-21", received_on="2026-12-20")
    row = task_rows(case, "enterprise_response")[0]
    assert row.due_on == date(2027, 1, 11)  # day 20 is Saturday 9 January 2027
    assert row.due_explanation["warnings"] == ["no_holiday_data:2027"]
    assert row.due_explanation["text"]["en"] == (
        "due 2027-01-11: 20 calendar days from receipt of the written proposal on 2026-12-20, rolled past the "
        "weekend (no holiday data for 2027: weekends only)")
    assert fire("2027-01-12") == 1
    assert ready_ids(case) == ["bureau_intervention"]
