"""Signing in and out, and the language switch, in a real browser against the running app.

The form-level rules (throttling, CSRF, safe redirects) are covered without a browser in
tests/app/test_web_signin.py; these check what only a browser shows: cookies kept between pages, the
error tied to its field for assistive technology, focus order and the keyboard, the page on a phone.
Elements are found by id, role and label, so a change of layout does not break them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import sign_in, submit_sign_in
from tests.conftest import World

CHINESE = re.compile(r"^zh")
ENGLISH = re.compile(r"^en")
SIGN_OUT = re.compile(r"^\s*(退出登录|Sign out)\s*$")
LOGIN_PAGE = re.compile(r"/login(\?|$)")


def html_lang(page: Page) -> Locator:
    return page.locator("html")


@pytest.mark.parametrize("role", ["admin", "supervisor", "instructor", "union", "employer"])
def test_each_role_signs_in_and_sees_their_name(page: Page, world: World, role: str) -> None:
    user = getattr(world, role)
    sign_in(page, user)
    expect(page.locator("#signed-in-as")).to_have_text(user.display_name)
    page.goto("/account")
    expect(page.locator("#username")).to_have_text(user.username)


def test_a_wrong_password_is_told_at_the_field_and_signs_nobody_in(page: Page, world: World) -> None:
    submit_sign_in(page, world.supervisor.username, "not-the-password")
    expect(page).to_have_url(LOGIN_PAGE)
    password = page.locator("#password")
    # The message is the field's accessible description: a screen reader says it on the field itself.
    expect(password).to_have_accessible_description(re.compile("用户名或密码错误"))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    expect(page.locator("#username")).to_have_value(world.supervisor.username)
    expect(password).to_have_value("")
    expect(page.locator("#signed-in-as")).to_have_count(0)
    page.goto("/account")
    expect(page).to_have_url(LOGIN_PAGE)


def test_signing_out_ends_the_session(page: Page, world: World, url: Callable[[str], str]) -> None:
    sign_in(page, world.instructor)
    page.goto("/account")
    expect(page).to_have_url(url("/account"))
    with page.expect_navigation():
        page.get_by_role("button", name=SIGN_OUT).click()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("#signed-in-as")).to_have_count(0)
    page.goto("/account")
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("#signed-in-as")).to_have_count(0)


def test_the_language_switch_changes_the_page_to_english_and_back(page: Page) -> None:
    page.goto("/login")
    expect(html_lang(page)).to_have_attribute("lang", CHINESE)
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_label("用户名")).to_be_visible()

    page.locator("#lang-switch").click()
    expect(html_lang(page)).to_have_attribute("lang", ENGLISH)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()

    page.locator("#lang-switch").click()
    expect(html_lang(page)).to_have_attribute("lang", CHINESE)
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_label("用户名")).to_be_visible()


def test_the_chosen_language_is_kept_on_the_next_pages(page: Page, world: World) -> None:
    page.goto("/login")
    page.locator("#lang-switch").click()
    expect(html_lang(page)).to_have_attribute("lang", ENGLISH)
    sign_in(page, world.union)
    # Pages reached by plain links, with no language in their address, stay English.
    expect(html_lang(page)).to_have_attribute("lang", ENGLISH)
    page.locator("#signed-in-as").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(html_lang(page)).to_have_attribute("lang", ENGLISH)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def tab_to(page: Page, target: Locator, limit: int = 15) -> int:
    """Press Tab until `target` has the focus; the number of presses it took (fails past `limit`)."""
    for presses in range(limit + 1):
        if target.evaluate("element => element === document.activeElement"):
            return presses
        page.keyboard.press("Tab")
    pytest.fail(f"{target} was not reached with {limit} presses of Tab", pytrace=False)


def test_the_sign_in_page_works_with_the_keyboard_alone(page: Page, world: World) -> None:
    page.goto("/login")
    # Whether or not the page puts the focus in the first field, Tab must get there: start from no focus.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    username, password = page.locator("#username"), page.locator("#password")
    tab_to(page, username)
    page.keyboard.type(world.instructor.username)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type("pw-" + world.instructor.username)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#signed-in-as")).to_have_text(world.instructor.display_name)


def test_the_sign_in_page_fits_a_phone_screen(phone: Page, world: World) -> None:
    phone.goto("/login")
    width = phone.viewport_size["width"] if phone.viewport_size else 0
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the sign-in page scrolls sideways by {overflow}px on a {width}px wide phone"
    for control in (phone.locator("#username"), phone.locator("#password"),
                    phone.get_by_role("button", name="登录")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{control} is cut off: {box}"
    sign_in(phone, world.employer)
    phone.goto("/account")
    expect(phone.locator("#username")).to_have_text(world.employer.username)
