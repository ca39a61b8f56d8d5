"""Each role's menu shows the pages it works with and no other; each lands on its own page after sign-in."""

from __future__ import annotations

import re

import pytest

from tests.conftest import World
from tests.webclient import Browser

EVERY_PAGE = {"/inbox", "/cases", "/dashboard", "/campaigns", "/notifications", "/admin"}
MENUS = {
    "admin": ({"/cases", "/dashboard", "/campaigns", "/notifications", "/admin"}, "/admin"),
    "sup1": ({"/inbox", "/cases", "/dashboard", "/campaigns", "/notifications"}, "/dashboard"),
    "ins1": ({"/inbox", "/cases", "/campaigns", "/notifications"}, "/inbox"),
    "union1": ({"/inbox", "/cases", "/notifications"}, "/inbox"),
    "employer1": ({"/inbox", "/cases", "/notifications"}, "/inbox"),
}


def menu_links(page: str) -> set[str]:
    return set(re.findall(r'<a href="([^"?]+)"[^>]*data-nav=', page))


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_role_sees_its_menu_and_lands_on_its_page(browser: Browser, world: World, username: str) -> None:
    expected, home = MENUS[username]
    signed_in = browser.sign_in(username, f"pw-{username}")
    assert browser.get(signed_in.headers["Location"]).headers.get("Location") == home
    page = browser.get(home)
    assert page.status_code == 200
    assert menu_links(page.get_data(as_text=True)) == expected


@pytest.mark.parametrize("username", sorted(MENUS))
def test_the_pages_left_out_of_a_menu_are_refused(browser: Browser, world: World, username: str) -> None:
    expected, _home = MENUS[username]
    browser.sign_in(username, f"pw-{username}")
    for path in sorted(EVERY_PAGE - expected):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "您无权打开此页面" in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser, world: World) -> None:
    for path in sorted(EVERY_PAGE):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
