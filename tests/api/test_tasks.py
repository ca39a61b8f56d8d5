"""The tasks API: each person's inbox, a task with its form's JSON Schema, claim, release, assign, complete."""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema_rs
from sqlalchemy import event, select

from app.cases import service
from app.extensions import db
from app.models import Case, CaseTask, User
from tests.conftest import World, at, make_user
from tests.helpers import open_case, reload
from tests.service.flows import events, form, snapshot_rows, task_rows, walk_until
from workflows import clock

from .conftest import ApiClient

TASKS = "/api/v1/tasks"


def case_at(world: World, target: str, on: str = "2026-03-02") -> tuple[Case, date]:
    """A case of the world's enterprise walked until `target` is ready; and the next free day."""
    case = open_case(world, on)
    return case, walk_until(case, world, target, on)


def ready_row(case: Case, bpmn_id: str) -> CaseTask:
    return next(t for t in task_rows(case, bpmn_id) if t.state == "ready")


def listed(api: ApiClient, user: User, query: str = "") -> list[tuple[int, str]]:
    """(case id, bpmn id) of every task the list answers `user`, in order (one page of 200)."""
    response = api.get(f"{TASKS}?per_page=200&{query}", as_=user)
    assert response.status_code == 200, response.json
    return [(item["case"]["id"], item["bpmn_id"]) for item in response.json["items"]]


def second_union_rep(world: World) -> User:
    """Another union representative of the world's enterprise, with a name of their own."""
    user = make_user("union3", "union_rep", enterprises=[world.enterprise])
    user.display_name = "王芳"
    db.session.commit()
    return user


def open_in_other_district(world: World) -> Case:
    with clock.frozen_at(at("2026-03-02", 9)):
        return service.open_case(enterprise_ids=[world.other_enterprise.id], actor=world.other_supervisor)


# ---------------------------------------------------------------------------- the inbox
def test_each_role_sees_the_steps_of_its_own_side(api: ApiClient, world: World) -> None:
    opened = open_case(world)  # assign_instructor: the bureau's
    proposal, _ = case_at(world, "record_proposal")  # the instructor's
    teams, _ = case_at(world, "union_team")  # union_team and enterprise_team
    foreign = open_in_other_district(world)
    clock.set_global(at("2026-03-10"))

    assert listed(api, world.union) == [(teams.id, "union_team")]
    assert listed(api, world.employer) == [(teams.id, "enterprise_team")]
    assert listed(api, world.instructor) == [(proposal.id, "record_proposal")]
    assert listed(api, world.supervisor) == [(opened.id, "assign_instructor")]
    assert listed(api, world.other_supervisor) == [(foreign.id, "assign_instructor")]
    assert listed(api, world.other_union) == []
    assert listed(api, world.other_instructor) == []
    admin = api.get(TASKS, as_=world.admin).json
    assert (admin["items"], admin["total"]) == ([], 0)  # administrators do not act on cases


def test_scope_all_lists_every_task_of_the_cases_one_sees_and_counts_only_those(api: ApiClient, world: World) -> None:
    teams, _ = case_at(world, "union_team")
    foreign = open_in_other_district(world)
    clock.set_global(at("2026-03-10"))
    mine = [(teams.id, t.bpmn_id) for t in db.session.execute(
        select(CaseTask).where(CaseTask.case_id == teams.id)).scalars()]

    body = api.get(f"{TASKS}?scope=all&per_page=200", as_=world.union).json
    assert sorted((i["case"]["id"], i["bpmn_id"]) for i in body["items"]) == sorted(mine)
    assert body["total"] == len(mine) > 2
    assert {i["state"] for i in body["items"]} == {"ready", "completed"}

    everything = api.get(f"{TASKS}?scope=all&per_page=200", as_=world.admin).json
    assert everything["total"] == len(mine) + 1
    assert (foreign.id, "assign_instructor") in [(i["case"]["id"], i["bpmn_id"]) for i in everything["items"]]
    assert listed(api, world.other_union, "scope=all") == [(foreign.id, "assign_instructor")]

    page = api.get(f"{TASKS}?scope=all&per_page=2&page=2", as_=world.union).json
    assert (page["total"], page["pages"], len(page["items"])) == (len(mine), (len(mine) + 1) // 2, 2)


def test_an_item_says_what_the_step_is_when_it_is_due_and_why(api: ApiClient, world: World) -> None:
    case, _ = case_at(world, "enterprise_response")
    clock.set_global(at("2026-03-10"))
    [item] = api.get(TASKS, as_=world.employer).json["items"]
    assert item["case"] == {"id": case.id, "ref": reload(case).ref, "title": case.title, "stage": "response"}
    assert (item["bpmn_id"], item["lane"], item["form"], item["state"]) == (
        "enterprise_response", "enterprise", "response", "ready")
    assert (item["due_on"], item["due_clock"], item["overdue"]) == ("2026-03-24", "response", False)
    assert item["due_at"] == "2026-03-24T16:00:00+00:00"  # the midnight that ends the due day, bureau time
    assert item["due_explanation"]["start"] == "2026-03-04"
    assert item["assignee"] is None and item["completed_at"] is None


def test_overdue_steps_come_first_and_the_filters_narrow_the_list(api: ApiClient, world: World) -> None:
    response, _ = case_at(world, "enterprise_response")  # due 2026-03-24
    with clock.frozen_at(at("2026-03-02", 9)):
        acceptance = open_case(world)
    walk_until(acceptance, world, "accept_assignment", "2026-03-02")  # due 2026-03-05
    opened = open_case(world)  # assign_instructor: no deadline

    def rows(query: str) -> list[tuple[int, str]]:
        return listed(api, world.supervisor, "scope=all&state=ready&" + query)

    clock.set_global(at("2026-03-10"))
    everything = [(acceptance.id, "accept_assignment"), (response.id, "enterprise_response"),
                  (opened.id, "assign_instructor")]
    assert rows("") == everything  # due first, the step without a deadline last
    assert rows("overdue=true") == everything[:1]
    assert rows("overdue=false") == everything[1:]
    [late] = api.get(f"{TASKS}?scope=all&overdue=true", as_=world.supervisor).json["items"]
    assert late["overdue"] is True
    assert rows("due_before=2026-03-24") == everything[:1]  # due on an earlier day
    assert rows("due_before=2026-03-25") == everything[:2]
    assert rows("due_before=2026-03-25T00:00:00%2B08:00") == everything[:2]
    assert rows("due_before=2026-03-24T23:59:00%2B08:00") == everything[:1]
    assert rows("lane=instructor") == everything[:1]
    assert rows(f"case_id={response.id}") == [everything[1]]
    assert rows("stage=assignment") == [everything[0], everything[2]]
    assert listed(api, world.supervisor, f"scope=all&state=completed&case_id={acceptance.id}") == [
        (acceptance.id, "assign_instructor")]
    assert listed(api, world.instructor, "overdue=true") == everything[:1]

    bad = api.get(f"{TASKS}?due_before=soon&lane=kitchen", as_=world.supervisor)
    assert bad.status_code == 422 and {"due_before", "lane"} <= set(bad.json["errors"])

    clock.set_global(at("2026-03-05"))  # the last day to accept: not late yet
    assert rows("overdue=true") == []


def test_the_list_is_one_query_whatever_the_number_of_cases(api: ApiClient, world: World) -> None:
    def statements() -> list[str]:
        headers = {"Authorization": f"Bearer {api.token(world.union)}"}
        seen: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get(f"{TASKS}?scope=all&per_page=200", headers=headers).json["total"] > 0
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    case_at(world, "union_team")
    one = statements()
    for _ in range(3):
        case_at(world, "union_team")
    more = statements()
    assert len(more) == len(one)
    assert sum("FROM case_task" in s for s in more) == 2  # the count and the page
    assert not any("workflow_state" in s for s in more)  # no workflow is loaded to answer a list


# ---------------------------------------------------------------------------- one task
def validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema (2020-12) validator, as a client would use one."""
    return jsonschema_rs.validator_for(schema).is_valid


def test_a_task_carries_the_json_schema_of_its_form(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_signature")
    row = ready_row(case, "union_signature")
    clock.set_global(at(day))
    response = api.get(f"{TASKS}/{row.id}", as_=world.union)
    assert response.status_code == 200
    task = response.json
    schema = task["form_schema"]
    assert schema["required"] == ["decision"]
    assert schema["properties"]["decision"]["enum"] == ["approve", "return"]
    assert schema["properties"]["signed_on"]["format"] == "date"
    is_valid = validator(schema)
    assert is_valid(form("union_signature", day))
    assert is_valid({"decision": "return", "comment": "工资标准需再议"})
    assert not is_valid({"decision": "maybe"})
    assert not is_valid({"comment": "no decision"})

    assert (task["can_complete"], task["can_claim"], task["can_assign"]) == (True, True, False)
    assert task["case_version"] == reload(case).lock_version
    assert response.headers["ETag"] == f'"{task["case_version"]}"'
    assert task["data"] == {} and task["warnings"] == []

    seen_by = {u.username: api.get(f"{TASKS}/{row.id}", as_=u) for u in (world.employer, world.supervisor)}
    assert {name: (r.json["can_complete"], r.json["can_assign"]) for name, r in seen_by.items()} == {
        "employer1": (False, False), "sup1": (False, True)}
    assert api.get(f"{TASKS}/{row.id}", as_=world.other_union).status_code == 404
    assert api.get(f"{TASKS}/987654", as_=world.union).status_code == 404


def test_nested_and_bounded_fields_become_json_schema(api: ApiClient, world: World) -> None:
    case, _ = case_at(world, "union_team")
    team = api.get(f"{TASKS}/{ready_row(case, 'union_team').id}", as_=world.union).json["form_schema"]
    members = team["properties"]["members"]
    assert members["type"] == "array" and members["items"]["required"] == ["name"]
    assert members["items"]["properties"]["name"] == {"type": "string", "minLength": 1, "maxLength": 80}
    is_valid = validator(team)
    assert is_valid({"members": [{"name": "张三", "chief": True}]})
    assert not is_valid({"members": [{"chief": True}]})


def test_a_completed_task_shows_what_was_submitted(api: ApiClient, world: World) -> None:
    case, _ = case_at(world, "prepare_talks")
    done = task_rows(case, "union_team")[0]
    task = api.get(f"{TASKS}/{done.id}", as_=world.employer).json
    assert task["state"] == "completed" and task["completed_at"]
    assert [m["name"] for m in task["data"]["members"]] == ["职工方0", "职工方1", "职工方2"]
    assert (task["can_complete"], task["can_claim"]) == (False, False)


# ---------------------------------------------------------------------------- claim, release, assign
def test_a_claimed_task_is_the_claimants_alone(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_team")
    colleague = second_union_rep(world)
    row = ready_row(case, "union_team")
    clock.set_global(at(day))
    url = f"{TASKS}/{row.id}"

    claimed = api.post(f"{url}/claim", as_=world.union)
    assert claimed.status_code == 200
    assert claimed.json["assignee"] == {"id": world.union.id, "display_name": "union1"}
    assert api.post(f"{url}/claim", as_=world.union).status_code == 200  # again: nothing changes
    assert len(events(case, "task_claimed")) == 1

    assert listed(api, world.union) == [(case.id, "union_team")]
    assert listed(api, colleague) == []
    taken = api.post(f"{url}/claim", as_=colleague)
    assert taken.status_code == 409 and "union1" in taken.json["message"]
    assert taken.json["current"]["ready_tasks"]
    assert api.get(url, as_=colleague).json["can_complete"] is False
    refused = api.post(f"{url}/complete", as_=colleague, json=form("union_team", day))
    assert refused.status_code == 409 and "union1" in refused.json["message"]
    assert refused.json["current"]["lock_version"] == reload(case).lock_version
    assert ready_row(case, "union_team").id == row.id
    assert api.post(f"{url}/claim", as_=world.employer).status_code == 403

    assert api.post(f"{url}/complete", as_=world.union, json=form("union_team", day)).status_code == 200
    late = api.post(f"{url}/claim", as_=colleague)
    assert late.status_code == 409 and "completed" in late.json["message"]


def test_the_holder_or_a_supervisor_gives_a_task_back(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_team")
    colleague = second_union_rep(world)
    url = f"{TASKS}/{ready_row(case, 'union_team').id}"
    clock.set_global(at(day))

    api.post(f"{url}/claim", as_=world.union)
    assert api.post(f"{url}/release", as_=colleague).status_code == 403
    assert api.post(f"{url}/release", as_=world.employer).status_code == 403
    released = api.post(f"{url}/release", as_=world.union)
    assert released.status_code == 200 and released.json["assignee"] is None
    assert listed(api, colleague) == [(case.id, "union_team")]

    api.post(f"{url}/claim", as_=colleague)
    assert api.post(f"{url}/release", as_=world.supervisor).json["assignee"] is None
    assert [e.payload["previous_assignee_id"] for e in events(case, "task_released")] == [world.union.id,
                                                                                          colleague.id]


def test_an_instructors_step_stays_with_the_cases_instructor(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "record_proposal")
    url = f"{TASKS}/{ready_row(case, 'record_proposal').id}"
    clock.set_global(at(day))
    assert api.get(url, as_=world.instructor).json["assignee"]["id"] == world.instructor.id
    for who in (world.instructor, world.supervisor):
        released = api.post(f"{url}/release", as_=who)
        assert released.status_code == 200 and released.json["assignee"]["id"] == world.instructor.id
    assert events(case, "task_released") == []


def test_a_supervisor_hands_a_task_to_someone_of_its_side(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_team")
    colleague = second_union_rep(world)
    url = f"{TASKS}/{ready_row(case, 'union_team').id}/assign"
    clock.set_global(at(day))

    api.post(url.replace("/assign", "/claim"), as_=world.union)
    assigned = api.post(url, as_=world.supervisor, json={"user_id": colleague.id})
    assert assigned.status_code == 200
    assert assigned.json["assignee"] == {"id": colleague.id, "display_name": "王芳"}
    assert listed(api, colleague) == [(case.id, "union_team")]
    assert listed(api, world.union) == []
    [logged] = events(case, "task_assigned")
    assert (logged.payload["assignee_id"], logged.payload["previous_assignee_id"]) == (colleague.id, world.union.id)

    for stranger in (world.employer.id, world.other_union.id, 987654):
        wrong = api.post(url, as_=world.supervisor, json={"user_id": stranger})
        assert wrong.status_code == 422
        assert wrong.json["errors"] == {"user_id": ["Choose a user of the union side of this case."]}
    assert api.post(url, as_=world.union, json={"user_id": world.union.id}).status_code == 403
    assert api.post(url, as_=world.other_supervisor, json={"user_id": colleague.id}).status_code == 404
    assert api.post(url, as_=world.supervisor, json={}).status_code == 422
    assert ready_row(case, "union_team").assignee_id == colleague.id


# ---------------------------------------------------------------------------- complete
def test_completing_both_teams_moves_the_case_to_preparation(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_team")
    clock.set_global(at(day))
    enterprise = api.post(f"{TASKS}/{ready_row(case, 'enterprise_team').id}/complete", as_=world.employer,
                          json=form("enterprise_team", day))
    assert enterprise.status_code == 200 and enterprise.json["case"]["stage"] == "teams"

    row = ready_row(case, "union_team")
    done = api.post(f"{TASKS}/{row.id}/complete", as_=world.union, json=form("union_team", day))
    assert done.status_code == 200
    body = done.json
    assert (body["task"]["id"], body["task"]["state"]) == (row.id, "completed")
    assert body["task"]["data"]["members"][0]["name"] == "职工方0"
    fresh = reload(case)
    assert body["case"] == {"id": case.id, "ref": fresh.ref, "stage": "preparation", "status": "active",
                            "lock_version": fresh.lock_version}
    assert done.headers["ETag"] == f'"{fresh.lock_version}"'
    assert [(t["bpmn_id"], t["lane"]) for t in body["next_tasks"]] == [("prepare_talks", "instructor")]
    assert body["warnings"] == []
    assert [e.payload["task"] for e in events(case, "task_completed")][-1] == "union_team"


def test_a_signature_returned_without_a_reason_changes_nothing(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_signature")
    row = ready_row(case, "union_signature")
    clock.set_global(at(day))
    before = snapshot_rows()

    refused = api.post(f"{TASKS}/{row.id}/complete", as_=world.union, json={"decision": "return"})
    assert refused.status_code == 422
    assert "comment" in refused.json["errors"]
    assert snapshot_rows() == before
    assert ready_row(case, "union_signature").id == row.id
    assert reload(case).stage == "signature"


def test_a_signature_returned_with_a_reason_sends_the_draft_back_prefilled(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_signature")
    row = ready_row(case, "union_signature")
    clock.set_global(at(day))
    returned = api.post(f"{TASKS}/{row.id}/complete", as_=world.union,
                        json={"decision": "return", "comment": "工资增幅需再议"})
    assert returned.status_code == 200
    assert [t["bpmn_id"] for t in returned.json["next_tasks"]] == ["draft_agreement"]
    assert returned.json["case"]["stage"] == "draft"

    draft = ready_row(case, "draft_agreement")
    previous = task_rows(case, "draft_agreement")[0]
    task = api.get(f"{TASKS}/{draft.id}", as_=world.instructor).json
    assert task["state"] == "ready" and task["data"] == previous.form_data
    assert task["data"]["wage_increase_pct"] == "6.50"


def test_a_stale_if_match_is_a_conflict_that_says_where_the_case_is(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_signature")
    url = f"{TASKS}/{ready_row(case, 'union_signature').id}"
    clock.set_global(at(day))
    etag = api.get(url, as_=world.union).headers["ETag"]
    version = reload(case).lock_version

    stale = api.post(f"{url}/complete", as_=world.union, json=form("union_signature", day),
                     headers={"If-Match": f'"{version - 1}"'})
    assert stale.status_code == 409
    assert stale.json["current"]["lock_version"] == version
    assert stale.json["current"]["stage"] == "signature"
    assert reload(case).lock_version == version
    assert api.post(f"{url}/complete", as_=world.union, json=form("union_signature", day),
                    headers={"If-Match": "soon"}).status_code == 400

    done = api.post(f"{url}/complete", as_=world.union, json=form("union_signature", day), headers={"If-Match": etag})
    assert done.status_code == 200
    assert [t["bpmn_id"] for t in done.json["next_tasks"]] == ["enterprise_signature"]


def test_the_wrong_side_may_not_complete_and_the_body_must_be_an_object(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_signature")
    url = f"{TASKS}/{ready_row(case, 'union_signature').id}/complete"
    clock.set_global(at(day))
    assert api.post(url, as_=world.employer, json=form("union_signature", day)).status_code == 403
    assert api.post(url, as_=world.admin, json=form("union_signature", day)).status_code == 403
    assert api.post(url, as_=world.other_union, json=form("union_signature", day)).status_code == 404
    assert api.post(url, as_=world.union, json=["approve"]).status_code in (400, 422)
    assert reload(case).stage == "signature"


def test_an_id_beyond_the_databases_integers_is_no_task(api: ApiClient, world: World) -> None:
    case, day = case_at(world, "union_team")
    clock.set_global(at(day))
    huge = 2**31
    assert api.get(f"{TASKS}/{huge}", as_=world.union).status_code == 404
    assert api.post(f"{TASKS}/{huge}/complete", as_=world.union, json={}).status_code == 404
    assert api.get(f"{TASKS}?case_id={huge}", as_=world.union).status_code == 422
    url = f"{TASKS}/{ready_row(case, 'union_team').id}/assign"
    wrong = api.post(url, as_=world.supervisor, json={"user_id": 10**20})
    assert wrong.status_code == 422 and "user_id" in wrong.json["errors"]
