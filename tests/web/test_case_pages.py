"""The case list and the case page through the test client: who sees which case, the filters and their chips,
a bad filter, the page's sections, comments, documents, deadline extension, cancelling, and the diagram's data.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Comment, Document, User
from tests.conftest import World, at
from tests.helpers import open_case, reload
from tests.service.flows import walk_until
from tests.webclient import Browser, error_at, hidden_input, text
from workflows import clock

CASE_COUNT = re.compile(r'<p id="case-count"[^>]*>([^<]*)</p>')


def signed_in(browser: Browser, user: User) -> Browser:
    assert browser.sign_in(user.username, "pw-" + user.username).status_code == 302
    return browser




def listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case="(\d+)"', page)]




def csrf(browser: Browser, case: Case) -> str:
    return hidden_input(browser.get(f"/cases/{case.id}").get_data(as_text=True), "csrf_token")


@pytest.fixture
def responding(world: World) -> Case:
    """A case of district 1 whose enterprise must answer the union's proposal by 2026-03-24; ins1 instructs it."""
    case = open_case(world, "2026-03-02")
    walk_until(case, world, "enterprise_response", "2026-03-02")
    clock.set_global(at("2026-03-10"))
    return case


@pytest.fixture
def foreign(world: World) -> Case:
    """A fresh case of the other district, opened by its supervisor."""
    other = replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor)
    return open_case(other, "2026-03-05")


# ---------------------------------------------------------------------------- the list
@pytest.mark.parametrize(("role", "sees"), [
    ("admin", {"responding", "foreign"}), ("supervisor", {"responding"}), ("other_supervisor", {"foreign"}),
    ("instructor", {"responding"}), ("other_instructor", set()), ("union", {"responding"}),
    ("employer", {"responding"}), ("other_union", {"foreign"}),
])
def test_the_list_shows_each_role_only_the_cases_it_may_see(browser: Browser, world: World, responding: Case,
                                                           foreign: Case, role: str, sees: set[str]) -> None:
    page = text(signed_in(browser, getattr(world, role)).get("/cases?lang=en"))
    expected = {name: case.id for name, case in (("responding", responding), ("foreign", foreign))}
    assert set(listed(page)) == {expected[name] for name in sees}
    assert CASE_COUNT.search(page).group(1) == f"{len(sees)} case" + ("" if len(sees) == 1 else "s")


def test_a_row_shows_number_enterprise_stage_instructor_and_due_date(browser: Browser, world: World,
                                                                      responding: Case) -> None:
    clock.set_global(at("2026-03-25"))
    page = text(signed_in(browser, world.supervisor).get("/cases"))
    row = re.search(rf'<tr data-case="{responding.id}">(.*?)</tr>', page, re.S).group(1)
    for shown in (f"WC-2026-{responding.id:06d}", "华信机械制造有限公司", "书面回应", "ins1", "2026年3月24日", "逾期"):
        assert shown in row
    assert f'href="/cases/{responding.id}"' in row
    assert CASE_COUNT.search(page).group(1) == "1 件案件"


def test_filters_narrow_the_list_and_show_as_chips_that_remove_them(browser: Browser, world: World,
                                                                    responding: Case, foreign: Case) -> None:
    signed_in(browser, world.admin)
    assert listed(text(browser.get("/cases?stage=response"))) == [responding.id]
    assert listed(text(browser.get(f"/cases?district_id={world.other_district.id}"))) == [foreign.id]
    assert listed(text(browser.get("/cases?q=东方商贸"))) == [foreign.id]
    assert listed(text(browser.get("/cases?overdue=true"))) == []
    clock.set_global(at("2026-03-25"))
    assert listed(text(browser.get("/cases?overdue=true"))) == [responding.id]

    page = text(browser.get(f"/cases?stage=response&district_id={world.district.id}&status=&lang=en"))
    chip_rows = re.findall(r'<li class="chip" data-filter="(\w+)">([^<]*)<a href="([^"]*)"', page)
    assert {name: label.strip() for name, label, _ in chip_rows} == {
        "stage": "Stage: Response", "district_id": "District: 和平区"}
    remove_stage = {name: unescape(href) for name, _, href in chip_rows}["stage"]
    assert "stage=" not in remove_stage and f"district_id={world.district.id}" in remove_stage
    assert listed(text(browser.get(remove_stage))) == [responding.id]
    assert '<option value="response" selected>' in page


def test_a_bad_filter_answers_422_naming_the_field_and_lists_nothing(browser: Browser, world: World,
                                                                     responding: Case) -> None:
    response = signed_in(browser, world.admin).get("/cases?status=bogus&overdue=maybe&lang=en")
    page = text(response)
    assert response.status_code == 422
    assert "Status:" in page and "Overdue:" in page
    assert error_at(page, "status") and error_at(page, "overdue")
    assert listed(page) == [] and "case-count" not in page


# ---------------------------------------------------------------------------- the case page
def test_the_case_page_shows_summary_enterprises_steps_deadlines_and_timeline(browser: Browser, world: World,
                                                                             responding: Case) -> None:
    page = text(signed_in(browser, world.union).get(f"/cases/{responding.id}"))
    summary = re.search(r'<section class="card" id="summary".*?</section>', page, re.S).group(0)
    shown_values = (f"WC-2026-{responding.id:06d}", "进行中", "书面回应", "集体合同规定", "和平区", "ins1",
                    "2026年3月2日")
    for shown in shown_values:
        assert shown in summary, shown
    enterprises = re.search(r'id="enterprises".*?</section>', page, re.S).group(0)
    assert "华信机械制造有限公司" in enterprises and "914403001922038216" in enterprises and ">120<" in enterprises
    waiting = re.search(r'id="waiting".*?</section>', page, re.S).group(0)
    assert "企业书面回应" in waiting and "企业方" in waiting and "2026年3月24日" in waiting and "逾期" not in waiting
    deadlines = re.search(r'id="deadlines".*?</section>', page, re.S).group(0)
    assert "2026年3月24日" in deadlines and "extend-form" not in deadlines  # a representative may not extend
    kinds = re.findall(r'<li data-kind="(\w+)">', page)
    assert kinds[0] == "task_completed" and kinds[-1] == "case_opened"  # newest first
    assert "完成事项：登记协商要约" in page and "立案" in page and "sup1" in page
    assert 'id="cancel-form"' not in page  # representatives do not cancel
    assert f'data-url="/cases/{responding.id}/diagram.json"' in page


def test_the_page_speaks_english_when_asked(browser: Browser, world: World, responding: Case) -> None:
    page = text(signed_in(browser, world.union).get(f"/cases/{responding.id}?lang=en"))
    assert "Waiting steps" in page and "Enterprise responds in writing" in page
    assert "Step done: Record the written" in page
    assert "Mar 24, 2026" in page
    page = text(browser.get(f"/cases/{responding.id}?lang=zh"))
    assert "待办事项" in page and "企业书面回应" in page


def test_the_timeline_is_paged(browser: Browser, world: World, responding: Case) -> None:
    signed_in(browser, world.union)
    for i in range(25):
        browser.post(f"/cases/{responding.id}/comments",
                     data={"csrf_token": csrf(browser, responding), "body": f"c{i}"})
    first = text(browser.get(f"/cases/{responding.id}"))
    assert len(re.findall(r'<li data-kind="', first)) == 20 and 'rel="next"' in first
    second = text(browser.get(f"/cases/{responding.id}?page=2"))
    assert re.findall(r'<li data-kind="(\w+)">', second)[-1] == "case_opened"


@pytest.mark.parametrize("who", ["other_union", "other_supervisor", "other_instructor"])
def test_a_case_not_visible_is_not_found(browser: Browser, world: World, responding: Case, who: str) -> None:
    signed_in(browser, getattr(world, who))
    for url in (f"/cases/{responding.id}", f"/cases/{responding.id}/diagram.json", "/cases/999999",
                "/cases/99999999999"):
        response = browser.get(url)
        assert response.status_code == 404, url
    assert "未找到" in text(browser.get(f"/cases/{responding.id}"))


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser, responding: Case) -> None:
    for url in ("/cases", f"/cases/{responding.id}"):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------------------- comments
def test_a_comment_added_with_htmx_comes_back_as_an_appended_item(browser: Browser, world: World,
                                                                  responding: Case) -> None:
    signed_in(browser, world.employer)
    response = browser.post(f"/cases/{responding.id}/comments", headers={"HX-Request": "true"},
                            data={"csrf_token": csrf(browser, responding), "body": "  请于周五前答复  "})
    fragment = text(response)
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#comment-list"' in fragment and "请于周五前答复" in fragment
    assert 'id="comment-form"' in fragment and "<html" not in fragment
    db.session.commit()
    assert [c.body for c in db.session.execute(select(Comment)).scalars()] == ["请于周五前答复"]
    assert "请于周五前答复" in text(browser.get(f"/cases/{responding.id}"))


def test_an_empty_comment_is_refused_at_the_field_and_nothing_is_saved(browser: Browser, world: World,
                                                                       responding: Case) -> None:
    signed_in(browser, world.employer)
    token = csrf(browser, responding)
    htmx = browser.post(f"/cases/{responding.id}/comments", headers={"HX-Request": "true"},
                        data={"csrf_token": token, "body": "   "})
    assert htmx.status_code == 422 and error_at(text(htmx), "body") and "<html" not in text(htmx)
    plain = browser.post(f"/cases/{responding.id}/comments", data={"csrf_token": token, "body": ""})
    assert plain.status_code == 422 and error_at(text(plain), "body") and 'id="summary"' in text(plain)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Comment)).scalar() == 0


def test_an_administrator_reads_but_may_not_comment(browser: Browser, world: World, responding: Case) -> None:
    signed_in(browser, world.admin)
    page = text(browser.get(f"/cases/{responding.id}"))
    assert 'id="comment-form"' not in page
    response = browser.post(f"/cases/{responding.id}/comments", data={"csrf_token": csrf(browser, responding),
                                                                       "body": "x"})
    assert response.status_code == 403


# ---------------------------------------------------------------------------- documents
def upload(browser: Browser, case: Case, content: bytes, name: str = "要约.pdf") -> Any:
    return browser.post(f"/cases/{case.id}/documents", content_type="multipart/form-data",
                        data={"csrf_token": csrf(browser, case), "file": (io.BytesIO(content), name,
                                                                          "application/pdf")})


def test_a_document_is_uploaded_listed_and_downloaded(browser: Browser, world: World, responding: Case) -> None:
    signed_in(browser, world.union)
    response = upload(browser, responding, b"%PDF-1.4 proposal")
    assert response.status_code == 302
    page = text(browser.get(f"/cases/{responding.id}"))
    documents = re.search(r'id="documents".*?</section>', page, re.S).group(0)
    link = re.search(r'href="(/cases/\d+/documents/\d+)"[^>]*>\s*要约.pdf', documents).group(1)
    assert "union1" in documents
    download = browser.get(link)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 proposal"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "添加文件：要约.pdf" in page
    assert signed_in(Browser(browser.app), world.other_union).get(link).status_code == 404


def test_an_empty_or_missing_file_is_refused_at_the_field(browser: Browser, world: World, responding: Case) -> None:
    signed_in(browser, world.union)
    empty = upload(browser, responding, b"")
    assert empty.status_code == 422 and error_at(text(empty), "file")
    missing = browser.post(f"/cases/{responding.id}/documents", data={"csrf_token": csrf(browser, responding)})
    assert missing.status_code == 422 and error_at(text(missing), "file")
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Document)).scalar() == 0


def test_a_file_too_large_is_refused_at_the_field(app: Flask, browser: Browser, world: World,
                                                  responding: Case) -> None:
    signed_in(browser, world.union)
    token = csrf(browser, responding)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = browser.post(f"/cases/{responding.id}/documents", content_type="multipart/form-data",
                                data={"csrf_token": token, "file": (io.BytesIO(b"x" * (1024 * 1024 + 10)), "big.pdf")})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "文件过大" in error_at(text(response), "file")
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Document)).scalar() == 0


# ---------------------------------------------------------------------------- deadlines
def test_a_supervisor_extends_a_deadline_with_a_reason(browser: Browser, world: World, responding: Case) -> None:
    before = reload(responding).next_due_at
    signed_in(browser, world.supervisor)
    page = text(browser.get(f"/cases/{responding.id}"))
    assert 'id="extend-form"' in page
    timer = re.search(r'<select id="f-timer_id".*?<option value="([^"]+)"', page, re.S).group(1)
    form = {"csrf_token": hidden_input(page, "csrf_token"), "version": hidden_input(page, "version"),
            "timer_id": timer, "days": "5"}
    refused = browser.post(f"/cases/{responding.id}/deadlines/extend", data={**form, "reason": ""})
    assert refused.status_code == 422 and error_at(text(refused), "reason")
    assert 'value="5"' in text(refused)  # the values are kept
    bad_days = browser.post(f"/cases/{responding.id}/deadlines/extend", data={**form, "days": "0", "reason": "x"})
    assert bad_days.status_code == 422 and error_at(text(bad_days), "days")
    assert reload(responding).next_due_at == before

    done = browser.post(f"/cases/{responding.id}/deadlines/extend", data={**form, "reason": "企业负责人出差"})
    assert done.status_code == 302
    page = text(browser.get(f"/cases/{responding.id}"))
    # 24 March + 5 days is Sunday 29 March: the period ends on the next working day.
    assert "2026年3月30日" in re.search(r'id="waiting".*?</section>', page, re.S).group(0)
    assert "企业负责人出差" in page and "期限延长 5 天" in page


def test_a_stale_extension_is_a_conflict(browser: Browser, world: World, responding: Case) -> None:
    signed_in(browser, world.supervisor)
    page = text(browser.get(f"/cases/{responding.id}"))
    timer = re.search(r'<select id="f-timer_id".*?<option value="([^"]+)"', page, re.S).group(1)
    response = browser.post(f"/cases/{responding.id}/deadlines/extend", data={
        "csrf_token": hidden_input(page, "csrf_token"), "version": str(reload(responding).lock_version - 1),
        "timer_id": timer, "days": "5", "reason": "x"})
    assert response.status_code == 409


# ---------------------------------------------------------------------------- cancel
def test_a_supervisor_cancels_with_a_reason_and_a_confirmation(browser: Browser, world: World,
                                                               responding: Case) -> None:
    signed_in(browser, world.supervisor)
    token = csrf(browser, responding)
    no_reason = browser.post(f"/cases/{responding.id}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert no_reason.status_code == 422 and error_at(text(no_reason), "cancel_reason")
    unconfirmed = browser.post(f"/cases/{responding.id}/cancel", data={"csrf_token": token, "cancel_reason": "注销"})
    assert unconfirmed.status_code == 422 and "error-confirm" in text(unconfirmed)
    assert reload(responding).status == "active"

    done = browser.post(f"/cases/{responding.id}/cancel",
                        data={"csrf_token": token, "cancel_reason": "企业已注销", "confirm": "yes"})
    assert done.status_code == 302
    assert reload(responding).status == "cancelled"
    page = text(browser.get(f"/cases/{responding.id}"))
    assert "已撤销" in re.search(r'<h1 id="case-title">.*?</h1>', page, re.S).group(0)
    assert "企业已注销" in page and 'id="cancel-form"' not in page and "没有待办事项" in page
    again = browser.post(f"/cases/{responding.id}/cancel",
                         data={"csrf_token": token, "cancel_reason": "again", "confirm": "yes"})
    assert again.status_code in (403, 409)


@pytest.mark.parametrize("who", ["instructor", "union", "admin"])
def test_others_may_not_cancel(browser: Browser, world: World, responding: Case, who: str) -> None:
    signed_in(browser, getattr(world, who))
    token = csrf(browser, responding)
    assert 'id="cancel-form"' not in text(browser.get(f"/cases/{responding.id}"))
    response = browser.post(f"/cases/{responding.id}/cancel",
                            data={"csrf_token": token, "cancel_reason": "no", "confirm": "yes"})
    assert response.status_code == 403
    assert reload(responding).status == "active"


# ---------------------------------------------------------------------------- the diagram's data
def test_diagram_json_gives_the_bpmn_and_the_state_of_each_step(browser: Browser, world: World,
                                                                responding: Case) -> None:
    signed_in(browser, world.union)
    body = browser.get(f"/cases/{responding.id}/diagram.json").get_json()
    assert 'id="wage_negotiation"' in body["xml"]
    elements = body["elements"]
    assert elements["record_proposal"]["state"] == "completed"
    assert (elements["enterprise_response"]["state"], elements["enterprise_response"]["due_on"]) == (
        "current", "2026-03-24")
    assert "prepare_talks" not in elements
    called = body["called"]["instructor_assignment"]
    assert 'id="instructor_assignment"' in called["xml"]
    assert called["elements"]["accept_assignment"]["state"] == "completed"
    clock.set_global(at("2026-03-25"))
    late = browser.get(f"/cases/{responding.id}/diagram.json").get_json()["elements"]
    assert late["enterprise_response"]["state"] == "overdue"
