"""Documents are stored once by content hash, belong to one case, and are audited."""

import hashlib
from pathlib import Path

import pytest
from flask import current_app

from app.cases import service
from app.documents.service import path_for, upload
from app.errors import Forbidden, Invalid, NotFound
from tests.conftest import at
from tests.helpers import complete, open_case
from tests.service.flows import events, form, snapshot_rows, task_rows, walk_until
from workflows import clock


def add(case, user, content, filename="要约书.pdf"):
    with clock.frozen_at(at("2026-03-04")):
        return upload(case.id, user, filename, content)


def test_an_upload_is_stored_under_its_hash_and_audited(world, request):
    """The bytes land in DOCUMENTS_DIR/<sha[:2]>/<sha>; the row keeps name, type, size and hash."""
    case = open_case(world)
    content = f"%PDF-1.4 工资集体协商要约书 {request.node.name}".encode()
    sha = hashlib.sha256(content).hexdigest()
    doc = add(case, world.union, content, filename="../../etc/要约书.pdf")

    assert path_for(sha) == Path(current_app.config["DOCUMENTS_DIR"], sha[:2], sha)
    assert path_for(sha).read_bytes() == content
    assert (doc.case_id, doc.sha256, doc.size, doc.filename, doc.content_type) == (
        case.id, sha, len(content), "要约书.pdf", "application/pdf")
    assert doc.uploaded_by_id == world.union.id
    [event] = events(case, "document_added")
    assert event.actor == "union1"
    assert event.payload == {"document_id": doc.id, "filename": "要约书.pdf", "sha256": sha, "size": len(content)}


def test_the_same_bytes_twice_make_two_rows_and_one_unchanged_file(world, request):
    """Content addressing: a second upload never rewrites the stored file."""
    case = open_case(world)
    content = f"%PDF-1.4 协商会议纪要 {request.node.name}".encode()
    first = add(case, world.union, content, filename="纪要.pdf")
    stored = path_for(first.sha256)
    stamp = stored.stat().st_mtime_ns
    second = add(case, world.employer, content, filename="纪要副本.pdf")

    assert first.id != second.id
    assert first.sha256 == second.sha256
    assert sorted(p.name for p in stored.parent.iterdir() if p.name.startswith(first.sha256)) == [first.sha256]
    assert stored.read_bytes() == content
    assert stored.stat().st_mtime_ns == stamp
    assert [e.payload["filename"] for e in events(case, "document_added")] == ["纪要.pdf", "纪要副本.pdf"]


def test_an_empty_file_is_refused_and_nothing_is_kept(world):
    """An empty upload answers 422 on the file field; no row, no audit event."""
    case = open_case(world)
    before = snapshot_rows()
    with pytest.raises(Invalid) as caught:
        add(case, world.union, b"")
    assert caught.value.errors == {"file": ["The file is empty."]}
    assert snapshot_rows() == before


def test_only_parties_bound_to_the_case_may_upload(world, request):
    """A foreign union does not see the case; an administrator sees it but adds nothing."""
    case = open_case(world)
    before = snapshot_rows()
    with pytest.raises(NotFound):
        add(case, world.other_union, request.node.name.encode())
    with pytest.raises(Forbidden):
        add(case, world.admin, request.node.name.encode())
    assert snapshot_rows() == before


def test_a_form_may_only_cite_a_document_of_its_own_case(world, request):
    """A proposal citing another case's document is refused on document_id; its own document is fine."""
    case = open_case(world, "2026-03-02")
    with clock.frozen_at(at("2026-03-02", 9)):
        foreign_case = service.open_case(enterprise_ids=[world.other_enterprise.id], actor=world.other_supervisor)
    foreign = add(foreign_case, world.other_union, f"他案文件 {request.node.name}".encode())
    own = add(case, world.union, f"本案要约书 {request.node.name}".encode())
    walk_until(case, world, "record_proposal", "2026-03-02")

    before = snapshot_rows()
    with pytest.raises(Invalid) as caught:
        complete(case, "record_proposal", world.instructor,
                 form("record_proposal", "2026-03-04", document_id=foreign.id), "2026-03-04")
    assert caught.value.errors == {"document_id": ["No such document in this case."]}
    assert snapshot_rows() == before

    complete(case, "record_proposal", world.instructor, form("record_proposal", "2026-03-04", document_id=own.id),
             "2026-03-04")
    assert task_rows(case, "record_proposal")[0].form_data["document_id"] == own.id


def _ooxml(part: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/workbook.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "filename", "stored_as"), [
    (b"%PDF-1.7 signed agreement", "协议.PDF", "application/pdf"),
    (b"%PDF-1.7 named wrongly", "协议.docx", "application/pdf"),  # the bytes decide, not the name
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "扫描件.png", "image/png"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "工资数据.xls", "application/vnd.ms-excel"),
    (_ooxml("xl"), "工资数据.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("会议纪要：双方同意增幅 6%。".encode(), "纪要.txt", "text/plain; charset=utf-8"),
])
def test_a_document_is_typed_by_its_content(world, content, filename, stored_as):
    doc = add(open_case(world), world.union, content, filename=filename)
    assert doc.content_type == stored_as


@pytest.mark.parametrize(("content", "filename"), [
    (b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "要约书.pdf"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "图.png"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 60, "纪要.docx"),
    (b"PK\x03\x04" + b"\0" * 40, "资料.xlsx"),  # a zip that is no workbook
    (b"\x00\x01\x02binary\x03", "纪要.txt"),
])
def test_content_that_is_no_accepted_document_is_refused_whatever_its_name(world, content, filename):
    case = open_case(world)
    before = snapshot_rows()
    with pytest.raises(Invalid) as refused:
        add(case, world.union, content, filename=filename)
    assert list(refused.value.errors) == ["file"]
    assert snapshot_rows() == before
    assert not path_for(hashlib.sha256(content).hexdigest()).exists()
