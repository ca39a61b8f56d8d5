"""Matrix entries: wage guidelines, rule sets and the holiday table (everyone reads, admins write)."""

from typing import Any

from . import OK, ROLES, Entry, everyone, same

READ_ONE = everyone((OK, OK, 404))
ADMIN_WRITES = {"admin": same(OK), **dict.fromkeys(ROLES[1:], same(403))}


def _year(mw: Any, t: str) -> str:
    return f"/api/v1/guidelines/{mw.pick(t, 2026, 2026, 1999)}"


def _rule_set(mw: Any, t: str) -> str:
    return f"/api/v1/rule-sets/{mw.pick(t, 'national-2004', 'national-2004', 'no-such')}"


def _local(mw: Any, t: str) -> dict[str, Any]:
    return {"based_on": "national-2004", "title_en": "Local", "title_zh": "地方", "source": "地方条例"}


DAY = "/api/v1/holidays/2027-02-01"

ENTRIES = [
    Entry("reference.list_guidelines", "GET", lambda mw, t: "/api/v1/guidelines", everyone(same(OK))),
    Entry("reference.get_guideline", "GET", _year, READ_ONE),
    Entry("reference.put_guideline", "PUT", _year, ADMIN_WRITES,
          body=lambda mw, t: {"floor_pct": "3", "baseline_pct": "6", "upper_pct": "9"},
          notes="PUT creates a missing year"),
    Entry("reference.list_rule_sets", "GET", lambda mw, t: "/api/v1/rule-sets", everyone(same(OK))),
    Entry("reference.get_rule_set", "GET", _rule_set, READ_ONE),
    Entry("reference.put_rule_set", "PUT", _rule_set, ADMIN_WRITES, body=_local,
          notes="admin: a built-in name is 409, a new name is created"),
    Entry("reference.delete_rule_set", "DELETE", _rule_set,
          {"admin": (OK, OK, 404), **dict.fromkeys(ROLES[1:], same(403))},
          notes="admin: a built-in rule set is 409"),
    Entry("reference.list_holidays", "GET", lambda mw, t: "/api/v1/holidays?year=2027", everyone(same(OK))),
    Entry("reference.put_holiday", "PUT", lambda mw, t: DAY, ADMIN_WRITES,
          body=lambda mw, t: {"is_workday": False, "name": "春节"}),
    Entry("reference.delete_holiday", "DELETE", lambda mw, t: DAY,
          {"admin": same(404), **dict.fromkeys(ROLES[1:], same(403))},
          notes="the matrix world's holiday table is empty: admins get 404, everyone else 403 first"),
]
