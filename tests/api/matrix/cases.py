"""Matrix entries: cases, their history, diagram, documents and comments."""

from __future__ import annotations

import io
from typing import Any

from . import ROLES, SEE_OWN, Entry, same

CASES = "/api/v1/cases"
# Parties act on their own case; admins see every case but never act on one; a foreign case is not found.
PARTIES_ACT = {"admin": (403, 403, 404), **dict.fromkeys(ROLES[1:], (201, 404, 404))}


def case_url(suffix: str = "") -> Any:
    return lambda mw, t: f"{CASES}/{mw.case_id(t)}{suffix}"


def upload_body(mw: Any, t: str) -> dict[str, Any]:
    return {"file": (io.BytesIO(b"%PDF-1.4 matrix"), "matrix.pdf", "application/pdf")}


ENTRIES = [
    Entry("cases.list_cases", "GET", lambda mw, t: CASES, dict.fromkeys(ROLES, same(200)),
          notes="everyone lists; the visibility clause decides which rows"),
    Entry("cases.open_case", "POST", lambda mw, t: CASES,
          {**dict.fromkeys(ROLES, same(403)), "supervisor": (201, 422, 422)},
          body=lambda mw, t: {"enterprise_ids": [mw.enterprise_id(t)]},
          notes="the role is checked first; a foreign enterprise is as unknown as a missing one (422)"),
    Entry("cases.get_case", "GET", case_url(), SEE_OWN),
    Entry("cases.cancel_case", "POST", case_url("/cancel"),
          {"admin": (403, 403, 404), "supervisor": (200, 404, 404),
           **dict.fromkeys(("instructor", "union_rep", "enterprise_rep"), (403, 404, 404))},
          body=lambda mw, t: {"reason": "matrix"}),
    Entry("cases.case_history", "GET", case_url("/history"), SEE_OWN),
    Entry("cases.case_diagram", "GET", case_url("/diagram"), SEE_OWN),
    Entry("cases.list_deadlines", "GET", case_url("/deadlines"), SEE_OWN),
    Entry("cases.extend_deadline", "POST", lambda mw, t: mw.deadline_url(t) + "/extend",
          {"admin": (403, 403, 404), "supervisor": (200, 404, 404),
           **dict.fromkeys(("instructor", "union_rep", "enterprise_rep"), (403, 404, 404))},
          body=lambda mw, t: {"days": 5, "reason": "matrix"},
          notes="the bureau extends; a reason is given, so any clock may be extended"),
    Entry("cases.list_documents", "GET", case_url("/documents"), SEE_OWN),
    Entry("cases.upload_document", "POST", case_url("/documents"), PARTIES_ACT, body=upload_body, multipart=True),
    Entry("cases.download_document", "GET", lambda mw, t: f"{CASES}/{mw.case_id(t)}/documents/{mw.document_id(t)}",
          {"admin": (200, 200, 404), **dict.fromkeys(ROLES[1:], (200, 404, 404))}),
    Entry("cases.list_comments", "GET", case_url("/comments"), SEE_OWN),
    Entry("cases.add_comment", "POST", case_url("/comments"), PARTIES_ACT, body=lambda mw, t: {"body": "matrix"}),
]
