"""The sections of GB/T 4754-2017 (国民经济行业分类): the one table of industry letters and their names.

An enterprise's `industry` is a section letter, A to T. Importers, reports and forms all name the
sections from here, so a summary form and a validation message never disagree on what "G" is.
"""

from __future__ import annotations

# (letter, Chinese name as in the standard, English name), in the standard's order.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    ("D", "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water production and supply"),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and post"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N", "水利、环境和公共设施管理业", "Water conservancy, environment and public facilities management"),
    ("O", "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T", "国际组织", "International organisations"),
)
SECTION_LETTERS: str = "".join(letter for letter, _, _ in SECTIONS)
_BY_LETTER = {letter: (zh, en) for letter, zh, en in SECTIONS}


def section_name(letter: str, lang: str = "zh") -> str:
    """A section's name in `lang` ("zh" or "en"); an unknown letter is shown as it is."""
    zh, en = _BY_LETTER.get(letter, (letter, letter))
    return zh if lang == "zh" else en

