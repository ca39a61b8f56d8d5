"""The clock moved across each deadline: reminders, overdue and escalation, automatic moves, renewal, digests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.deadlines.jobs import sweep
from app.extensions import db
from app.models import Case, DeadlineNotice, Notification, User
from tests.conftest import at, make_user
from tests.helpers import open_case, ready_ids, reload
from tests.service.flows import filed, proposal_received, step, task_rows, walk_until


def told(kind: str, case: Case | None = None) -> list[tuple[str, str]]:
    """(user name, subject) of every notification of `kind` (about `case`), oldest first."""
    query = select(User.username, Notification.subject).join(User, User.id == Notification.user_id).where(
        Notification.kind == kind).order_by(Notification.id)
    if case is not None:
        query = query.where(Notification.case_id == case.id)
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(query).all()]


def who(kind: str, case: Case | None = None) -> list[str]:
    return [name for name, _ in told(kind, case)]


def test_the_side_that_owes_a_response_is_reminded_three_days_and_one_day_before(world):
    """Due 30 March: reminders at 08:00 on the 27th and the 29th, each once, to the enterprise side only."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    assert task_rows(case, "enterprise_response")[0].due_on == date(2026, 3, 30)

    assert sweep(at("2026-03-27", 7)).reminders == 0
    assert sweep(at("2026-03-27", 9)).reminders == 1
    assert sweep(at("2026-03-27", 10)).reminders == 0  # said once
    assert told("deadline_reminder", case) == [
        ("employer1", f"提醒：{reload(case).ref}「企业书面回应」将于 2026-03-30 到期")]
    assert sweep(at("2026-03-29", 9)).reminders == 1
    assert who("deadline_reminder", case) == ["employer1", "employer1"]
    notices = db.session.execute(select(DeadlineNotice.kind).order_by(DeadlineNotice.id)).scalars().all()
    assert notices == ["reminder_3d", "reminder_1d"]


def test_a_claimed_step_reminds_only_the_person_who_claimed_it(world):
    second = make_user("employer9", "enterprise_rep", enterprises=[world.enterprise])
    db.session.commit()
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    task_rows(case, "enterprise_response")[0].assignee_id = second.id
    db.session.commit()
    sweep(at("2026-03-29", 9))
    assert who("deadline_reminder", case) == ["employer9"]


def test_reminders_missed_while_the_job_was_down_become_one(world):
    """Down from the 26th to the 29th: one reminder (the latest due), never "3 days" and "1 day" at once."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    assert sweep(at("2026-03-29", 12)).reminders == 1
    assert [k for k in db.session.execute(select(DeadlineNotice.kind)).scalars()] == ["reminder_1d"]
    assert sweep(at("2026-03-30", 12)).reminders == 0
    assert who("deadline_reminder", case) == ["employer1"]


def test_silence_past_the_response_deadline_moves_the_case_and_tells_instructor_and_supervisor(world):
    """The timer moves the case to the bureau; the instructor and the district's supervisor are told where
    it now stands, the silent side gets no "overdue" for a step that is closed, and nobody is told twice."""
    case = proposal_received(world, "2026-03-09", "2026-03-09")
    report = sweep(at("2026-03-31", 1))
    assert (report.cases_advanced, report.overdue) == (1, 0)
    assert ready_ids(case) == ["bureau_intervention"]
    ref = reload(case).ref
    assert told("deadline_passed", case) == [("ins1", f"期限届满：{ref}「逾期未回应」"),
                                             ("sup1", f"期限届满：{ref}「逾期未回应」")]
    body = db.session.execute(select(Notification.body).where(Notification.kind == "deadline_passed")).scalar()
    assert "案件现处于「书面回应」" in body
    assert who("deadline_overdue") == []
    assert sweep(at("2026-03-31", 2)).cases_advanced == 0
    assert len(told("deadline_passed", case)) == 2


def test_an_overdue_filing_is_marked_and_escalated_to_instructor_and_supervisor(world):
    """The filing is due 10 days after signature; the step stays open when it passes (non-interrupting):
    it is marked overdue, the enterprise side is told, the instructor and the supervisor get the escalation."""
    case = walk_to_filing(world)
    row = task_rows(case, "file_agreement")[0]
    due = row.due_on
    assert row.overdue_since is None
    report = sweep(at(due, 23))
    assert report.overdue == 0
    report = sweep(at(due.fromordinal(due.toordinal() + 1), 1))
    assert report.overdue == 1
    row = task_rows(case, "file_agreement")[0]
    assert (row.state, row.overdue_since) == ("ready", row.due_at)
    assert who("deadline_overdue", case) == ["employer1"]
    assert who("deadline_escalated", case) == ["ins1", "sup1"]
    assert who("deadline_passed", case) == []  # the step stayed open: its overdue notice says it
    assert sweep(at(due.fromordinal(due.toordinal() + 2), 1)).overdue == 0
    assert len(told("deadline_escalated", case)) == 2


def walk_to_filing(world) -> Case:
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "file_agreement", "2026-03-02")
    return case


def test_fifteen_days_of_review_silence_put_the_agreement_in_force_and_say_so(world):
    case = filed(world)
    sweep(at("2026-04-18", 1))
    assert reload(case).status == "in_force"
    assert who("deadline_passed", case) == ["ins1", "sup1"]
    body = db.session.execute(select(Notification.body).where(Notification.kind == "deadline_passed")).scalar()
    assert "协议自 2026-04-18 起生效，至 2027-04-17 止" in body


def test_the_renewal_window_opens_the_next_negotiation_by_itself(world):
    """In force 18 April 2026 for 12 months (expires 17 April 2027): 3 months before, the next round opens."""
    case = filed(world)
    sweep(at("2026-04-18", 1))
    step(case, world, "publish_agreement", "2026-04-20")
    assert reload(case).expires_on == date(2027, 4, 17)
    assert sweep(at("2027-01-16", 23)).cases_advanced == 0
    report = sweep(at("2027-01-17", 1))
    assert report.cases_advanced == 1
    renewal = db.session.execute(select(Case).where(Case.previous_case_id == case.id)).scalar_one()
    assert (renewal.status, ready_ids(renewal)) == ("active", ["assign_instructor"])
    assert reload(case).status == "completed"
    # Told twice in this case's life: when the review put it in force, and now.
    assert who("deadline_passed", case) == ["ins1", "sup1", "ins1", "sup1"]
    body = db.session.execute(select(Notification.body).where(Notification.kind == "deadline_passed")
                              .order_by(Notification.id.desc())).scalars().first()
    assert f"已开启下一轮协商：{renewal.ref}" in body
    assert sweep(at("2027-01-17", 2)).cases_advanced == 0
    assert db.session.query(Case).filter(Case.previous_case_id == case.id).count() == 1


def test_each_supervisor_gets_one_digest_a_day_from_eight_when_something_is_late(world):
    case = walk_to_filing(world)
    due = task_rows(case, "file_agreement")[0].due_on
    next_day = due.fromordinal(due.toordinal() + 1)
    assert sweep(at(next_day, 7)).digests == 0  # before 08:00
    assert sweep(at(next_day, 8)).digests == 1
    assert sweep(at(next_day, 15)).digests == 0  # once a day
    assert who("deadline_digest") == ["sup1"]  # sup2's district has nothing late: no digest
    subject, = (s for _, s in told("deadline_digest"))
    assert subject == f"每日督办：逾期 1 项，即将到期 0 项（{next_day.isoformat()}）"
    body = db.session.execute(select(Notification.body).where(Notification.kind == "deadline_digest")).scalar()
    assert reload(case).ref in body and "报送备案" in body
    assert sweep(at(next_day.fromordinal(next_day.toordinal() + 1), 9)).digests == 1
    assert who("deadline_digest") == ["sup1", "sup1"]


def test_a_digest_lists_steps_due_soon_before_anything_is_late(world):
    proposal_received(world, "2026-03-09", "2026-03-09")  # due 30 March
    assert sweep(at("2026-03-26", 9)).digests == 0  # 4 days ahead: not yet "soon"
    assert sweep(at("2026-03-27", 9)).digests == 1
    assert told("deadline_digest")[0][1] == "每日督办：逾期 0 项，即将到期 1 项（2026-03-27）"


def test_reminder_days_and_hour_are_settings(app, world):
    """REMINDER_DAYS=[5], REMINDER_HOUR=14: one reminder, five days before the due day, from 14:00."""
    saved = app.config["REMINDER_DAYS"], app.config["REMINDER_HOUR"]
    app.config["REMINDER_DAYS"], app.config["REMINDER_HOUR"] = [5], 14
    try:
        proposal_received(world, "2026-03-09", "2026-03-09")  # due 30 March
        assert sweep(at("2026-03-25", 13)).reminders == 0
        assert sweep(at("2026-03-25", 14)).reminders == 1
        assert sweep(at("2026-03-29", 9)).reminders == 0
        assert db.session.execute(select(DeadlineNotice.kind)).scalars().all() == ["reminder_5d"]
    finally:
        app.config["REMINDER_DAYS"], app.config["REMINDER_HOUR"] = saved


def test_an_instructor_silent_for_three_working_days_is_released_and_only_the_bureau_is_told(world):
    case = open_case(world, "2026-03-02")
    step(case, world, "assign_instructor", "2026-03-02")  # 3 working days: due Thursday 5 March
    assert sweep(at("2026-03-06", 1)).cases_advanced == 1
    assert reload(case).instructor_id is None
    assert who("deadline_passed", case) == ["sup1"]  # the released instructor is no longer the case's
