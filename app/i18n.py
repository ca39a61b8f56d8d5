"""The page language: Chinese unless the visitor chose English, kept in the session; Flask-Babel catalogs.

Messages are written in English in the code and the templates (`_('Sign in')`) and translated in
`app/translations/zh/LC_MESSAGES/messages.po`; English needs no translation. The Chinese catalog lives in
the folder `zh` (Babel names the locale zh_CN "zh_Hans_CN" and finds no folder called zh_CN), while
dates and numbers are formatted for zh_CN. The compiled `.mo` files are not kept in the repository: the
app compiles a catalog at start when its `.po` is newer.

Services raise errors with English messages marked by `N_()`, so that the catalog holds them and a page
can show them translated with `say()`; the API answers them as they are, in English, with stable codes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import Babel, gettext, lazy_gettext

from workflows import clock

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LOCALES = {"zh": "zh_CN", "en": "en"}
TRANSLATIONS = Path(__file__).parent / "translations"

log = logging.getLogger(__name__)
babel = Babel()

_ = gettext
lazy = lazy_gettext


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it here (it is shown later through `say`)."""
    return message


def say(message: str, **values: Any) -> str:
    """A message marked with `N_` in this request's language, `%(name)s` placeholders filled in."""
    return gettext(message, **values)


def current_lang() -> str:
    """The language of this request: `?lang=` (remembered from then on), else the session's, else Chinese."""
    asked = request.args.get("lang")
    if asked in LANGS:
        if session.get("lang") != asked:
            session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGS else DEFAULT_LANG


def switch_url(lang: str) -> str:
    """This page in `lang`, its other query arguments (e.g. `next`) kept."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def template_context() -> dict[str, Any]:
    """Every page gets `lang`, `html_lang` and `switch_url(lang)`; `_()` comes from Flask-Babel."""
    lang = current_lang()
    return {"lang": lang, "html_lang": "zh-CN" if lang == "zh" else "en", "switch_url": switch_url}


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to this app, its catalogs compiled when stale."""
    compile_catalogs()
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE", "Asia/Shanghai"))
    babel.init_app(app, locale_selector=lambda: LOCALES[current_lang()], default_locale="zh_CN",
                   default_translation_directories=str(TRANSLATIONS))
    app.context_processor(template_context)
    app.add_template_filter(clock.deadline_day, "deadline_day")


def compile_catalogs(folder: Path = TRANSLATIONS) -> list[Path]:
    """Write each catalog's `.mo` beside its `.po` when missing or older; the ones written are returned.

    A read-only install (a package built with its `.mo` files) keeps what it has; a stale catalog there
    is logged, not fatal: the pages fall back to English for the messages it lacks.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        try:
            with mo.open("wb") as target:
                write_mo(target, catalog)
        except OSError as error:
            log.warning("catalog %s not compiled: %s", po, error)
            continue
        written.append(mo)
    return written
