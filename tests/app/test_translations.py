"""The Chinese catalog is complete: every message marked in the code and the templates has its translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.i18n import TRANSLATIONS, compile_catalogs

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy": None, "N_": None}


def _marked() -> set[str]:
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, options_map={"app/templates/**.html": {}}):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add(f"{context}\x04{msgid}" if context else msgid)
    return found


def _catalog(lang: str) -> dict[str, object]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=lang)
    return {(f"{m.context}\x04{m.id if isinstance(m.id, str) else m.id[0]}" if m.context
             else (m.id if isinstance(m.id, str) else m.id[0])): m for m in catalog if m.id}


def test_every_marked_message_has_a_chinese_translation() -> None:
    catalog = _catalog("zh")
    marked = _marked()
    assert marked, "nothing extracted: the extraction itself is broken"
    missing = sorted(m for m in marked if m not in catalog)
    untranslated = sorted(k for k, m in catalog.items() if k in marked and (not m.string or m.fuzzy))
    assert not missing, f"not in the zh catalog (re-extract and translate): {missing[:20]}"
    assert not untranslated, f"no Chinese yet: {untranslated[:20]}"


def test_the_translations_keep_the_placeholders() -> None:
    """A translation that drops or renames %(name)s would fail when the page is drawn."""
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for key, message in _catalog("zh").items():
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(placeholder.findall(source)) == set(placeholder.findall(target)), key


def test_a_stale_catalog_is_compiled_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid "Inbox"\nmsgstr "待办"\n', encoding="utf-8")
    assert compile_catalogs(tmp_path) == [folder / "messages.mo"]
    assert compile_catalogs(tmp_path) == []  # up to date: not written again
    assert "待办".encode() in (folder / "messages.mo").read_bytes()
