"""The page language: Chinese unless the visitor chose English, and the choice is kept in the session.

Page strings are written as pairs, `{{ t('中文', 'English') }}`, until a Flask-Babel catalog replaces them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request, session
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import escape

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def current_lang() -> str:
    """The language of this request: `?lang=` (remembered from then on), else the session's, else Chinese."""
    asked = request.args.get("lang")
    if asked in LANGS:
        if session.get("lang") != asked:
            session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGS else DEFAULT_LANG


def translate(zh: str, en: str) -> str:
    """The string of the pair in this request's language (for views: form messages, flashes)."""
    return en if current_lang() == "en" else zh


@pass_context
def _t(context: Context, zh: str, en: str) -> str:
    # A page that passes its own `lang` (the overview) is rendered wholly in that language.
    return en if context.get("lang") == "en" else zh


class LazyText:
    """A string pair chosen when rendered, for messages declared before any request (form validators)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return translate(self.zh, self.en)

    def __mod__(self, values: Any) -> str:  # WTForms fills in %(max)d and the like
        return str(self) % values

    def __html__(self) -> str:
        return str(escape(str(self)))


def switch_url(lang: str) -> str:
    """This page in `lang`, its other query arguments (e.g. `next`) kept."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def template_context() -> dict[str, Any]:
    """Every page gets `lang`, `t(zh, en)` and `switch_url(lang)`."""
    return {"lang": current_lang(), "t": _t, "switch_url": switch_url}
