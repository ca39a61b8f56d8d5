"""What a case document really is, read from its bytes (puremagic), never from its name or the browser's claim.

A case keeps the paper of a negotiation: PDF, Word and Excel files (old and new formats), scans (PNG, JPEG,
TIFF) and plain text. Anything else is refused, above all what a browser could run or render as a page
(HTML, SVG, scripts, executables), whatever it is named. The stored type is the detected one, so a download
is served as what the file is. A zip archive is a Word or Excel file only when its parts say so; the name's
extension only chooses between formats whose bytes are alike (an old-format .doc and .xls are both OLE files).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

import puremagic

from ..errors import Invalid
from ..i18n import N_

ALLOWED: dict[str, str] = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain; charset=utf-8",
}
# Bytes of one kind that several extensions share: an OLE file is .doc or .xls, an OOXML zip .docx or .xlsx.
SAME_BYTES = ({".doc", ".xls"}, {".jpg", ".jpeg", ".jfif"}, {".tif", ".tiff"})
OOXML_PARTS = {"word/": ".docx", "xl/": ".xlsx"}  # the folder of an Office Open XML package's main part
REFUSED = N_("Only PDF, Word, Excel, images (PNG, JPEG, TIFF) and plain text can be added: this file's content "
             "is none of them.")


def _candidates(content: bytes) -> list[str]:
    try:
        return [match.extension.lower() for match in puremagic.magic_string(content)]
    except puremagic.PureError:
        return []


def _plain_text(content: bytes) -> bool:
    """UTF-8 text with no control bytes and nothing a browser would take for markup."""
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = decoded[:1024].lstrip().lower()
    markup = head.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))
    return not markup and not any(ord(c) < 9 or 13 < ord(c) < 32 for c in decoded[:65536])


def _ooxml(content: bytes) -> str | None:
    """The extension of a Word or Excel package, from its parts' names (nothing is inflated); None otherwise."""
    try:
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for folder, kind in OOXML_PARTS.items() if any(n.startswith(folder) for n in names)), None)


def detect(content: bytes, filename: str) -> str:
    """The content type of an allowed document; Invalid at the field `file` for anything else."""
    if content.startswith(b"PK\x03\x04"):
        package = _ooxml(content)
        if package is None:
            raise _refused()
        return ALLOWED[package]
    named = PurePath(filename or "").suffix.lower()
    for found in _candidates(content):
        if found not in ALLOWED and not any(found in group for group in SAME_BYTES):
            continue
        alike = next((group for group in SAME_BYTES if found in group), {found})
        chosen = named if named in alike and named in ALLOWED else found
        if chosen in ALLOWED:
            return ALLOWED[chosen]
    if not _candidates(content) and _plain_text(content):
        return ALLOWED[".txt"]
    raise _refused()


def _refused() -> Invalid:
    return Invalid(N_("The file is not an accepted document."), {"file": [REFUSED]})
