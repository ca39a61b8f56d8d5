"""Translate a message a service built with an f-string, by the English template it was built from.

Some services (the registry importer, the campaign checks) fill values into English messages before
anyone knows who will read them, and the API answers them as they are. A page recognises such a
message by its template (marked with `N_`, placeholders as `%(name)s`), translates the template and
fills in the same values; a value that is itself a known message (e.g. "a PDF document") is
translated too. A message no template matches is shown as it came, in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .i18n import say

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern[str]:
    parts, end = [], 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end:found.start()]))
        parts.append(f"(?P<{found.group(1)}>.+?)")
        end = found.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


class Patterns:
    """Templates in the order they are tried: put the more specific of two overlapping ones first."""

    def __init__(self, templates: Iterable[str], words: Iterable[str] = ()) -> None:
        self.templates = tuple(templates)
        self.words = frozenset(words)  # whole messages that may stand as a value inside another

    @property
    def compiled(self) -> list[tuple[str, re.Pattern[str]]]:
        return _compiled(self.templates)

    def translate(self, message: str) -> str:
        """`message` in the page's language when a template matches it, else as it is."""
        if message in self.words or message in self.templates:
            return say(message)
        for template, pattern in self.compiled:
            found = pattern.match(message)
            if found:
                values = {key: say(value) if value in self.words else value
                          for key, value in found.groupdict().items()}
                return say(template, **values)
        return message


@lru_cache(maxsize=16)
def _compiled(templates: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    return [(template, _pattern(template)) for template in templates]
