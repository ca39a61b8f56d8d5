"""The inbox and the task pages through the test client: order, filters, claiming, forms drawn from the
schema, errors at their fields with nothing saved, the stale-version answer, and the approval step."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseTask, User
from tests.conftest import World, at
from tests.helpers import open_case, ready_ids
from tests.service.flows import snapshot_rows, step, task_rows, walk_until
from tests.webclient import Browser, error_at, hidden_input, text
from workflows import clock


def signed_in(browser: Browser, user: User) -> Browser:
    assert browser.sign_in(user.username, "pw-" + user.username).status_code == 302
    return browser


def ready_row(case: Case, bpmn_id: str) -> CaseTask:
    return next(t for t in task_rows(case, bpmn_id) if t.state == "ready")


def case_at(world: World, target: str, on: str = "2026-03-02") -> tuple[Case, str]:
    """A case walked until `target` is ready, with the clock set to the next free day (ISO)."""
    case = open_case(world, on)
    day = walk_until(case, world, target, on)
    clock.set_global(at(day))
    return case, day.isoformat()




def row_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="task-(\d+)"', page)]




def post_task(browser: Browser, task_id: int, data: dict[str, Any], version: int | None = None) -> Any:
    page = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    body = {"csrf_token": hidden_input(page, "csrf_token"),
            "case_version": str(version) if version is not None else hidden_input(page, "case_version"), **data}
    return browser.post(f"/tasks/{task_id}", data=body)


# ---------------------------------------------------------------------------- the inbox
def test_the_inbox_lists_overdue_first_then_by_due_date(browser: Browser, world: World) -> None:
    later, _ = case_at(world, "enterprise_response", "2026-03-09")  # due 2026-03-31
    earlier, _ = case_at(world, "enterprise_response", "2026-03-02")  # due 2026-03-24
    clock.set_global(at("2026-03-27"))
    page = text(signed_in(browser, world.employer).get("/inbox"))
    assert row_ids(page) == [ready_row(earlier, "enterprise_response").id, ready_row(later, "enterprise_response").id]
    assert "逾期 3 天" in page and "4 天后到期" in page
    assert "企业书面回应" in page and "书面回应" in page  # the step's Chinese name from the BPMN, the stage label
    assert f"WC-2026-{earlier.id:06d}" in page and earlier.title in page


def test_the_filters_narrow_the_inbox_and_a_bad_one_is_told(browser: Browser, world: World) -> None:
    late, _ = case_at(world, "enterprise_response", "2026-03-02")
    fresh, _ = case_at(world, "enterprise_response", "2026-03-20")
    clock.set_global(at("2026-03-27"))
    signed_in(browser, world.employer)
    late_id, fresh_id = ready_row(late, "enterprise_response").id, ready_row(fresh, "enterprise_response").id
    assert row_ids(text(browser.get("/inbox?overdue=true"))) == [late_id]
    assert row_ids(text(browser.get("/inbox?overdue=false"))) == [fresh_id]
    assert row_ids(text(browser.get("/inbox?stage=teams"))) == []
    assert "没有符合筛选条件的事项" in text(browser.get("/inbox?stage=teams"))
    everything = text(browser.get("/inbox?scope=all"))
    assert set(row_ids(everything)) > {late_id, fresh_id}  # the completed steps of the cases too
    bad = browser.get("/inbox?lane=kitchen&overdue=true")
    assert bad.status_code == 422
    assert 'id="error-lane"' in text(bad) and row_ids(text(bad)) == [late_id]  # the good filter still applies


def test_each_one_sees_only_their_own_steps(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "enterprise_response")
    task = ready_row(case, "enterprise_response")
    assert row_ids(text(signed_in(Browser(browser.app), world.employer).get("/inbox"))) == [task.id]
    union_page = text(signed_in(Browser(browser.app), world.union).get("/inbox"))
    assert row_ids(union_page) == [] and "暂无待办事项" in union_page
    assert row_ids(text(signed_in(Browser(browser.app), world.other_union).get("/inbox?scope=all"))) == []
    assert signed_in(Browser(browser.app), world.other_union).get(f"/tasks/{task.id}").status_code == 404
    assert signed_in(Browser(browser.app), world.admin).get("/inbox").status_code == 403


def test_claim_and_release_update_the_row_in_place(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "enterprise_response")
    task = ready_row(case, "enterprise_response")
    page = text(signed_in(browser, world.employer).get("/inbox"))
    token = hidden_input(page, "csrf_token")
    htmx = {"HX-Request": "true", "X-CSRFToken": token}
    claimed = browser.post(f"/tasks/{task.id}/claim", headers=htmx)
    assert claimed.status_code == 200
    assert text(claimed).lstrip().startswith(f'<tr id="task-{task.id}"') and "退还" in text(claimed)
    assert world.employer.display_name in text(claimed)
    db.session.expire_all()
    assert db.session.get(CaseTask, task.id).assignee_id == world.employer.id

    other = signed_in(Browser(browser.app), world.union)  # not of the enterprise side: may not take it
    refused = other.post(f"/tasks/{task.id}/claim",
                         headers={"HX-Request": "true",
                                  "X-CSRFToken": hidden_input(text(other.get("/inbox")), "csrf_token")})
    assert refused.status_code == 403 and refused.json["message"]

    released = browser.post(f"/tasks/{task.id}/release", headers=htmx)
    assert released.status_code == 200 and "认领" in text(released)
    db.session.expire_all()
    assert db.session.get(CaseTask, task.id).assignee_id is None
    # Without htmx the same buttons work as plain forms.
    plain = browser.post(f"/tasks/{task.id}/claim", data={"csrf_token": token})
    assert plain.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseTask, task.id).assignee_id == world.employer.id


# ---------------------------------------------------------------------------- the form
def labelled_controls(page: str) -> None:
    """Every input of the task form has a label naming its id (or sits in a labelled fieldset)."""
    form_html = page[page.index('id="task-form"'):]
    for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", form_html):
        if 'type="hidden"' in attrs or 'type="submit"' in attrs:
            continue
        ident = re.search(r'id="([^"]+)"', attrs)
        assert ident, f"{tag} without id: {attrs}"
        assert f'for="{ident.group(1)}"' in form_html, f"no label for {ident.group(1)}"


def test_each_field_type_is_drawn_with_its_label(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_team")
    signed_in(browser, world.union)
    team = text(browser.get(f"/tasks/{ready_row(case, 'union_team').id}"))
    labelled_controls(team)
    assert re.search(r'<legend>协商代表 <span aria-hidden="true">\*</span>', team)  # a required repeatable group
    assert 'name="members.0.name"' in team and 'type="checkbox" id="f-members.0.chief"' in team
    assert 'value="add:members"' in team

    draft_case, _ = case_at(world, "draft_agreement")
    signed_in(browser, world.instructor)
    draft = text(browser.get(f"/tasks/{ready_row(draft_case, 'draft_agreement').id}"))
    labelled_controls(draft)
    assert re.search(r'<select id="f-agreement_type"[^>]*>.*<option value="wage" selected>工资专项集体合同',
                     draft, re.S)
    assert re.search(r'id="f-term_months" name="term_months" type="number"[^>]*step="1"', draft, re.S)
    assert re.search(r'id="f-wage_increase_pct" name="wage_increase_pct" type="number"[^>]*step="any"', draft, re.S)
    assert 'type="checkbox" id="f-items-average_wage_adjustment" name="items"' in draft
    assert "期限（月） <span aria-hidden=\"true\">*</span>" in draft

    prep_case, _ = case_at(world, "prepare_talks")
    prep = text(browser.get(f"/tasks/{ready_row(prep_case, 'prepare_talks').id}"))
    labelled_controls(prep)
    assert re.search(r'id="f-talks_on" name="talks_on" type="date"', prep)
    assert '<textarea id="f-agenda" name="agenda"' in prep


def test_rows_are_added_and_removed_without_saving(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_team")
    task = ready_row(case, "union_team")
    signed_in(browser, world.union)
    before = snapshot_rows()
    added = post_task(browser, task.id, {"members.0.name": "张三", "members.0.chief": "on", "_action": "add:members"})
    assert added.status_code == 200
    page = text(added)
    assert 'name="members.1.name"' in page and 'value="张三"' in page and "is_invalid" not in page
    removed = post_task(browser, task.id, {"members.0.name": "张三", "members.1.name": "李四",
                                           "_action": "remove:members.0"})
    assert 'value="李四"' in text(removed) and 'value="张三"' not in text(removed)
    assert 'name="members.1.name"' not in text(removed)
    assert snapshot_rows() == before


def test_errors_are_shown_at_their_fields_with_the_values_kept_and_nothing_saved(browser: Browser,
                                                                                  world: World) -> None:
    case, _ = case_at(world, "union_team")
    task = ready_row(case, "union_team")
    signed_in(browser, world.union)
    before = snapshot_rows()
    answer = post_task(browser, task.id, {"members.0.name": "张三", "members.0.chief": "on",
                                          "members.1.name": "", "members.1.position": "车间主任"})
    assert answer.status_code == 422
    page = text(answer)
    assert error_at(page, "members.1.name") == "此项必填。"  # the nested field's own message
    assert 'value="车间主任"' in page and 'value="张三"' in page
    assert 'id="form-errors"' in page
    assert snapshot_rows() == before

    # A rule of the whole team is told at the group.
    team = post_task(browser, task.id, {"members.0.name": "张三", "members.0.chief": "on", "members.1.name": "李四"})
    assert team.status_code == 422 and "members" in text(team)
    assert re.search(r'<p class="error" id="error-members">[^<]*2', text(team))
    assert snapshot_rows() == before


def test_a_stale_version_answers_409_and_saves_nothing(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_team")
    union_task = ready_row(case, "union_team")
    signed_in(browser, world.union)
    page = text(browser.get(f"/tasks/{union_task.id}"))
    version = int(hidden_input(page, "case_version"))
    step(case, world, "enterprise_team", clock.today())  # the other side names its team meanwhile
    before = snapshot_rows()
    team = {f"members.{i}.name": f"职工{i}" for i in range(3)} | {"members.0.chief": "on"}
    answer = post_task(browser, union_task.id, team, version=version)
    assert answer.status_code == 409
    assert "您填写的内容已保留" in text(answer) and 'value="职工2"' in text(answer)
    assert snapshot_rows() == before
    # The page carries the new version: sending again works.
    assert post_task(browser, union_task.id, team).status_code == 302
    assert "prepare_talks" in ready_ids(case)


def test_a_step_done_by_someone_else_says_so(browser: Browser, world: World) -> None:
    case, day = case_at(world, "enterprise_response")
    task = ready_row(case, "enterprise_response")
    signed_in(browser, world.employer)
    page = text(browser.get(f"/tasks/{task.id}"))
    version = hidden_input(page, "case_version")
    step(case, world, "enterprise_response", day)
    before = snapshot_rows()
    answer = browser.post(f"/tasks/{task.id}", data={"csrf_token": hidden_input(page, "csrf_token"),
                                                     "case_version": version, "decision": "refuse",
                                                     "responded_on": day})
    assert answer.status_code == 409
    assert "他人（employer1）已先完成此事项" in text(answer)
    assert snapshot_rows() == before
    done = text(browser.get(f"/tasks/{task.id}"))
    assert "此事项已办结" in done and 'name="decision"' in done and "<fieldset disabled" in done


def test_a_step_done_through_the_page_moves_the_case_on(browser: Browser, world: World) -> None:
    case, day = case_at(world, "enterprise_response")
    task = ready_row(case, "enterprise_response")
    signed_in(browser, world.employer)
    done = post_task(browser, task.id, {"decision": "accept", "responded_on": day})
    assert done.status_code == 302
    assert sorted(ready_ids(case)) == ["enterprise_team", "union_team"]
    db.session.expire_all()
    assert db.session.get(CaseTask, task.id).form_data == {"decision": "accept", "reason": "", "responded_on": day}
    assert "已完成：企业书面回应" in text(browser.get("/inbox"))


# ---------------------------------------------------------------------------- approval
def test_the_approval_page_shows_the_draft_and_the_guideline_check(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_signature")
    page = text(signed_in(browser, world.union).get(f"/tasks/{ready_row(case, 'union_signature').id}"))
    assert 'id="draft-increase">6.50%' in page and 'id="draft-term">12' in page
    assert "增长幅度 6.50% 介于基准线与上线之间" in page
    assert re.search(r'<meter id="guideline-meter"[^>]*low="3.00"[^>]*high="9.00"[^>]*optimum="6.00"'
                     r'[^>]*value="6.50"', page)
    assert 'name="decision" value="approve"' in page and 'name="decision" value="return"' in page
    assert '<select id="f-decision"' not in page


def test_returning_needs_a_comment_and_then_sends_the_draft_back(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_signature")
    task = ready_row(case, "union_signature")
    signed_in(browser, world.union)
    before = snapshot_rows()
    missing = post_task(browser, task.id, {"decision": "return", "comment": " "})
    assert missing.status_code == 422
    assert error_at(text(missing), "comment") == "退回时请说明理由。"
    assert snapshot_rows() == before
    returned = post_task(browser, task.id, {"decision": "return", "comment": "增幅偏低，请重新协商"})
    assert returned.status_code == 302
    assert ready_ids(case) == ["draft_agreement"]
    db.session.expire_all()
    assert db.session.get(CaseTask, task.id).form_data["comment"] == "增幅偏低，请重新协商"


def test_approving_needs_the_signature_date_and_passes_to_the_other_side(browser: Browser, world: World) -> None:
    case, day = case_at(world, "union_signature")
    task = ready_row(case, "union_signature")
    signed_in(browser, world.union)
    undated = post_task(browser, task.id, {"decision": "approve"})
    assert undated.status_code == 422 and error_at(text(undated), "signed_on") == "请填写签字日期。"
    assert post_task(browser, task.id, {"decision": "approve", "signed_on": day}).status_code == 302
    assert ready_ids(case) == ["enterprise_signature"]


def test_the_pages_speak_chinese_by_default_and_english_on_request(browser: Browser, world: World) -> None:
    case, _ = case_at(world, "union_signature")
    task = ready_row(case, "union_signature")
    signed_in(browser, world.union)
    chinese = text(browser.get(f"/tasks/{task.id}"))
    assert "职工方首席代表签字" in chinese and "同意并签字" in chinese and 'lang="zh-CN"' in chinese
    english = text(browser.get(f"/tasks/{task.id}?lang=en"))
    assert "Union chief representative signs" in english and "Approve and sign" in english
    assert "The increase of 6.50% is between the baseline and the upper line." in english
    inbox = text(browser.get("/inbox"))  # the choice is kept
    assert "Inbox" in inbox and "Signature" in inbox


def test_the_inbox_answers_quickly_with_many_steps(browser: Browser, world: World) -> None:
    import time

    for _ in range(30):
        case_at(world, "enterprise_response")
    signed_in(browser, world.employer)
    started = time.perf_counter()
    page = browser.get("/inbox?per_page=50")
    elapsed = time.perf_counter() - started
    assert len(row_ids(text(page))) == 30 and elapsed < 1.0, elapsed
    assert db.session.execute(select(CaseTask.id).where(CaseTask.bpmn_id == "enterprise_response")).all()
