"""The campaign pages, the launch with its progress, and the registry import's preview, through the test client."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.campaigns import launch
from app.enterprises import import_uploads
from app.extensions import db
from app.models import Campaign, Case, Enterprise, User
from tests.campaigns.helpers import new_campaign, ready_to_launch
from tests.conftest import World
from tests.enterprises import code, csv_bytes, wrong_check, xlsx
from tests.webclient import Browser, hidden_input, text
from workflows import clock

GOOD_ROWS = [[code(1), "华信精密机械有限公司", "和平区", "制造业", 250, 80, "是", "私营"],
             [code(2), "和平区第一幼儿园", "210102", "P", 12, 11, "否", None]]


@pytest.fixture(autouse=True)
def _uploads_and_launches(app: Flask, tmp_path: Any) -> Iterator[None]:
    """Kept uploads in the test's folder; launches run by the test itself unless a test starts the thread."""
    app.config["IMPORT_UPLOADS_DIR"] = str(tmp_path / "imports")
    app.config["CAMPAIGN_LAUNCH_IN_BACKGROUND"] = False
    yield
    app.config.pop("IMPORT_UPLOADS_DIR")
    app.config.pop("CAMPAIGN_LAUNCH_IN_BACKGROUND")


def signed_in(browser: Browser, user: User) -> Browser:
    response = browser.sign_in(user.username, "pw-" + user.username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return browser




def post_form(browser: Browser, url: str, form: dict[str, Any], page: str | None = None, **kwargs: Any) -> Any:
    """Post `form` with the CSRF token of `page` (default: the URL itself), as the page's form would."""
    token = hidden_input(text(browser.get(page or url)), "csrf_token")
    return browser.post(url, data={"csrf_token": token, **form}, **kwargs)


def campaigns() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Campaign))


def invalid_input(page: str, name: str) -> str:
    """The error message tied to input `name` (aria-invalid, aria-describedby), or fail."""
    ident = re.escape(name)
    found = re.search(rf'<(?:input|select|textarea|fieldset)[^>]*id="(?:f|group)-{ident}"[^>]*>', page)
    assert found, f"no input {name}"
    tag = found.group(0)
    assert 'aria-invalid="true"' in tag, f"{name} is not marked invalid: {tag}"
    message = re.search(rf'<p class="error" id="error-{re.escape(name)}">([^<]*)</p>', page)
    assert message and f"error-{name}" in tag, f"{name} has no message tied to it"
    return message.group(1)


# ---------------------------------------------------------------------------- list and permissions
@pytest.mark.parametrize(("role", "status", "may_create"), [
    ("admin", 200, True), ("supervisor", 200, True), ("instructor", 200, False), ("union", 403, False),
    ("employer", 403, False)])
def test_who_sees_the_campaigns_and_who_may_set_one_up(browser: Browser, world: World, role: str, status: int,
                                                       may_create: bool) -> None:
    new_campaign(world)
    signed_in(browser, getattr(world, role))
    response = browser.get("/campaigns?lang=en")
    assert response.status_code == status
    page = text(response)
    if status == 200:
        assert "2026年双合同月" in page and "Planning" in page
        assert ('id="new-campaign"' in page) is may_create
    else:
        assert "2026年双合同月" not in page


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser, world: World) -> None:
    response = browser.get("/campaigns")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_instructor_may_not_post_a_new_campaign(browser: Browser, world: World) -> None:
    signed_in(browser, world.instructor)
    response = post_form(browser, "/campaigns", {"new.name": "x", "new.year": "2026"}, page="/campaigns")
    assert response.status_code == 403
    assert campaigns() == 0


def test_a_new_campaign_with_errors_is_told_at_its_fields_and_not_saved(browser: Browser, world: World) -> None:
    signed_in(browser, world.supervisor)
    response = post_form(browser, "/campaigns?lang=en", {
        "new.name": "", "new.year": "2026", "new.starts_on": "2026-06-01", "new.ends_on": "2026-05-01",
        "new.targets.coverage_pct": "150"}, page="/campaigns?lang=en")
    assert response.status_code == 422
    page = text(response)
    assert invalid_input(page, "new.name")
    assert "0 to 100" in invalid_input(page, "new.targets.coverage_pct")
    assert 'value="150"' in page  # what was typed is kept
    assert campaigns() == 0
    # The service's own checks (after the schema's) land at their fields too.
    response = post_form(browser, "/campaigns?lang=en", {
        "new.name": "2026年双合同月", "new.year": "2026", "new.starts_on": "2026-06-01", "new.ends_on": "2026-05-01",
        "new.targets.coverage_pct": "95"}, page="/campaigns?lang=en")
    assert response.status_code == 422
    assert "cannot end before it starts" in invalid_input(text(response), "new.ends_on")
    assert campaigns() == 0


def test_a_new_campaign_is_set_up_and_its_page_shows_the_first_step(browser: Browser, world: World) -> None:
    signed_in(browser, world.supervisor)
    response = post_form(browser, "/campaigns", {
        "new.name": "2026年双合同月", "new.year": "2026", "new.starts_on": "2026-06-01", "new.ends_on": "2026-06-30",
        "new.targets.coverage_pct": "95", "new.targets.wage_coverage_pct": "87.5"})
    assert response.status_code == 303
    campaign = db.session.execute(select(Campaign)).scalar_one()
    assert campaign.targets == {"coverage_pct": 95.0, "wage_coverage_pct": 87.5}
    page = text(browser.get(response.headers["Location"] + "?lang=en"))
    assert 'id="step-plan_targets"' in page and "Complete: Plan the targets" in page
    assert "87.5" in page


# ---------------------------------------------------------------------------- steps
def test_a_step_with_errors_is_told_at_its_fields_and_the_campaign_does_not_move(browser: Browser,
                                                                                world: World) -> None:
    campaign = new_campaign(world)
    signed_in(browser, world.supervisor)
    url = f"/campaigns/{campaign.id}"
    response = post_form(browser, f"{url}/steps/plan_targets?lang=en", {
        "lock_version": str(campaign.lock_version), "plan_targets.targets.coverage_pct": "101"}, page=url)
    assert response.status_code == 422
    assert "0 to 100" in invalid_input(text(response), "plan_targets.targets.coverage_pct")
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).stage == "planning"


def test_the_planning_steps_are_taken_by_their_forms(browser: Browser, world: World) -> None:
    campaign = new_campaign(world)
    signed_in(browser, world.supervisor)
    url = f"/campaigns/{campaign.id}"

    def step(bpmn_id: str, form: dict[str, Any]) -> Any:
        db.session.rollback()
        version = db.session.get(Campaign, campaign.id).lock_version
        return post_form(browser, f"{url}/steps/{bpmn_id}", {"lock_version": str(version), **form}, page=url)

    assert step("plan_targets", {"plan_targets.targets.coverage_pct": "96"}).status_code == 303
    assert step("confirm_enterprises", {"confirm_enterprises.filters.district_ids": str(world.district.id),
                                        "confirm_enterprises.filters.has_union": "true"}).status_code == 303
    # An unticked confirmation is refused at its checkbox.
    refused = step("assign_instructors", {"assign_instructors.note": "x"})
    assert refused.status_code == 422
    assert invalid_input(text(refused), "assign_instructors.confirmed")
    assert step("assign_instructors", {"assign_instructors.confirmed": "on"}).status_code == 303
    db.session.rollback()
    done = db.session.get(Campaign, campaign.id)
    assert done.stage == "launch" and done.targets == {"coverage_pct": 96.0}
    assert done.launch_filters["district_ids"] == [world.district.id] and done.launch_filters["has_union"] is True


def test_a_stale_page_is_a_conflict(browser: Browser, world: World) -> None:
    campaign = new_campaign(world)
    signed_in(browser, world.supervisor)
    response = post_form(browser, f"/campaigns/{campaign.id}/steps/plan_targets", {
        "lock_version": str(campaign.lock_version - 1) if campaign.lock_version > 1 else "999",
        "plan_targets.targets.coverage_pct": "90"}, page=f"/campaigns/{campaign.id}")
    assert response.status_code == 409


def test_an_instructor_reads_the_campaign_without_forms(browser: Browser, world: World) -> None:
    campaign = new_campaign(world)
    signed_in(browser, world.instructor)
    page = text(browser.get(f"/campaigns/{campaign.id}?lang=en"))
    assert "Plan the targets" in page and "A supervisor of the bureau takes this step" in page
    assert "/steps/plan_targets" not in page and 'id="launch-form"' not in page


# ---------------------------------------------------------------------------- launch
def test_a_launch_starts_and_its_progress_fragment_polls_until_done(browser: Browser, world: World) -> None:
    campaign = ready_to_launch(world)
    signed_in(browser, world.admin)
    url = f"/campaigns/{campaign.id}"
    page = text(browser.get(url))
    assert 'id="launch-form"' in page
    response = post_form(browser, f"{url}/launch", {"launch.filters.district_ids": str(world.district.id)}, page=url)
    assert response.status_code == 303
    fragment = text(browser.get(f"{url}/launch/progress?lang=en", headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 1s"' in fragment and 'value="0" max="1"' in fragment
    assert "Launching: 0 of 1 cases opened." in fragment
    with clock.frozen_at(clock.now()):
        launch.run_launch(campaign.id)
    fragment = text(browser.get(f"{url}/launch/progress?lang=en", headers={"HX-Request": "true"}))
    assert "hx-trigger" not in fragment and 'value="1" max="1"' in fragment
    assert "The launch finished: 1 cases opened." in fragment
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.campaign_id == campaign.id)) == 1


def test_the_launch_runs_on_in_the_background(app: Flask, browser: Browser, world: World) -> None:
    campaign = ready_to_launch(world)
    app.config["CAMPAIGN_LAUNCH_IN_BACKGROUND"] = True
    signed_in(browser, world.admin)
    url = f"/campaigns/{campaign.id}"
    assert post_form(browser, f"{url}/launch", {}, page=url).status_code == 303
    deadline = time.monotonic() + 20
    fragment = ""
    while time.monotonic() < deadline:
        fragment = text(browser.get(f"{url}/launch/progress?lang=en", headers={"HX-Request": "true"}))
        if 'data-status="finished"' in fragment:
            break
        time.sleep(0.1)
    assert "The launch finished: 2 cases opened." in fragment


@pytest.mark.parametrize(("role", "status", "reason"), [
    ("admin", 409, "Plan the campaign first"),
    ("instructor", 403, "Administrators launch campaigns")])
def test_a_refused_launch_says_why(browser: Browser, world: World, role: str, status: int, reason: str) -> None:
    campaign = new_campaign(world)
    signed_in(browser, getattr(world, role))
    url = f"/campaigns/{campaign.id}"
    response = post_form(browser, f"{url}/launch?lang=en", {}, page=url)
    assert response.status_code == status
    assert reason in text(response)
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).launch_started_at is None


def test_a_launch_with_a_bad_filter_is_told_at_the_filter(browser: Browser, world: World) -> None:
    campaign = ready_to_launch(world)
    signed_in(browser, world.admin)
    url = f"/campaigns/{campaign.id}"
    response = post_form(browser, f"{url}/launch?lang=en", {"launch.filters.industries": "Z"}, page=url)
    assert response.status_code == 422
    assert "section letter" in invalid_input(text(response), "launch.filters.industries")
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).launch_started_at is None


# ---------------------------------------------------------------------------- registry import
def upload(browser: Browser, name: str, content: bytes, lang: str = "") -> Any:
    return post_form(browser, "/campaigns/import" + lang, {"file": (io.BytesIO(content), name)},
                     page="/campaigns/import", content_type="multipart/form-data")


def enterprises() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Enterprise))


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("supervisor", 200), ("instructor", 403),
                                               ("union", 403)])
def test_who_may_import(browser: Browser, world: World, role: str, status: int) -> None:
    signed_in(browser, getattr(world, role))
    assert browser.get("/campaigns/import").status_code == status


def test_a_file_with_errors_previews_its_row_errors_translated_and_saves_nothing(browser: Browser,
                                                                                world: World) -> None:
    signed_in(browser, world.admin)
    before = enterprises()
    bad = [GOOD_ROWS[0], [code(3), "东方商贸", "不存在区", "制造业", "很多", 3, "是", None],
           None, [wrong_check(code(4)), "乙公司", "和平区", "C", 10, 2, "也许", None]]
    response = upload(browser, "名录.xlsx", xlsx(bad))
    assert response.status_code == 422
    page = text(response)
    rows = re.findall(r'<tr><td class="n">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', page)
    assert [(r, c) for r, c, _ in rows] == [("3", "所属区"), ("3", "职工人数"), ("5", "统一社会信用代码"),
                                            ("5", "是否建立工会")]
    messages = " ".join(m for _, _, m in rows)
    assert "不存在区" in messages and "很多" in messages
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", messages), f"untranslated: {messages}"
    assert 'id="confirm-form"' not in page
    assert enterprises() == before


def test_a_clean_file_is_previewed_then_imported_on_confirmation(browser: Browser, world: World) -> None:
    signed_in(browser, world.admin)
    before = enterprises()
    response = upload(browser, "名录.csv", csv_bytes(GOOD_ROWS), "?lang=en")
    assert response.status_code == 200
    page = text(response)
    assert re.search(r'id="count-created">2<', page) and re.search(r'id="count-unchanged">0<', page)
    assert enterprises() == before  # the preview saved nothing
    token = hidden_input(page, "token")
    response = browser.post("/campaigns/import/confirm", data={"csrf_token": hidden_input(page, "csrf_token"),
                                                               "token": token})
    assert response.status_code == 303
    assert enterprises() == before + 2
    assert "2" in text(browser.get(response.headers["Location"] + "?lang=en")).split("imported:")[1][:20]
    # The kept file went with the import: confirming twice imports nothing twice.
    again = browser.post("/campaigns/import/confirm", data={"csrf_token": hidden_input(page, "csrf_token"),
                                                            "token": token})
    assert again.status_code == 422 and enterprises() == before + 2


def test_a_preview_is_confirmed_only_by_its_owner_before_it_expires(browser: Browser, app: Flask,
                                                                   world: World) -> None:
    signed_in(browser, world.admin)
    page = text(upload(browser, "名录.csv", csv_bytes(GOOD_ROWS)))
    token = hidden_input(page, "token")
    other = signed_in(Browser(app), world.supervisor)
    stolen = post_form(other, "/campaigns/import/confirm", {"token": token}, page="/campaigns/import")
    assert stolen.status_code == 422 and enterprises() == 2
    with clock.frozen_at(clock.now() + import_uploads.KEEP_FOR + timedelta(minutes=1)):
        late = browser.post("/campaigns/import/confirm", data={"csrf_token": hidden_input(page, "csrf_token"),
                                                               "token": token})
    assert late.status_code == 422 and enterprises() == 2


@pytest.mark.parametrize(("name", "content", "status", "says"), [
    ("名录.xlsx", b"just some text, not a workbook", 422, "not an Excel workbook"),
    ("名录.pdf", b"%PDF-1.4", 422, "only Excel workbooks (.xlsx) and CSV files"),
    ("名录.csv", b"", 422, "is empty")])
def test_a_refused_file_is_told_at_the_file_field(browser: Browser, world: World, name: str, content: bytes,
                                                  status: int, says: str) -> None:
    signed_in(browser, world.admin)
    response = upload(browser, name, content, "?lang=en")
    assert response.status_code == status
    assert says in invalid_input(text(response), "file")
    assert enterprises() == 2


def test_a_file_above_the_limit_is_refused_at_the_field(browser: Browser, app: Flask, world: World) -> None:
    signed_in(browser, world.admin)
    app.config["IMPORT_MAX_BYTES"], limit = 100, app.config["IMPORT_MAX_BYTES"]
    try:
        response = upload(browser, "名录.csv", csv_bytes(GOOD_ROWS * 5), "?lang=en")
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
    assert response.status_code == 413
    assert "larger than" in invalid_input(text(response), "file")
    assert enterprises() == 2
