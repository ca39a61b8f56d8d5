"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters, the last a check digit."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0-30; no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters: 31 - (weighted sum mod 31), with 31 read as 0."""
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        return f"A credit code has 18 characters, not {len(code)}."
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return f"Characters not allowed in a credit code: {''.join(bad)} (I, O, S, V and Z are never used)."
    if check_character(code[:17]) != code[17]:
        return f"The check character should be {check_character(code[:17])}, not {code[17]}: mistyped code?"
    return None


def normalise(code: str) -> str:
    """Upper case without surrounding spaces: the form codes are stored and compared in."""
    return (code or "").strip().upper()
