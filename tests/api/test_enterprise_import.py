"""POST /api/v1/enterprises/import: the registry from a file, checked (the default) or saved."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Enterprise, User
from tests.conftest import World
from tests.enterprises import ZH, code, csv_bytes, wrong_check, xlsx, zip_bomb

from .conftest import ApiClient

URL = "/api/v1/enterprises/import"
ROWS = [[code(1), "华信精密机械有限公司", "和平区", "制造业", 250, 80, "是", "私营"],
        [code(2), "和平区第一幼儿园", "210102", "P", 12, 11, "否", None]]


def post(api: ApiClient, user: User, name: str, content: bytes, dry_run: str | None = None) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(content), name)}
    if dry_run is not None:
        data["dry_run"] = dry_run
    return api.post(URL, as_=user, data=data, content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Enterprise))


def test_a_dry_run_is_the_default_and_saves_nothing(api: ApiClient, world: World) -> None:
    response = post(api, world.admin, "名录.xlsx", xlsx(ROWS))
    assert response.status_code == 200, response.json
    body = response.json
    assert {k: body[k] for k in ("file", "format", "dry_run", "saved", "rows", "created", "updated", "unchanged",
                                 "errors", "warnings")} == {
        "file": "名录.xlsx", "format": "xlsx", "dry_run": True, "saved": False, "rows": 2, "created": 2,
        "updated": 0, "unchanged": 0, "errors": [], "warnings": []}
    assert count() == 2


def test_an_import_saves_the_rows_and_is_audited_as_the_caller(api: ApiClient, world: World) -> None:
    response = post(api, world.supervisor, "名录.csv", csv_bytes(ROWS), dry_run="false")
    assert response.status_code == 200, response.json
    assert (response.json["saved"], response.json["created"]) == (True, 2)
    names = set(db.session.scalars(select(Enterprise.name).where(Enterprise.credit_code.in_([code(1), code(2)]))))
    assert names == {"华信精密机械有限公司", "和平区第一幼儿园"}
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "enterprises_imported")).scalar_one()
    assert event.actor == "sup1" and event.payload["sha256"] == response.json["sha256"]
    again = post(api, world.supervisor, "名录.csv", csv_bytes(ROWS), dry_run="false")
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 2)


def test_row_errors_answer_422_with_the_report_and_save_nothing(api: ApiClient, world: World) -> None:
    rows = [ROWS[0], [wrong_check(code(2)), "乙公司", "沈河区", "C", "很多", 1, "是", None]]
    response = post(api, world.supervisor, "名录.xlsx", xlsx(rows), dry_run="false")
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "invalid" and body["errors"] == {"file": ["3 errors in the rows; see the report."]}
    assert [(e["row"], e["column"], e["field"]) for e in body["report"]["errors"]] == [
        (3, "统一社会信用代码", "credit_code"), (3, "所属区", "district"), (3, "职工人数", "employees")]
    assert body["report"]["saved"] is False and count() == 2
    checked = post(api, world.supervisor, "名录.xlsx", xlsx(rows))  # a dry run reports the same errors, 200
    assert checked.status_code == 200 and len(checked.json["errors"]) == 3


@pytest.mark.parametrize(("name", "content", "says"), [
    ("名录.xlsx", lambda: b"%PDF-1.4 minutes of the meeting", "it is a PDF document"),
    ("名录.xlsx", lambda: zip_bomb(150), "zip bomb"),
    ("名录.docx", lambda: b"whatever", "only Excel workbooks (.xlsx) and CSV files (.csv)"),
], ids=["pdf", "zip-bomb", "docx"])
def test_a_refused_file_answers_422_with_the_reason(api: ApiClient, world: World, name: str,
                                                    content: Callable[[], bytes], says: str) -> None:
    response = post(api, world.admin, name, content(), dry_run="false")
    assert response.status_code == 422
    assert says in response.json["errors"]["file"][0]
    assert count() == 2


def test_a_file_above_the_limit_answers_413(app: Flask, api: ApiClient, world: World,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    content = csv_bytes(ROWS, header=ZH)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    response = post(api, world.admin, "名录.csv", content)
    assert response.status_code == 413
    assert "larger than" in response.json["errors"]["file"][0]


def test_who_is_neither_admin_nor_supervisor_is_refused_before_the_file_is_read(api: ApiClient,
                                                                                world: World) -> None:
    response = post(api, world.instructor, "名录.xlsx", b"%PDF not read")
    assert response.status_code == 403
