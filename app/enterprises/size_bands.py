"""Size bands of enterprises by employees: the one definition used by launch filters and the KPIs.

The bands follow the employee thresholds of the national statistical classification of enterprise
size for industry (统计上大中小微型企业划分办法（2017）, 工业: micro < 20, small 20-299, medium
300-999, large >= 1000). Other sectors use other thresholds there; one scale city-wide keeps the
campaign's figures comparable across industries.
"""

from __future__ import annotations

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from ..models import Enterprise

# (key, lowest employee count, Chinese label, English label), smallest first.
SIZE_BANDS: tuple[tuple[str, int, str, str], ...] = (
    ("micro", 0, "微型（20人以下）", "micro (under 20)"),
    ("small", 20, "小型（20-299人）", "small (20-299)"),
    ("medium", 300, "中型（300-999人）", "medium (300-999)"),
    ("large", 1000, "大型（1000人及以上）", "large (1,000 and more)"),
)
SIZE_BAND_KEYS: tuple[str, ...] = tuple(band[0] for band in SIZE_BANDS)


def size_band(employees: int) -> str:
    """The band of an enterprise with `employees` employees."""
    key = SIZE_BANDS[0][0]
    for band, lowest, _, _ in SIZE_BANDS:
        if employees >= lowest:
            key = band
    return key


def size_band_label(key: str, lang: str = "zh") -> str:
    """A band's name in `lang` ("zh" or "en")."""
    for band, _, zh, en in SIZE_BANDS:
        if band == key:
            return zh if lang == "zh" else en
    raise KeyError(key)


def size_band_column() -> ColumnElement[str]:
    """The band as a SQL expression on Enterprise.employees, for grouping and filtering in one query."""
    return case(*[(Enterprise.employees >= lowest, band) for band, lowest, _, _ in reversed(SIZE_BANDS[1:])],
                else_=SIZE_BANDS[0][0])
