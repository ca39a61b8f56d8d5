"""Each case's hash chain: every change is in it, and editing or removing any of it is found."""

from sqlalchemy import delete, func, select, update

from app.audit.service import genesis, verify
from app.extensions import db
from app.models import AuditEvent, Case
from tests.helpers import complete, open_case, reload


def _case_with_history(world):
    case = open_case(world, "2026-03-02")
    complete(case, "assign_instructor", world.supervisor,
             {"instructor": world.instructor.username, "assigned_on": "2026-03-02"}, "2026-03-02")
    complete(case, "accept_assignment", world.instructor, {"decision": "accept"}, "2026-03-03")
    return reload(case)


def _events(case):
    return db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id)
                              .order_by(AuditEvent.id)).scalars().all()


def test_a_case_chain_starts_at_its_own_genesis_and_ends_at_its_head(world):
    case = _case_with_history(world)
    events = _events(case)
    assert [e.kind for e in events] == ["case_opened", "task_completed", "task_completed"]
    assert events[0].prev_hash == genesis(case.id)
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert case.audit_head == events[-1].hash
    assert verify().ok


def test_an_edited_case_event_is_named(world):
    case = _case_with_history(world)
    middle = _events(case)[1]
    db.session.execute(update(AuditEvent.__table__).where(AuditEvent.__table__.c.id == middle.id)
                       .values(actor="someone-else"))
    db.session.commit()
    result = verify()
    assert (result.ok, result.broken_id) == (False, middle.id)
    assert "edited" in result.reason


def test_a_removed_newest_event_is_found_through_the_case_head(world):
    case = _case_with_history(world)
    other_id = open_case(world, "2026-03-05").id
    newest = _events(case)[-1]
    db.session.execute(delete(AuditEvent.__table__).where(AuditEvent.__table__.c.id == newest.id))
    db.session.commit()
    result = verify()
    assert (result.ok, result.broken_id, result.broken_case_id) == (False, None, case.id)
    assert "missing" in result.reason
    assert db.session.get(Case, other_id).audit_head is not None  # the other case's chain is untouched


def test_chains_of_different_cases_never_share_a_link(world):
    first, second = open_case(world, "2026-03-02"), open_case(world, "2026-03-02")
    assert _events(first)[0].prev_hash != _events(second)[0].prev_hash
    assert db.session.execute(select(func.count(func.distinct(AuditEvent.prev_hash)))).scalar() == \
        db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 2
