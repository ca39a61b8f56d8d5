"""A negotiation walked through the pages by the people who do it, in a real browser.

The supervisor (who opens the case and does the bureau's steps), the instructor and both representatives
each work in their own signed-in browser: they open their inbox, follow the step's link, fill the form the
page draws from the step's schema and send it. The union's chief returns the first draft with a comment; the instructor
redrafts, the workers' congress votes again, both chiefs sign, the enterprise files, the bureau
reviews, and the agreement is in force. The case page's diagram marks where the case stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Case, CaseTask, User
from tests.browser.forms import control, fill_form
from tests.conftest import World, at
from tests.helpers import open_case, ready_tasks, reload
from tests.service.flows import actor, form, snapshot_rows
from workflows import clock

RETURN_REASON = "第三条增幅与职代会意见不符，请重新起草"


def open_step(page: Page, task: CaseTask) -> None:
    """From the inbox, follow the link of `task` to its page."""
    page.goto("/inbox")
    row = page.locator(f"#task-{task.id}")
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.locator("a.step").click()
    expect(page.locator("#task-form")).to_be_visible()


def send(page: Page, button: str = "#submit-task") -> None:
    with page.expect_navigation():
        page.locator(button).click()


def next_task(case: Case) -> CaseTask | None:
    db.session.rollback()  # see what the browser committed
    ready = ready_tasks(case)
    return ready[0] if ready else None


def test_a_case_walked_from_proposal_to_in_force_through_the_pages(
        page_for: Callable[[User], Page], world: World, url: Callable[[str], str]) -> None:
    # The supervisor opens the case from the case list, by the enterprise's credit code.
    clock.set_global(at("2026-03-02", 9))
    supervisor = page_for(world.supervisor)
    supervisor.goto("/cases")
    with supervisor.expect_navigation():
        supervisor.locator("#new-case").click()
    control(supervisor, "enterprise").fill(world.enterprise.credit_code)
    send(supervisor, "#open-case")
    expect(supervisor.locator(".flash-success").first).to_be_visible()
    db.session.rollback()
    case = db.session.get(Case, int(supervisor.url.rsplit("/", 1)[1]))
    assert case is not None and [e.id for e in case.enterprises] == [world.enterprise.id]
    day = date(2026, 3, 2)
    done: list[str] = []
    returned = False
    for _ in range(30):
        task = next_task(case)
        if task is None:
            break
        clock.set_global(at(day))
        user = actor(world, task.lane)
        page = page_for(user)
        open_step(page, task)
        data = form(task.bpmn_id, day)
        if task.bpmn_id == "union_signature" and not returned:
            # The union's chief reads the draft and its guideline check, then sends it back with a reason.
            expect(page.locator("#draft-increase")).to_have_text("6.50%")
            fill_form(page, {"comment": RETURN_REASON})
            send(page, "#return")
            returned = True
        elif task.bpmn_id in ("union_signature", "enterprise_signature"):
            fill_form(page, {k: v for k, v in data.items() if k != "decision"})
            send(page, "#approve")
        else:
            fill_form(page, data)
            send(page)
        # Each step lands on the case page, which says what was done.
        expect(page).to_have_url(url(f"/cases/{case.id}"))
        expect(page.locator(".flash-success").first).to_be_visible()
        done.append(task.bpmn_id)
        day += timedelta(days=1)

    final = reload(case)
    assert final.status == "in_force", (final.status, done)
    # The returned draft went back to the instructor, was redrafted and voted on again.
    assert done.count("draft_agreement") == 2 and done.count("union_signature") == 2, done
    assert done.index("enterprise_signature") > len(done) - 1 - done[::-1].index("union_signature")
    assert {"record_proposal", "enterprise_response", "union_team", "enterprise_team", "file_agreement",
            "review_filing"} <= set(done)

    # Every person saw the case move: the union's page shows it in force, with the return and its reason.
    union = page_for(world.union)
    union.goto(f"/cases/{case.id}")
    expect(union.locator("#summary")).to_contain_text("协议生效")
    expect(union.locator("#timeline")).to_contain_text(RETURN_REASON)


def test_the_case_diagram_marks_the_current_step(page: Page, world: World) -> None:
    from tests.browser.conftest import sign_in

    case = open_case(world, "2026-03-02")
    clock.set_global(at("2026-03-03"))
    current = next_task(case)
    assert current is not None
    sign_in(page, world.supervisor)
    page.goto(f"/cases/{case.id}")
    figure = page.locator('#case-diagram figure.process[data-ready="true"]').first
    expect(figure).to_be_visible(timeout=10_000)
    expect(figure.locator("svg .djs-element").first).to_be_attached()
    # The waiting step is drawn as current; a step the case has not reached is not.
    marked = page.locator(".djs-element.step-current")
    expect(marked.first).to_be_attached()
    ids = marked.evaluate_all("elements => elements.map(e => e.getAttribute('data-element-id'))")
    assert current.bpmn_id in ids, ids
    later = page.locator('.djs-element[data-element-id="publish_agreement"]')
    expect(later).to_be_attached()
    assert "step-current" not in (later.get_attribute("class") or "")


def test_a_form_sent_with_errors_shows_them_at_the_fields_and_saves_nothing(
        page_for: Callable[[User], Page], world: World) -> None:
    case = open_case(world, "2026-03-02")
    for _ in range(5):  # the bureau assigns, the instructor accepts: then the proposal waits
        task = next_task(case)
        assert task is not None
        if task.bpmn_id == "record_proposal":
            break
        clock.set_global(at("2026-03-02"))
        page = page_for(actor(world, task.lane))
        open_step(page, task)
        fill_form(page, form(task.bpmn_id, "2026-03-02"))
        send(page)
    assert task.bpmn_id == "record_proposal"
    clock.set_global(at("2026-03-03"))
    before = snapshot_rows()
    page = page_for(world.instructor)
    open_step(page, task)
    fill_form(page, {"received_on": "2026-03-09", "content": "要约"})  # a receipt after today, no side
    send(page)
    received = control(page, "received_on")
    expect(received).to_have_attribute("aria-invalid", "true")
    expect(received).to_have_accessible_description(re.compile(r"\S"))
    expect(control(page, "proposing_side")).to_have_attribute("aria-invalid", "true")
    expect(control(page, "content")).to_have_value("要约")  # what was typed is kept
    assert snapshot_rows() == before
