"""The cases API: lists with filters, opening, the case page, history, diagram, documents, comments, cancel."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from app.cases import service
from app.extensions import db
from app.models import Campaign, Case, User
from tests.conftest import World, at, make_enterprise, make_user
from tests.helpers import complete, fire, open_case
from tests.service.flows import step, walk_until
from workflows import clock

from .conftest import ApiClient

CASES = "/api/v1/cases"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@dataclass
class Several:
    """Four cases to filter: one at its proposal (ins2), one waiting for ins1 to accept (a deadline), a
    cancelled campaign case, and one in the other district."""

    new: Case
    assigned: Case
    cancelled: Case
    foreign: Case
    campaign: Campaign


@pytest.fixture
def several(world: World) -> Several:
    third = make_enterprise("盛京物流有限公司", world.district, "9144030071526726XG")
    campaign = Campaign(year=2026, name="2026 双合同月", created_at=clock.now())
    db.session.add(campaign)
    db.session.commit()
    new = open_case(world, "2026-03-02")
    step(new, world, "assign_instructor", "2026-03-02", instructor="ins2")
    complete(new, "accept_assignment", world.other_instructor, {"decision": "accept"}, "2026-03-02")
    assigned = open_case(world, "2026-03-03", title="Zeta 机械 2026 年度协商")
    step(assigned, world, "assign_instructor", "2026-03-03")  # accept_assignment: due 2026-03-05
    with clock.frozen_at(at("2026-03-04", 9)):
        cancelled = service.open_case(enterprise_ids=[third.id], actor=world.supervisor, campaign_id=campaign.id)
        service.cancel_case(cancelled.id, world.supervisor, "企业已注销")
    other = replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor)
    foreign = open_case(other, "2026-03-05")
    return Several(new, assigned, cancelled, foreign, campaign)


def test_each_filter_narrows_the_list(api: ApiClient, world: World, several: Several) -> None:
    s = several
    everything = ids(api.get(CASES, as_=world.admin))
    assert everything == [s.foreign.id, s.cancelled.id, s.assigned.id, s.new.id]  # newest first
    queries: list[tuple[str, list[int]]] = [
        ("status=cancelled", [s.cancelled.id]),
        ("status=active", [s.foreign.id, s.assigned.id, s.new.id]),
        ("stage=proposal", [s.new.id]),
        ("stage=assignment", [s.foreign.id, s.assigned.id]),
        (f"district_id={world.other_district.id}", [s.foreign.id]),
        (f"instructor_id={world.instructor.id}", [s.assigned.id]),
        (f"campaign_id={s.campaign.id}", [s.cancelled.id]),
        (f"q=WC-2026-{s.assigned.id:06d}", [s.assigned.id]),
        ("q=zeta", [s.assigned.id]),  # title, any case
        ("q=盛京", [s.cancelled.id]),  # enterprise name
        ("q=726xg", [s.cancelled.id]),  # part of the credit code
        ("q=%25", []),  # a LIKE wildcard is text, not "anything"
    ]
    for query, expected in queries:
        assert ids(api.get(f"{CASES}?{query}", as_=world.admin)) == expected, query


def test_overdue_means_a_ready_task_past_its_due_date(app: Flask, world: World, several: Several) -> None:
    with clock.frozen_at(at("2026-03-04")):
        assert ids(ApiClient(app).get(f"{CASES}?overdue=true", as_=world.admin)) == []
    with clock.frozen_at(at("2026-03-10")):
        late = ApiClient(app)  # a token issued at the frozen instant
        assert ids(late.get(f"{CASES}?overdue=true", as_=world.admin)) == [several.assigned.id]
        assert several.assigned.id not in ids(late.get(f"{CASES}?overdue=false", as_=world.admin))
        item = late.get(f"{CASES}?overdue=true", as_=world.admin).get_json()["items"][0]
    assert item["overdue"] is True
    assert item["instructor"]["username"] == "ins1"
    assert item["district"]["name"] == "和平区"
    assert item["ref"] == f"WC-2026-{several.assigned.id:06d}"


def test_sorting_and_pages(api: ApiClient, world: World, several: Several) -> None:
    s = several
    assert ids(api.get(f"{CASES}?sort=opened_at", as_=world.admin)) == [
        s.new.id, s.assigned.id, s.cancelled.id, s.foreign.id]
    assert ids(api.get(f"{CASES}?sort=next_due_at", as_=world.admin))[0] == s.assigned.id
    assert ids(api.get(f"{CASES}?sort=-next_due_at", as_=world.admin))[0] == s.assigned.id  # nothing due: last
    titles = [i["title"] for i in api.get(f"{CASES}?sort=title", as_=world.admin).get_json()["items"]]
    assert titles == sorted(titles)
    stages = [i["stage"] for i in api.get(f"{CASES}?sort=stage", as_=world.admin).get_json()["items"]]
    assert stages == sorted(stages)
    page = api.get(f"{CASES}?sort=opened_at&per_page=3&page=2", as_=world.admin).get_json()
    assert (page["total"], page["pages"], [i["id"] for i in page["items"]]) == (4, 2, [s.foreign.id])
    assert api.get(f"{CASES}?sort=secret", as_=world.admin).status_code == 422


def test_each_role_lists_only_the_cases_it_may_see(api: ApiClient, world: World, several: Several) -> None:
    s = several
    employer_b = make_user("employer2", "enterprise_rep", enterprises=[world.other_enterprise])
    db.session.commit()
    seen = {
        world.admin: [s.foreign.id, s.cancelled.id, s.assigned.id, s.new.id],
        world.supervisor: [s.cancelled.id, s.assigned.id, s.new.id],
        world.other_supervisor: [s.foreign.id],
        world.instructor: [s.assigned.id],
        world.other_instructor: [s.new.id],
        world.employer: [s.assigned.id, s.new.id],
        employer_b: [s.foreign.id],
    }
    for user, expected in seen.items():
        body = api.get(CASES, as_=user).get_json()
        assert ([i["id"] for i in body["items"]], body["total"]) == (expected, len(expected)), user.username
    # A filter never widens what one sees.
    assert ids(api.get(f"{CASES}?district_id={world.other_district.id}", as_=world.supervisor)) == []


def test_the_list_costs_the_same_queries_for_more_cases(api: ApiClient, world: World) -> None:
    def statements() -> list[str]:
        headers = {"Authorization": f"Bearer {api.token(world.supervisor)}"}
        seen: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        db.session.expire_all()  # each request starts from nothing loaded, as in a server
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get(f"{CASES}?per_page=200", headers=headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    step(open_case(world, "2026-03-02"), world, "assign_instructor", "2026-03-02")
    one = statements()
    for day in ("2026-03-03", "2026-03-04", "2026-03-05"):
        step(open_case(world, day), world, "assign_instructor", day)
    more = statements()
    assert len(more) == len(one)
    pages = [s for s in more if "FROM \"case\"" in s and "count(*)" not in s]
    assert len(pages) == 1
    assert "workflow_state" not in pages[0]  # a list never loads a workflow


# ---------------------------------------------------------------------------- open
def test_a_supervisor_opens_a_case(api: ApiClient, world: World) -> None:
    campaign = Campaign(year=2026, name="2026 双合同月", created_at=clock.now())
    db.session.add(campaign)
    db.session.commit()
    response = api.post(CASES, as_=world.supervisor, json={
        "enterprise_ids": [world.enterprise.id], "rule_set": "wage-measures-2000", "title": "  年度协商 ",
        "campaign_id": campaign.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert response.headers["ETag"] == f'"{body["lock_version"]}"'
    assert (body["title"], body["rule_set"], body["rules"]["name"], body["campaign_id"]) == (
        "年度协商", "wage-measures-2000", "wage-measures-2000", campaign.id)
    assert body["opened_by"]["username"] == "sup1"
    assert [t["bpmn_id"] for t in body["open_tasks"]] == ["assign_instructor"]
    assert body["open_tasks"][0]["can_act"] is True
    assert [e["id"] for e in body["enterprises"]] == [world.enterprise.id]
    assert api.get(response.headers["Location"], as_=world.supervisor).status_code == 200


@pytest.mark.parametrize("role", ["admin", "instructor", "union", "employer"])
def test_only_supervisors_open_cases(api: ApiClient, world: World, role: str) -> None:
    for enterprise_id in (world.enterprise.id, world.other_enterprise.id, 987654):
        response = api.post(CASES, as_=getattr(world, role), json={"enterprise_ids": [enterprise_id]})
        assert response.status_code == 403, (role, enterprise_id)
    assert db.session.query(Case).count() == 0


def test_a_foreign_enterprise_is_as_unknown_as_a_missing_one(api: ApiClient, world: World) -> None:
    foreign = api.post(CASES, as_=world.supervisor, json={"enterprise_ids": [world.other_enterprise.id]})
    missing = api.post(CASES, as_=world.supervisor, json={"enterprise_ids": [987654]})
    assert (foreign.status_code, missing.status_code) == (422, 422)
    assert foreign.get_json()["message"] == missing.get_json()["message"] == "Unknown enterprise."
    assert foreign.get_json()["errors"] == {"enterprise_ids": [f"No enterprise with id {world.other_enterprise.id}."]}
    mixed = api.post(CASES, as_=world.supervisor, json={"enterprise_ids": [world.enterprise.id,
                                                                           world.other_enterprise.id]})
    assert mixed.get_json()["message"] == "Unknown enterprise."  # not "different districts"
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"enterprise_ids": []}, "enterprise_ids"),
    ({"enterprise_ids": ["x"]}, "enterprise_ids.0"),
    ({"rule_set": "no-such-rules"}, "rule_set"),
    ({"campaign_id": 987654}, "campaign_id"),
])
def test_opening_with_bad_fields_names_the_field(api: ApiClient, world: World, body: dict[str, Any],
                                                 field: str) -> None:
    response = api.post(CASES, as_=world.supervisor, json={"enterprise_ids": [world.enterprise.id], **body})
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert db.session.query(Case).count() == 0


# ---------------------------------------------------------------------------- the case page
@pytest.fixture
def responding(world: World) -> Case:
    """A case whose enterprise must answer the union's proposal (received 2026-03-04) by 2026-03-24."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "enterprise_response", "2026-03-02")
    return case


def test_the_case_page_explains_the_due_date_of_a_ready_task(app: Flask, api: ApiClient, world: World,
                                                             responding: Case) -> None:
    with clock.frozen_at(at("2026-03-10")):
        response = ApiClient(app).get(f"{CASES}/{responding.id}", as_=world.employer)
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["lock_version"]}"'
    task = next(t for t in body["open_tasks"] if t["bpmn_id"] == "enterprise_response")
    assert (task["due_on"], task["due_clock"], task["overdue"], task["can_act"]) == (
        "2026-03-24", "response", False, True)
    assert task["due_at"].startswith("2026-03-24T16:00:00")  # the end of 03-24 in Shanghai, in UTC
    assert "2026-03-24" in task["due_explanation"]["text"]["en"]
    assert [t["bpmn_id"] for t in body["completed_tasks"]][:3] == [
        "assign_instructor", "accept_assignment", "record_proposal"]
    assert body["completed_tasks"][0]["completed_by"]["username"] == "sup1"
    assert body["instructor"]["username"] == "ins1"
    # The union sees the same task but may not answer for the enterprise.
    union_view = api.get(f"{CASES}/{responding.id}", as_=world.union).get_json()
    assert next(t for t in union_view["open_tasks"] if t["bpmn_id"] == "enterprise_response")["can_act"] is False
    with clock.frozen_at(at("2026-03-25", 9)):
        late = ApiClient(app).get(f"{CASES}/{responding.id}", as_=world.employer).get_json()
    assert late["overdue"] is True
    assert next(t for t in late["open_tasks"] if t["bpmn_id"] == "enterprise_response")["overdue"] is True


def test_a_case_one_may_not_see_is_not_found(api: ApiClient, world: World, responding: Case) -> None:
    assert api.get(f"{CASES}/{responding.id}", as_=world.other_union).status_code == 404
    assert api.get(f"{CASES}/987654", as_=world.admin).status_code == 404
    assert api.get(f"{CASES}/{responding.id}", as_=world.admin).status_code == 200


def test_history_lists_the_events_oldest_first(api: ApiClient, world: World, responding: Case) -> None:
    fire("2026-03-25")  # the response timer fires: an event by the system
    body = api.get(f"{CASES}/{responding.id}/history?per_page=200", as_=world.union).get_json()
    kinds = [e["kind"] for e in body["items"]]
    assert kinds[:4] == ["case_opened", "task_completed", "task_completed", "task_completed"]
    assert kinds[-1] == "timer_fired"
    assert body["total"] == len(kinds)
    assert [e["actor"] for e in body["items"][:2]] == ["sup1", "sup1"]
    assert body["items"][-1]["actor"] is None
    assert body["items"][1]["payload"]["task"] == "assign_instructor"
    assert [e["id"] for e in body["items"]] == sorted(e["id"] for e in body["items"])
    assert api.get(f"{CASES}/{responding.id}/history", as_=world.other_union).status_code == 404


def test_the_diagram_marks_done_current_and_overdue_elements(app: Flask, world: World, responding: Case) -> None:
    with clock.frozen_at(at("2026-03-10")):
        body = ApiClient(app).get(f"{CASES}/{responding.id}/diagram", as_=world.union).get_json()
    assert (body["process_id"], body["file"]) == ("wage_negotiation", "wage_negotiation.bpmn")
    assert 'id="wage_negotiation"' in body["xml"]
    elements = body["elements"]
    assert elements["record_proposal"] == {"state": "completed", "count": 1, "due_at": None, "due_on": None}
    assert elements["enterprise_response"]["state"] == "current"
    assert elements["enterprise_response"]["due_on"] == "2026-03-24"
    timer = elements["enterprise_response_timeout"]
    assert (timer["state"], timer["due_on"]) == ("current", "2026-03-24")
    assert timer["due_at"] == elements["enterprise_response"]["due_at"]
    assert "prepare_talks" not in elements  # not reached yet
    called = body["called"]["instructor_assignment"]
    assert called["file"] == "instructor_assignment.bpmn"
    assert called["elements"]["accept_assignment"]["state"] == "completed"
    assert called["elements"]["answer_due"]["state"] == "cancelled"  # the instructor answered in time

    with clock.frozen_at(at("2026-03-25", 9)):
        late = ApiClient(app).get(f"{CASES}/{responding.id}/diagram", as_=world.union).get_json()["elements"]
    assert late["enterprise_response"]["state"] == "overdue"
    assert late["record_proposal"]["state"] == "completed"


def test_the_diagram_of_a_cancelled_case_shows_what_was_cut_short(api: ApiClient, world: World,
                                                                  responding: Case) -> None:
    with clock.frozen_at(at("2026-03-05")):
        service.cancel_case(responding.id, world.supervisor, "撤回")
    elements = api.get(f"{CASES}/{responding.id}/diagram", as_=world.supervisor).get_json()["elements"]
    assert elements["enterprise_response"]["state"] == "cancelled"
    assert elements["record_proposal"]["state"] == "completed"
    assert not [e for e, v in elements.items() if v["state"] in ("current", "overdue")]


# ---------------------------------------------------------------------------- documents
def upload(api: ApiClient, case_id: int, user: User, content: bytes, name: str = "minutes.pdf",
           **form: Any) -> Any:
    return api.post(f"{CASES}/{case_id}/documents", as_=user, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), name, "application/pdf"), **form})


def test_documents_round_trip(api: ApiClient, world: World, responding: Case) -> None:
    task_id = next(t.id for t in db.session.get(Case, responding.id).tasks if t.bpmn_id == "record_proposal")
    response = upload(api, responding.id, world.union, b"%PDF-1.4 minutes", task_id=str(task_id))
    assert response.status_code == 201, response.get_json()
    doc = response.get_json()
    assert (doc["filename"], doc["content_type"], doc["size"], doc["task_id"]) == (
        "minutes.pdf", "application/pdf", 16, task_id)
    assert doc["uploaded_by"]["username"] == "union1"

    listed = api.get(f"{CASES}/{responding.id}/documents", as_=world.supervisor).get_json()
    assert [d["id"] for d in listed["items"]] == [doc["id"]]
    assert listed["items"][0]["sha256"] == doc["sha256"]

    download = api.get(f"{CASES}/{responding.id}/documents/{doc['id']}", as_=world.employer)
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4 minutes"
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "minutes.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get(f"{CASES}/{responding.id}/documents/{doc['id']}", as_=world.other_union).status_code == 404


def test_a_document_of_another_case_is_not_found_through_this_one(api: ApiClient, world: World,
                                                                   responding: Case) -> None:
    other = open_case(world, "2026-03-03")
    doc = upload(api, other.id, world.union, b"other case").get_json()
    assert api.get(f"{CASES}/{responding.id}/documents/{doc['id']}", as_=world.union).status_code == 404
    assert api.get(f"{CASES}/{other.id}/documents/{doc['id']}", as_=world.union).status_code == 200


def test_uploads_refused(app: Flask, api: ApiClient, world: World, responding: Case) -> None:
    empty = upload(api, responding.id, world.union, b"")
    assert (empty.status_code, list(empty.get_json()["errors"])) == (422, ["file"])
    no_file = api.post(f"{CASES}/{responding.id}/documents", as_=world.union, content_type="multipart/form-data",
                       data={"task_id": "1"})
    assert (no_file.status_code, list(no_file.get_json()["errors"])) == (422, ["file"])
    assert upload(api, responding.id, world.admin, b"x").status_code == 403  # sees, does not act
    assert upload(api, responding.id, world.other_union, b"x").status_code == 404
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        too_large = upload(api, responding.id, world.union, b"x" * 4096)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert too_large.status_code == 413
    assert too_large.get_json()["code"] == "too_large"
    assert api.get(f"{CASES}/{responding.id}/documents", as_=world.union).get_json()["total"] == 0


def test_the_upload_and_download_are_documented(api: ApiClient) -> None:
    spec = api.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/cases/{case_id}/documents"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]] if "$ref" in body else body
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}
    assert "task_id" in schema["properties"]
    get = spec["paths"]["/api/v1/cases/{case_id}/documents/{document_id}"]["get"]
    assert get["responses"]["200"]["content"]["*/*"]["schema"] == {
        "type": "string", "format": "binary"}


# ---------------------------------------------------------------------------- comments
def test_comments_are_added_by_parties_and_read_by_all_who_see(api: ApiClient, world: World,
                                                                responding: Case) -> None:
    url = f"{CASES}/{responding.id}/comments"
    first = api.post(url, as_=world.union, json={"body": "  请企业尽快书面回应。 "})
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["body"], first.get_json()["author"]["username"]) == ("请企业尽快书面回应。", "union1")
    assert api.post(url, as_=world.employer, json={"body": "已收到"}).status_code == 201
    listed = api.get(url, as_=world.admin).get_json()
    assert [c["body"] for c in listed["items"]] == ["请企业尽快书面回应。", "已收到"]
    assert listed["total"] == 2
    history = api.get(f"{CASES}/{responding.id}/history?per_page=200", as_=world.union).get_json()["items"]
    assert [e["payload"]["body"] for e in history if e["kind"] == "comment_added"] == ["请企业尽快书面回应。", "已收到"]

    blank = api.post(url, as_=world.union, json={"body": "   "})
    assert (blank.status_code, list(blank.get_json()["errors"])) == (422, ["body"])
    assert api.post(url, as_=world.union, json={"body": "x" * 4001}).status_code == 422
    assert api.post(url, as_=world.admin, json={"body": "admins read"}).status_code == 403
    assert api.post(url, as_=world.other_union, json={"body": "outsider"}).status_code == 404
    assert api.get(url, as_=world.other_union).status_code == 404
    assert api.get(url, as_=world.admin).get_json()["total"] == 2


# ---------------------------------------------------------------------------- cancel
def test_a_supervisor_cancels_once_then_conflict(api: ApiClient, world: World, responding: Case) -> None:
    url = f"{CASES}/{responding.id}/cancel"
    assert api.post(url, as_=world.instructor, json={"reason": "不再协商"}).status_code == 403
    assert api.post(url, as_=world.supervisor, json={"reason": "  "}).status_code == 422
    done = api.post(url, as_=world.supervisor, json={"reason": "企业已注销"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["stage"], body["open_tasks"]) == ("cancelled", "cancelled", [])
    assert done.headers["ETag"] == f'"{body["lock_version"]}"'
    again = api.post(url, as_=world.supervisor, json={"reason": "再次"})
    assert again.status_code == 409
    assert again.get_json()["current"]["status"] == "cancelled"
    assert again.get_json()["current"]["lock_version"] == body["lock_version"]


def test_a_number_too_big_for_an_id_is_refused_before_the_database(api: ApiClient, world: World,
                                                                    responding: Case) -> None:
    big = 2**64
    for url in (f"{CASES}/{big}", f"{CASES}/{big}/diagram", f"{CASES}/{responding.id}/documents/{big}"):
        assert api.get(url, as_=world.supervisor).status_code == 404, url
    for query in (f"district_id={big}", f"instructor_id={big}", f"campaign_id={big}"):
        assert api.get(f"{CASES}?{query}", as_=world.supervisor).status_code == 422, query
    for body in ({"enterprise_ids": [big]}, {"enterprise_ids": [world.enterprise.id], "campaign_id": big}):
        assert api.post(CASES, as_=world.supervisor, json=body).status_code == 422, body
    assert upload(api, responding.id, world.union, b"x", task_id=str(big)).status_code == 422
