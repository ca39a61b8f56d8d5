"""Matrix entries: the enterprise registry."""

from typing import Any

from app.enterprises.credit_code import check_character

from . import OK, SEE_OWN, Entry, everyone, same


def _path(mw: Any, t: str) -> str:
    return f"/api/v1/enterprises/{mw.enterprise_id(t)}"


def _new(mw: Any, t: str) -> dict[str, Any]:
    """A new enterprise in the target's district (own: district 1, foreign: district 2, none: no district)."""
    w = mw.world
    first17 = mw.pick(t, "91210102MA0000001", "91210103MA0000002", "91210104MA0000003")
    return {"credit_code": first17 + check_character(first17), "name": f"新企业 {t}",
            "district_id": mw.pick(t, w.district.id, w.other_district.id), "industry": "C", "employees": 50}


ENTRIES = [
    Entry("enterprises.list_enterprises", "GET", lambda mw, t: "/api/v1/enterprises", everyone(same(OK)),
          notes="everyone lists; the visibility clause narrows the items"),
    Entry("enterprises.create_enterprise", "POST", lambda mw, t: "/api/v1/enterprises",
          {"admin": same(OK), "supervisor": (OK, 403, 403), "instructor": same(403), "union_rep": same(403),
           "enterprise_rep": same(403)}, body=_new,
          notes="admins anywhere (an unknown district is 422), supervisors in their own districts"),
    Entry("enterprises.get_enterprise", "GET", _path, SEE_OWN),
    Entry("enterprises.update_enterprise", "PATCH", _path,
          {"admin": (OK, OK, 404), "supervisor": (OK, 404, 404), "instructor": (403, 404, 404),
           "union_rep": (403, 404, 404), "enterprise_rep": (403, 404, 404)},
          body=lambda mw, t: {"employees": 130}, notes="who sees but may not edit gets 403"),
]
