"""The admin pages through the test client: only administrators reach them; users and roles, wage
guidelines, holidays and rule sets are listed, created and changed; refused input is shown at its field
with a 422 and nothing saved (checked in the database); English and Chinese."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Holiday, StoredRuleSet, User, WageGuideline
from tests.conftest import World
from tests.webclient import Browser, error_at, hidden_input, text

PAGES = ["/admin", "/admin/users", "/admin/users/new", "/admin/guidelines", "/admin/guidelines/edit",
         "/admin/holidays", "/admin/holidays/import", "/admin/rule-sets", "/admin/rule-sets/national-2004",
         "/admin/rule-sets/new"]
NEW_PASSWORD = "a-long-enough-secret"


def signed_in(browser: Browser, user: User) -> Browser:
    assert browser.sign_in(user.username, "pw-" + user.username).status_code == 302
    return browser


@pytest.fixture
def admin(browser: Browser, world: World) -> Browser:
    return signed_in(browser, world.admin)




def post_form(browser: Browser, url: str, data: dict[str, Any], page: str | None = None, **kwargs: Any) -> Any:
    """Post `data` as the form on `page` (default: `url`) would, with its CSRF token."""
    token = hidden_input(browser.get(page or url).get_data(as_text=True), "csrf_token")
    return browser.post(url, data={"csrf_token": token, **data}, **kwargs)




def count(model: Any) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def user_named(username: str) -> User | None:
    db.session.rollback()
    return db.session.execute(select(User).where(User.username == username)).scalar()


# ---------------------------------------------------------------------------- who gets in
@pytest.mark.parametrize("role", ["supervisor", "instructor", "union", "employer"])
def test_other_roles_are_refused_every_admin_page(browser: Browser, world: World, role: str) -> None:
    signed_in(browser, getattr(world, role))
    for url in PAGES:
        assert browser.get(url).status_code == 403, url
    answer = browser.post("/admin/guidelines/edit", data={"csrf_token": browser.csrf_token("/account"),
                                                          "year": "2030", "floor_pct": "1", "baseline_pct": "2"})
    assert answer.status_code == 403
    assert count(WageGuideline) == 1
    assert "管理" not in [m for m in re.findall(r'data-nav="([^"]+)"', text(browser.get("/account")))
                        if m.startswith("admin")]


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser, world: World) -> None:
    for url in PAGES:
        answer = browser.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url


def test_the_index_links_each_section_with_its_count(admin: Browser, world: World) -> None:
    page = text(admin.get("/admin"))
    assert "用户与角色" in page and "共 8 个用户，其中 0 个已停用。" in page
    assert "共 1 个年度，最新为 2026 年。" in page
    for url in ("/admin/users", "/admin/guidelines", "/admin/holidays", "/admin/rule-sets"):
        assert f'href="{url}"' in page
    assert 'data-nav="admin_web.index"' in page


def test_the_pages_speak_english_when_asked(admin: Browser) -> None:
    page = text(admin.get("/admin?lang=en"))
    assert "Users and roles" in page and "8 users, 0 of them disabled." in page
    assert "Wage guidelines" in text(admin.get("/admin/guidelines"))  # the choice is kept
    page = text(post_form(admin, "/admin/users/new", {"username": "x", "role": "instructor"}))
    assert "Use 3 to 64 characters" in error_at(page, "username")


# ---------------------------------------------------------------------------- users
def test_users_are_listed_and_filtered_by_role_status_and_name(admin: Browser, world: World) -> None:
    page = text(admin.get("/admin/users"))
    assert "共找到 8 个用户。" in page
    assert all(f'data-username="{u}"' in page for u in ("admin", "sup1", "ins1", "union2"))
    page = text(admin.get("/admin/users?role=supervisor"))
    assert re.findall(r'data-username="([^"]+)"', page) == ["sup1", "sup2"]
    assert "和平区" in page
    page = text(admin.get("/admin/users?q=union"))
    assert re.findall(r'data-username="([^"]+)"', page) == ["union1", "union2"]
    world.other_union.active = False
    db.session.commit()
    assert re.findall(r'data-username="([^"]+)"', text(admin.get("/admin/users?active=false"))) == ["union2"]
    answer = admin.get("/admin/users?role=boss")
    assert answer.status_code == 422 and error_at(text(answer), "role")


def test_an_admin_creates_a_user_with_a_password_and_they_sign_in(admin: Browser, world: World,
                                                                  browser: Browser) -> None:
    answer = post_form(admin, "/admin/users/new", {
        "username": "sup9", "display_name": "新主管", "role": "supervisor", "password": NEW_PASSWORD,
        "district_ids": [str(world.district.id), str(world.other_district.id)], "email": "sup9@example.org"})
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert "用户 sup9 已创建。" in page and 'data-username="sup9"' in page and "新主管" in page
    user = user_named("sup9")
    assert user is not None and user.role == "supervisor" and {d.name for d in user.districts} == {"和平区", "沈河区"}
    fresh = Browser(admin.app)
    assert fresh.sign_in("sup9", NEW_PASSWORD).status_code == 302


def test_an_empty_password_gives_a_one_time_password_shown_once(admin: Browser, world: World) -> None:
    answer = post_form(admin, "/admin/users/new", {
        "username": "rep9", "role": "union_rep", "password": "", "enterprise_ids": world.enterprise.credit_code})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password"[^>]*value="([^"]+)"', text(answer)).group(1)  # type: ignore[union-attr]
    user = user_named("rep9")
    assert user is not None and [e.name for e in user.enterprises] == [world.enterprise.name]
    assert user.display_name == "rep9"
    assert Browser(admin.app).sign_in("rep9", password).status_code == 302
    assert password not in text(admin.get(f"/admin/users/{user.id}"))


def test_a_duplicate_user_name_is_refused_at_the_field(admin: Browser, world: World) -> None:
    answer = post_form(admin, "/admin/users/new", {"username": "ins1", "role": "instructor", "password": NEW_PASSWORD})
    assert answer.status_code == 422
    page = text(answer)
    assert "该用户名已被使用。" in error_at(page, "username")
    assert 'value="ins1"' in page  # what was typed is kept
    assert count(User) == 8


def test_a_user_form_with_errors_saves_nothing(admin: Browser, world: World) -> None:
    answer = post_form(admin, "/admin/users/new", {
        "username": "Bad Name", "role": "supervisor", "password": "short", "email": "nope", "max_caseload": "x"})
    assert answer.status_code == 422
    page = text(answer)
    assert "未保存任何内容" in page
    assert error_at(page, "username")
    assert "不是有效的整数" in error_at(page, "max_caseload")
    answer = post_form(admin, "/admin/users/new", {
        "username": "sup9", "role": "supervisor", "password": "short", "email": "nope"})
    page = text(answer)
    assert answer.status_code == 422
    assert "至少使用 10 个字符" in error_at(page, "password")
    assert "电子邮箱" in error_at(page, "email")
    assert "至少需要一个辖区" in error_at(page, "district_ids")
    answer = post_form(admin, "/admin/users/new", {
        "username": "rep9", "role": "enterprise_rep", "password": NEW_PASSWORD, "enterprise_ids": "NOSUCHCODE"})
    assert answer.status_code == 422 and "NOSUCHCODE" in error_at(text(answer), "enterprise_ids")
    assert count(User) == 8 and user_named("sup9") is None and user_named("rep9") is None


def test_an_admin_edits_role_and_bindings(admin: Browser, world: World) -> None:
    url = f"/admin/users/{world.other_instructor.id}"
    page = text(admin.get(url))
    assert 'name="username"' not in page  # the user name is not editable
    answer = post_form(admin, url, {"display_name": "王主管", "role": "supervisor",
                                    "district_ids": [str(world.other_district.id)]})
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert "用户 ins2 已保存。" in page and "王主管" in page and "沈河区" in page
    user = user_named("ins2")
    assert user is not None and user.role == "supervisor" and [d.name for d in user.districts] == ["沈河区"]
    answer = post_form(admin, f"/admin/users/{world.instructor.id}", {
        "display_name": "ins1", "role": "instructor", "industries": ["C", "G"], "max_caseload": "5000"})
    assert answer.status_code == 422 and error_at(text(answer), "max_caseload")
    # The form's types are checked first, then the rules that need the database.
    answer = post_form(admin, f"/admin/users/{world.instructor.id}", {
        "display_name": "ins1", "role": "instructor", "industries": ["C", "Z"], "max_caseload": "12"})
    assert answer.status_code == 422 and "Z" in error_at(text(answer), "industries")
    user = user_named("ins1")
    assert user is not None and user.industries == [] and user.max_caseload is None
    answer = post_form(admin, f"/admin/users/{world.instructor.id}", {
        "display_name": "ins1", "role": "instructor", "industries": ["C", "G"], "max_caseload": "12"})
    assert answer.status_code == 302
    user = user_named("ins1")
    assert user is not None and user.industries == ["C", "G"] and user.max_caseload == 12


def test_an_admin_disables_and_enables_a_user_but_not_themselves(admin: Browser, world: World) -> None:
    url = f"/admin/users/{world.union.id}"
    answer = post_form(admin, url + "/active", {"active": "0"}, page=url)
    assert answer.status_code == 302
    assert "已停用" in text(admin.get(answer.headers["Location"]))
    assert user_named("union1").active is False  # type: ignore[union-attr]
    assert Browser(admin.app).sign_in("union1", "pw-union1").status_code == 401
    assert 'data-username="union1"' in text(admin.get("/admin/users?active=false"))
    assert post_form(admin, url + "/active", {"active": "1"}, page=url).status_code == 302
    assert user_named("union1").active is True  # type: ignore[union-attr]

    mine = f"/admin/users/{world.admin.id}"
    answer = post_form(admin, mine + "/active", {"active": "0"}, page=mine)
    assert answer.status_code == 422
    assert "不能停用自己的账号" in text(answer)
    assert user_named("admin").active is True  # type: ignore[union-attr]
    answer = post_form(admin, mine, {"display_name": "admin", "role": "supervisor",
                                     "district_ids": [str(world.district.id)]})
    assert answer.status_code == 422 and "不能更改自己的角色" in error_at(text(answer), "role")
    assert user_named("admin").role == "admin"  # type: ignore[union-attr]


def test_a_password_reset_shows_a_new_one_time_password(admin: Browser, world: World) -> None:
    url = f"/admin/users/{world.employer.id}"
    answer = post_form(admin, url + "/password", {}, page=url)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password"[^>]*value="([^"]+)"', text(answer)).group(1)  # type: ignore[union-attr]
    assert Browser(admin.app).sign_in("employer1", "pw-employer1").status_code == 401
    assert Browser(admin.app).sign_in("employer1", password).status_code == 302


# ---------------------------------------------------------------------------- wage guidelines
def test_an_admin_sets_a_new_year_and_edits_one(admin: Browser) -> None:
    answer = post_form(admin, "/admin/guidelines/edit", {"year": "2027", "floor_pct": "3.5", "baseline_pct": "6",
                                                         "upper_pct": "", "published_on": "2027-03-01"})
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert "2027 年工资指导线已保存。" in page
    assert re.search(r'data-year="2027">.*?3\.50%.*?6\.00%.*?—', page, re.S)
    assert re.findall(r'data-year="(\d+)"', page) == ["2027", "2026"]
    page = text(admin.get("/admin/guidelines/edit?year=2026"))
    assert 'value="6.00"' in page and 'value="2026"' in page
    assert post_form(admin, "/admin/guidelines/edit", {"year": "2026", "floor_pct": "3", "baseline_pct": "5",
                                                       "upper_pct": "8"}).status_code == 302
    db.session.rollback()
    row = db.session.execute(select(WageGuideline).where(WageGuideline.year == 2026)).scalar_one()
    assert (row.baseline_pct, row.upper_pct) == (Decimal("5.00"), Decimal("8.00"))


def test_crossing_lines_and_bad_numbers_are_refused_at_the_fields(admin: Browser) -> None:
    answer = post_form(admin, "/admin/guidelines/edit", {"year": "2027", "floor_pct": "5", "baseline_pct": "4",
                                                         "upper_pct": "3"})
    assert answer.status_code == 422
    page = text(answer)
    assert "5" in error_at(page, "baseline_pct") and error_at(page, "upper_pct")
    answer = post_form(admin, "/admin/guidelines/edit", {"year": "1800", "floor_pct": "abc", "baseline_pct": "4.123",
                                                         "upper_pct": "101", "published_on": "tomorrow"})
    page = text(answer)
    assert answer.status_code == 422
    assert "不是有效的数字" in error_at(page, "floor_pct")
    assert "最多两位小数" in error_at(page, "baseline_pct")
    assert "0 至 100" in error_at(page, "upper_pct")
    assert "不是有效的日期" in error_at(page, "published_on")
    answer = post_form(admin, "/admin/guidelines/edit", {"year": "1800", "floor_pct": "1", "baseline_pct": "2"})
    assert answer.status_code == 422 and "1990 至 2100" in error_at(text(answer), "year")
    assert count(WageGuideline) == 1


# ---------------------------------------------------------------------------- holidays
def test_an_admin_adds_and_removes_a_day(admin: Browser) -> None:
    answer = post_form(admin, "/admin/holidays", {"day": "2031-10-01", "kind": "off", "name": "国庆节"},
                       page="/admin/holidays")
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert "2031-10-01 已保存到节假日表。" in page and 'data-day="2031-10-01"' in page and "国庆节" in page
    assert "内置日历不含 2031 年" in page
    db.session.rollback()
    assert db.session.get(Holiday, date(2031, 10, 1)).is_workday is False  # type: ignore[union-attr]
    answer = post_form(admin, "/admin/holidays/2031-10-01/remove", {}, page="/admin/holidays?year=2031")
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert 'data-day="2031-10-01"' not in page and "表中没有 2031 年的条目。" in page
    assert count(Holiday) == 0
    assert post_form(admin, "/admin/holidays/2031-10-02/remove", {}, page="/admin/holidays").status_code == 404


def test_a_day_with_errors_is_refused_at_the_fields(admin: Browser) -> None:
    answer = post_form(admin, "/admin/holidays", {"day": "2031-02-30", "kind": "", "name": "x" * 81},
                       page="/admin/holidays")
    assert answer.status_code == 422
    page = text(answer)
    assert "不是有效的日期" in error_at(page, "day")
    assert "请选择休息日或上班日" in error_at(page, "kind")
    assert error_at(page, "name")
    assert count(Holiday) == 0


CSV = "日期,类型,名称\n2031-01-01,休,元旦\n2031/1/4,班,元旦\n"


def test_a_csv_import_is_previewed_then_saved(admin: Browser) -> None:
    answer = post_form(admin, "/admin/holidays/import", {"file": (_bytes(CSV), "2031.csv")},
                       content_type="multipart/form-data")
    assert answer.status_code == 200
    page = text(answer)
    assert "2031 年：休息日 1 天，调休上班日 1 天；新增 2 天" in page and "尚未保存" in page
    assert count(Holiday) == 0
    content = hidden_input(page, "content")
    answer = post_form(admin, "/admin/holidays/import", {"content": content, "filename": "2031.csv"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("year=2031")
    page = text(admin.get(answer.headers["Location"]))
    assert "已导入 2031.csv：新增 2 天，更新 0 天。" in page
    assert 'data-day="2031-01-01"' in page and 'data-day="2031-01-04"' in page
    assert count(Holiday) == 2


def test_a_bad_csv_shows_every_line_at_the_file_field_and_saves_nothing(admin: Browser) -> None:
    bad = "date,kind,name\n2031-13-01,休,x\n2031-01-02,maybe,y\n"
    answer = post_form(admin, "/admin/holidays/import", {"file": (_bytes(bad), "bad.csv")},
                       content_type="multipart/form-data")
    assert answer.status_code == 422
    problems = error_at(text(answer), "file")
    assert "line 2" in problems and "line 3" in problems
    answer = post_form(admin, "/admin/holidays/import", {})
    assert answer.status_code == 422 and "请选择 CSV 文件" in error_at(text(answer), "file")
    assert count(Holiday) == 0


def _bytes(content: str) -> Any:
    import io

    return io.BytesIO(content.encode("utf-8"))


# ---------------------------------------------------------------------------- rule sets
def rule_set_form(admin: Browser, url: str = "/admin/rule-sets/new") -> dict[str, Any]:
    """Every field of the rule-set form as the page fills it (a browser would send these)."""
    page = admin.get(url).get_data(as_text=True)
    form = page[page.index('id="rule-set-form"'):]
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "1"
            continue
        data[name.group(1)] = unescape(re.search(r'value="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        data[name] = re.search(r'<option value="([^"]*)" selected', body).group(1)  # type: ignore[union-attr]
    return data


def test_rule_sets_are_listed_and_a_built_in_one_reads_plainly(admin: Browser) -> None:
    page = text(admin.get("/admin/rule-sets"))
    assert 'data-name="national-2004"' in page and "内置" in page
    page = text(admin.get("/admin/rule-sets/national-2004"))
    assert re.search(r'data-clock="response">.*?书面回应.*?20 日.*?收到协商要约书', page, re.S)
    assert "内置规则集不能修改或删除" in page
    assert "/admin/rule-sets/national-2004/delete" not in page
    assert admin.get("/admin/rule-sets/no-such").status_code == 404


def test_an_admin_creates_edits_and_deletes_a_local_rule_set(admin: Browser) -> None:
    data = rule_set_form(admin)
    data.update({"name": "shenyang-2026", "title_zh": "沈阳规则", "title_en": "Shenyang rules",
                 "clocks.response.amount": "15", "clocks.response.unit": "working_days", "team_max": "10"})
    answer = post_form(admin, "/admin/rule-sets/new", data)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/rule-sets/shenyang-2026")
    page = text(admin.get(answer.headers["Location"]))
    assert "规则集 shenyang-2026 已保存。" in page and "沈阳规则" in page
    assert re.search(r'data-clock="response">.*?15 个工作日', page, re.S) and "3 至 10 人" in page
    assert 'data-name="shenyang-2026"' in text(admin.get("/admin/rule-sets"))

    data = rule_set_form(admin, "/admin/rule-sets/shenyang-2026/edit")
    assert data["clocks.response.amount"] == "15"
    data.update({"clocks.review.amount": "20", "team_max": ""})
    answer = post_form(admin, "/admin/rule-sets/shenyang-2026/edit", data)
    assert answer.status_code == 302
    db.session.rollback()
    stored = db.session.execute(select(StoredRuleSet)).scalar_one()
    assert stored.definition["clocks"]["review"]["amount"] == 20 and stored.definition["team_max"] is None

    answer = post_form(admin, "/admin/rule-sets/shenyang-2026/delete", {}, page="/admin/rule-sets/shenyang-2026")
    assert answer.status_code == 302
    assert "规则集 shenyang-2026 已删除。" in text(admin.get(answer.headers["Location"]))
    assert count(StoredRuleSet) == 0


def test_a_rule_set_form_with_errors_saves_nothing(admin: Browser) -> None:
    data = rule_set_form(admin)
    data.update({"name": "Bad Name", "clocks.response.amount": "abc", "clocks.talks_start.amount": "400",
                 "quorum_fraction": "3/2", "term_months_min": "40", "term_months_max": "20", "title_zh": ""})
    del data["clocks.review.enabled"]
    answer = post_form(admin, "/admin/rule-sets/new", data)
    assert answer.status_code == 422
    page = text(answer)
    assert "不是有效的整数" in error_at(page, "clocks.response.amount")
    assert error_at(page, "title_zh")
    data.update({"clocks.response.amount": "20", "title_zh": "规则"})
    page = text(post_form(admin, "/admin/rule-sets/new", data))
    assert "小写字母" in error_at(page, "name")
    assert "0 至 250 个工作日" in error_at(page, "clocks.talks_start.amount")  # talks_start counts working days
    assert "不能关闭" in error_at(page, "clocks.review.enabled")
    assert "大于 0 且不超过 1" in error_at(page, "quorum_fraction")
    assert error_at(page, "term_months_max")
    data.update({"name": "national-2004"})
    assert "已有同名规则集" in error_at(text(post_form(admin, "/admin/rule-sets/new", data)), "name")
    assert count(StoredRuleSet) == 0


def test_a_built_in_rule_set_cannot_be_deleted_or_edited(admin: Browser) -> None:
    answer = post_form(admin, "/admin/rule-sets/national-2004/delete", {}, page="/admin/rule-sets")
    assert answer.status_code == 409
    assert "national-2004 is built in and cannot be deleted" in text(answer) or "内置" in text(answer)
    assert 'id="error-page"' in text(answer)
    assert admin.get("/admin/rule-sets/national-2004/edit").status_code == 404
    assert 'data-name="national-2004"' in text(admin.get("/admin/rule-sets"))


def test_a_rule_set_in_use_is_not_deleted(admin: Browser, world: World) -> None:
    data = rule_set_form(admin)
    data.update({"name": "local-1"})
    assert post_form(admin, "/admin/rule-sets/new", data).status_code == 302
    from tests.helpers import open_case

    case = open_case(world)
    db.session.execute(Case.__table__.update().where(Case.id == case.id).values(rule_set="local-1"))
    db.session.commit()
    answer = post_form(admin, "/admin/rule-sets/local-1/delete", {}, page="/admin/rule-sets/local-1")
    assert answer.status_code == 409 and "local-1" in text(answer)
    assert count(StoredRuleSet) == 1
