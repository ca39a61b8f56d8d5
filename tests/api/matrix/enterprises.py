"""Matrix entries: the enterprise registry."""

import io
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


def _import_dry_run(mw: Any, t: str) -> dict[str, Any]:
    """A one-row CSV of a new enterprise in district 1, checked only (dry_run)."""
    first17 = "91210102MA0000009"
    row = f"{first17 + check_character(first17)},导入企业,{mw.world.district.name},C,10,是"
    csv = f"统一社会信用代码,企业名称,所属区,行业,职工人数,是否建立工会\n{row}\n"
    return {"file": (io.BytesIO(csv.encode()), "registry.csv", "text/csv"), "dry_run": "true"}


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
    Entry("enterprises.import_enterprises", "POST", lambda mw, t: "/api/v1/enterprises/import",
          {"admin": same(200), "supervisor": same(200), "instructor": same(403), "union_rep": same(403),
           "enterprise_rep": same(403)}, body=_import_dry_run, multipart=True,
          notes="a dry run of one row in district 1: admins and supervisors import, the others may not"),
]
