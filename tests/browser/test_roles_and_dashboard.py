"""What each role sees in the browser, and the supervisors' dashboard against the API.

Two districts, a case in each, some of them late. Each role signs in through the form and is shown only
its own menu and its own cases; a foreign case's address answers "not found". The dashboard's count of
overdue cases is the one the JSON API gives the same supervisor, asked over HTTP with a bearer token.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from app.models import Case, User
from tests.browser.conftest import sign_in
from tests.conftest import World, at
from tests.helpers import open_case
from tests.service.flows import walk_until
from workflows import clock

MENUS = {
    "admin": {"cases_web.case_list", "dashboard_web.dashboard", "campaigns_web.campaign_list",
              "notifications_web.notification_list", "admin_web.index"},
    "supervisor": {"tasks_web.inbox", "cases_web.case_list", "dashboard_web.dashboard",
                   "campaigns_web.campaign_list", "notifications_web.notification_list"},
    "instructor": {"tasks_web.inbox", "cases_web.case_list", "campaigns_web.campaign_list",
                   "notifications_web.notification_list"},
    "union": {"tasks_web.inbox", "cases_web.case_list", "notifications_web.notification_list"},
    "employer": {"tasks_web.inbox", "cases_web.case_list", "notifications_web.notification_list"},
}
SEES = {"admin": {"ours", "theirs"}, "supervisor": {"ours"}, "other_supervisor": {"theirs"},
        "instructor": {"ours"}, "union": {"ours"}, "employer": {"ours"}, "other_union": {"theirs"}}


def other_side(world: World) -> World:
    return replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor)


@pytest.fixture
def cases(world: World) -> dict[str, Case]:
    """"ours" waits for the enterprise's answer (due 24 March, ins1 instructs it); "theirs" is in 沈河区."""
    ours = open_case(world, "2026-03-02")
    walk_until(ours, world, "enterprise_response", "2026-03-02")
    theirs = open_case(other_side(world), "2026-03-05")
    clock.set_global(at("2026-03-10"))
    return {"ours": ours, "theirs": theirs}


def listed(page: Page) -> set[int]:
    page.goto("/cases")
    expect(page.locator("#case-count")).to_be_visible()
    return {int(i) for i in page.locator("tr[data-case]").evaluate_all(
        "rows => rows.map(row => row.dataset.case)")}


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_sees_only_its_menu_and_its_cases(page: Page, world: World, cases: dict[str, Case],
                                                    role: str) -> None:
    user: User = getattr(world, role)
    sign_in(page, user)
    menu = set(page.locator("[data-nav]").evaluate_all("links => links.map(link => link.dataset.nav)"))
    assert menu == MENUS[role.removeprefix("other_")], menu
    assert listed(page) == {cases[name].id for name in SEES[role]}
    hidden = set(cases) - SEES[role]
    for name in hidden:  # a case one may not see is not found, not forbidden: its existence is not told
        answer = page.goto(f"/cases/{cases[name].id}")
        assert answer is not None and answer.status == 404
    if role in ("union", "employer", "instructor"):
        answer = page.goto("/dashboard")
        assert answer is not None and answer.status in (403, 404)


def api_total(page: Page, user: User, query: str) -> int:
    """The `total` the JSON API answers `user` for the case list `query`, over HTTP with a bearer token."""
    signed = page.request.post("/api/v1/auth/tokens",
                               data={"username": user.username, "password": "pw-" + user.username})
    assert signed.ok, signed.text()
    token = signed.json()["token"]
    answer = page.request.get(f"/api/v1/cases?{query}", headers={"Authorization": f"Bearer {token}"})
    assert answer.ok, answer.text()
    return int(answer.json()["total"])


def test_the_dashboards_overdue_count_is_the_apis(page: Page, world: World) -> None:
    late = [open_case(world, day) for day in ("2026-03-02", "2026-03-03")]
    for case in late:  # both wait for the enterprise's answer, 20 days after the proposal
        walk_until(case, world, "enterprise_response", "2026-03-04")
    on_time = open_case(world, "2026-04-20")
    walk_until(on_time, world, "enterprise_response", "2026-04-20")
    theirs = open_case(other_side(world), "2026-03-02")
    walk_until(theirs, other_side(world), "enterprise_response", "2026-03-02")
    clock.set_global(at("2026-04-25"))

    for supervisor, expected in ((world.supervisor, 2), (world.other_supervisor, 1)):
        page.context.clear_cookies()
        sign_in(page, supervisor)
        page.goto("/dashboard")
        shown = int(page.locator("#overdue-total").inner_text())
        assert shown == api_total(page, supervisor, "overdue=true") == expected
        rows = page.locator("#overdue-table tbody tr")
        expect(rows.first).to_be_visible()
        # The count links to the same cases in the list.
        drill = page.locator("#overdue-table a").first
        with page.expect_navigation():
            drill.click()
        expect(page).to_have_url(re.compile(r"/cases\?"))
        found = listed_here(page)
        assert found and found <= {c.id for c in (*late, theirs)}, found


def listed_here(page: Page) -> set[int]:
    return {int(i) for i in page.locator("tr[data-case]").evaluate_all("rows => rows.map(row => row.dataset.case)")}


@pytest.mark.parametrize(("role", "path"), [
    ("instructor", "/inbox"), ("union", "/cases"), ("union", "/cases/{ours}"), ("supervisor", "/dashboard"),
    ("supervisor", "/cases/new"), ("supervisor", "/notifications"),
])
def test_the_daily_pages_fit_a_phone_screen(phone: Page, world: World, cases: dict[str, Case], role: str,
                                            path: str) -> None:
    sign_in(phone, getattr(world, role))
    answer = phone.goto(path.format(ours=cases["ours"].id))
    assert answer is not None and answer.status == 200
    phone.wait_for_load_state("networkidle")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    expect(phone.locator("h1").first).to_be_visible()
