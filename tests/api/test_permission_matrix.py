"""Every API endpoint × every role × (own, foreign, no object) answers the status the matrix expects."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from flask import Flask

from app.accounts import tokens
from app.cases import deadlines
from app.documents import service as documents
from app.extensions import db
from app.models import Case, CaseTask, Comment, User
from app.notifications.service import notify
from tests.conftest import World, make_user
from tests.helpers import open_case
from tests.service.flows import step, walk_until
from workflows import clock

from . import matrix
from .conftest import ApiClient
from .matrix import MISSING_ID, OK, ROLES, TARGETS, Entry

ENTRIES: list[Entry] = []
for info in pkgutil.iter_modules(matrix.__path__):
    ENTRIES.extend(importlib.import_module(f"{matrix.__name__}.{info.name}").ENTRIES)

SKIP_ENDPOINTS = {"static"}  # the app's own static files are not API endpoints


@dataclass
class MatrixWorld:
    """The world of `tests/api/matrix/__init__.py`, with the object ids entries address."""

    world: World
    case_a: Case
    case_b: Case
    doc_a: int = 0
    doc_b: int = 0
    comment_a: int = 0
    comment_b: int = 0
    # Notifications are per user, so "own" depends on who calls: `_call` sets `caller` before building the path.
    caller: str | None = None
    notification_own: dict[str, int] = field(default_factory=dict)
    notification_b: int = 0
    case_c: Case | None = None

    def user(self, role: str) -> User:
        w = self.world
        return {"admin": w.admin, "supervisor": w.supervisor, "instructor": w.instructor,
                "union_rep": w.union, "enterprise_rep": w.employer}[role]

    def pick(self, target: str, own: Any, foreign: Any, none: Any = MISSING_ID) -> Any:
        return {"own": own, "foreign": foreign, "none": none}[target]

    def case_id(self, target: str) -> int:
        return self.pick(target, self.case_a.id, self.case_b.id)

    def enterprise_id(self, target: str) -> int:
        return self.pick(target, self.world.enterprise.id, self.world.other_enterprise.id)

    def task_id(self, target: str, bpmn_id: str = "union_team") -> int:
        return self.pick(target, self._task(self.case_a, bpmn_id), self._task(self.case_b, bpmn_id))

    def document_id(self, target: str) -> int:
        return self.pick(target, self.doc_a, self.doc_b)

    def deadline_url(self, target: str) -> str:
        """A step's running deadline: own is in a third case of district 1, waiting for the written
        responses (made on first use, so only the entries that need it pay for it); foreign and none
        name a deadline that is not there, behind a case the caller may not see or that does not exist."""
        if target != "own":
            return f"/api/v1/cases/{self.case_id(target)}/deadlines/{uuid.uuid4()}"
        if self.case_c is None:
            self.case_c = open_case(self.world, "2026-03-02")
            walk_until(self.case_c, self.world, "enterprise_response", "2026-03-02")
        running = deadlines.list_deadlines(self.case_c.id, self.world.supervisor)
        timer = next(d["id"] for d in running if d["extendable"])
        return f"/api/v1/cases/{self.case_c.id}/deadlines/{timer}"

    def comment_id(self, target: str) -> int:
        return self.pick(target, self.comment_a, self.comment_b)

    def user_id(self, target: str) -> int:
        return self.pick(target, self.world.union.id, self.world.other_union.id)

    def notification_id(self, target: str) -> int:
        """The calling user's own notification; foreign: district 2's union rep's."""
        return self.pick(target, self.notification_own.get(self.caller or "", MISSING_ID), self.notification_b)

    @staticmethod
    def _task(case: Case, bpmn_id: str) -> int:
        return db.session.query(CaseTask.id).filter_by(case_id=case.id, bpmn_id=bpmn_id, state="ready").scalar()


@pytest.fixture
def mworld(world: World) -> MatrixWorld:
    a = open_case(world)
    walk_until(a, world, "union_team", "2026-03-02")
    b = _open_other(world)
    mw = MatrixWorld(world, a, b)
    mw.doc_a = documents.upload(a.id, world.union, "minutes.pdf", b"%PDF-1.4 a").id
    mw.doc_b = documents.upload(b.id, world.other_union, "minutes.pdf", b"%PDF-1.4 b").id
    ca = Comment(case_id=a.id, author_id=world.union.id, body="own", created_at=clock.now())
    cb = Comment(case_id=b.id, author_id=world.other_union.id, body="foreign", created_at=clock.now())
    db.session.add_all([ca, cb])
    db.session.commit()
    mw.comment_a, mw.comment_b = ca.id, cb.id
    own = {role: notify(mw.user(role), "matrix", "own", "own")[0] for role in ROLES}
    foreign = notify(world.other_union, "matrix", "foreign", "foreign")[0]
    db.session.commit()
    mw.notification_own, mw.notification_b = {role: n.id for role, n in own.items()}, foreign.id
    return mw


def _open_other(world: World) -> Case:
    """Case B: district 2's enterprise with its own supervisor, instructor and reps, at the same stage."""
    employer_b = make_user("employer2", "enterprise_rep", enterprises=[world.other_enterprise])
    db.session.commit()
    other = replace(world, enterprise=world.other_enterprise, supervisor=world.other_supervisor,
                    instructor=world.other_instructor, union=world.other_union, employer=employer_b)
    case = open_case(other)
    step(case, other, "assign_instructor", "2026-03-02", instructor=world.other_instructor.username)
    walk_until(case, other, "union_team", "2026-03-03")
    return case


def _call(api: ApiClient, entry: Entry, mw: MatrixWorld, role: str | None, target: str) -> int:
    mw.caller = role
    url = entry.path(mw, target)
    kwargs: dict[str, Any] = {}
    if entry.body is not None:
        body = entry.body(mw, target)
        if entry.multipart:
            kwargs["data"] = body
            kwargs["content_type"] = "multipart/form-data"
        else:
            kwargs["json"] = body
    # A fresh token per call: an entry may revoke the one it was called with.
    headers = {"Authorization": f"Bearer {tokens.issue(mw.user(role))[0]}"} if role else {}
    return api.request(entry.method, url, headers=headers, **kwargs).status_code


def _matches(expected: Any, status: int) -> bool:
    return status not in (401, 403, 404) and status < 500 if expected == OK else status == expected


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.method} {e.endpoint}")
@pytest.mark.parametrize("role", [*ROLES, None], ids=lambda r: r or "anonymous")
def test_matrix(api: ApiClient, mworld: MatrixWorld, entry: Entry, role: str | None) -> None:
    results = {}
    for index, target in reversed(list(enumerate(TARGETS))):  # own last: it may change state
        status = _call(api, entry, mworld, role, target)
        if role is None:
            expected: Any = OK if entry.public else 401
        else:
            expected = entry.expect[role][index]
        results[target] = (expected, status)
    wrong = {t: r for t, r in results.items() if not _matches(*r)}
    assert not wrong, f"{entry.method} {entry.endpoint} as {role or 'anonymous'}: (expected, got) {wrong}"


def test_every_api_endpoint_has_a_matrix_entry(app: Flask) -> None:
    covered = {(e.endpoint, e.method) for e in ENTRIES}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "endpoints without a permission-matrix entry:\n" + "\n".join(missing)


def test_every_entry_names_every_role() -> None:
    for entry in ENTRIES:
        assert set(entry.expect) == set(ROLES) or entry.public, entry.endpoint
