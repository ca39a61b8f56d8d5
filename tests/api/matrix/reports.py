"""Matrix entries: the campaign's KPIs and their XLSX form (the bureau and instructors; representatives 403)."""

from typing import Any

from . import MISSING_ID, OK, Entry, same

# Own and foreign: the report of everything in scope (it is narrowed, never refused); none: an unknown
# campaign, which is 422 for those who may see KPIs and still 403 for representatives.
VIEWERS = {"admin": same(OK), "supervisor": same(OK), "instructor": same(OK),
           "union_rep": same(403), "enterprise_rep": same(403)}


def _query(mw: Any, t: str) -> str:
    return f"?campaign_id={MISSING_ID}" if t == "none" else "?by=industry"


ENTRIES = [
    Entry("reports.get_kpis", "GET", lambda mw, t: "/api/v1/reports/kpis" + _query(mw, t), VIEWERS,
          notes="the visibility clause narrows the rows"),
    Entry("reports.export_kpis", "GET", lambda mw, t: "/api/v1/reports/kpis.xlsx" + _query(mw, t), VIEWERS),
]
