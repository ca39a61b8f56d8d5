"""A supervisor opens a case from the browser: by the enterprise's credit code, one enterprise or several of one
district, optionally into a campaign; every wrong entry is told at its field and opens nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Enterprise, User
from tests.conftest import World, make_enterprise
from tests.web.test_case_pages import signed_in
from tests.webclient import Browser, error_at, hidden_input, text

NEW = "/cases/new"


def post(browser: Browser, **form: str) -> Any:
    token = hidden_input(browser.get(NEW).get_data(as_text=True), "csrf_token")
    return browser.post(NEW, data={"csrf_token": token, "rule_set": "national-2004", **form})


def cases() -> list[Case]:
    db.session.rollback()
    return list(db.session.execute(select(Case).order_by(Case.id)).scalars())


def test_a_supervisor_opens_a_case_by_credit_code(browser: Browser, world: World) -> None:
    signed_in(browser, world.supervisor)
    listing = text(browser.get("/cases"))
    assert 'id="new-case"' in listing
    form = text(browser.get(NEW))
    # The first field suggests the enterprises of the supervisor's districts, never another district's.
    assert world.enterprise.credit_code in form and world.other_enterprise.credit_code not in form
    answer = post(browser, enterprise=world.enterprise.credit_code.lower() + " ", title="2026年度工资集体协商")
    assert answer.status_code == 302
    opened = cases()
    assert len(opened) == 1 and answer.headers["Location"].endswith(f"/cases/{opened[0].id}")
    assert [e.id for e in opened[0].enterprises] == [world.enterprise.id]
    assert opened[0].title == "2026年度工资集体协商" and opened[0].rule_set == "national-2004"
    page = text(browser.get(answer.headers["Location"]))
    assert f"案件 {opened[0].ref} 已立案。" in page
    # An enterprise with an open case is no longer suggested.
    assert world.enterprise.credit_code not in re.search(r"<datalist.*?</datalist>", text(browser.get(NEW)),
                                                         re.S).group(0)


def test_a_regional_case_covers_several_enterprises_of_one_district(browser: Browser, world: World) -> None:
    neighbour = make_enterprise("和平饭店", world.district, "9144030071526726XG")
    db.session.commit()
    signed_in(browser, world.supervisor)
    answer = post(browser, enterprise=world.enterprise.credit_code, more_enterprises=f"\n{neighbour.credit_code}\n")
    assert answer.status_code == 302
    assert sorted(e.id for e in cases()[0].enterprises) == sorted([world.enterprise.id, neighbour.id])


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"enterprise": ""}, "enterprise", "请填写企业的统一社会信用代码"),
    ({"enterprise": "91110000802100433B"}, "enterprise", "91110000802100433B"),  # another district's: unknown
    ({"enterprise": "914403001922038216", "more_enterprises": "91110000802100433B"}, "more_enterprises",
     "91110000802100433B"),
    ({"enterprise": "914403001922038216", "rule_set": "no-such-rules"}, "rule_set", ""),
    ({"enterprise": "914403001922038216", "title": "长" * 201}, "title", "200"),
])
def test_wrong_entries_are_told_at_their_field_and_open_nothing(browser: Browser, world: World,
                                                                 form: dict[str, str], field: str,
                                                                 message: str) -> None:
    signed_in(browser, world.supervisor)
    answer = post(browser, **form)
    assert answer.status_code == 422
    page = text(answer)
    assert message in error_at(page, field)
    assert 'id="form-errors"' in page
    for typed in form.values():
        if typed and len(typed) < 100:
            assert typed in page  # what was typed is shown again
    assert cases() == []


def test_enterprises_of_two_districts_make_no_case(browser: Browser, world: World) -> None:
    # A supervisor of both districts sees both enterprises, but one case belongs to one district's supervisors.
    both = User(username="sup3", display_name="sup3", role="supervisor", password_hash=world.supervisor.password_hash,
                active=True, created_at=world.supervisor.created_at,
                districts=[world.district, world.other_district])
    db.session.add(both)
    db.session.commit()
    assert browser.sign_in("sup3", "pw-sup1").status_code == 302
    answer = post(browser, enterprise=world.enterprise.credit_code, more_enterprises=world.other_enterprise.credit_code)
    assert answer.status_code == 422
    assert "同一区的企业" in error_at(text(answer), "enterprise")
    assert cases() == []


@pytest.mark.parametrize("role", ["instructor", "union", "employer", "admin"])
def test_only_supervisors_open_cases(browser: Browser, world: World, role: str) -> None:
    signed_in(browser, getattr(world, role))
    assert 'id="new-case"' not in text(browser.get("/cases"))
    assert browser.get(NEW).status_code == 403
    assert db.session.execute(select(func.count()).select_from(Enterprise)).scalar_one() == 2
