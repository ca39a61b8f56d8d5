"""Statutory clocks and team/vote rules grouped into named rule sets, kept as data so cases can pin them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from workflows.calendar import WEEKEND, ClockRule, DueDate

CLOCK_NAMES: tuple[str, ...] = (
    "response",
    "info_supply",
    "talks_start",
    "vacancy",
    "coordination",
    "coordination_extension",
    "filing",
    "filing_correction",
    "review",
    "publication",
    "renewal_window",
    "instructor_answer",
)


@dataclass(frozen=True)
class ClockLabel:
    """What a clock is and what starts it, in both languages; wording, not law, so it lives
    outside the rule sets and a case's snapshot."""

    title_en: str
    title_zh: str
    trigger_en: str
    trigger_zh: str
    # The computed day opens a window (the earliest day to act) instead of closing one.
    opens: bool = False


CLOCK_LABELS: Mapping[str, ClockLabel] = MappingProxyType(
    {
        "response": ClockLabel(
            "written response", "书面回应", "receipt of the written proposal", "收到协商要约书"
        ),
        "info_supply": ClockLabel(
            "supply of requested information", "提供协商资料", "start of the talks", "协商开始"
        ),
        "talks_start": ClockLabel("start of the talks", "开始协商", "the written response", "书面回应"),
        "vacancy": ClockLabel(
            "refilling a vacant representative seat",
            "补选协商代表",
            "the vacancy of a representative seat",
            "协商代表出缺",
        ),
        "coordination": ClockLabel(
            "coordination of the dispute",
            "协调处理争议",
            "acceptance of the coordination request",
            "受理协调处理申请",
        ),
        "coordination_extension": ClockLabel(
            "extended coordination",
            "延长协调处理期限",
            "expiry of the coordination period",
            "协调处理期限届满",
        ),
        "filing": ClockLabel(
            "filing with the labour bureau",
            "报送人社部门审查",
            "signature of the agreement",
            "协议签字",
        ),
        "filing_correction": ClockLabel(
            "completion of the filing",
            "补正报送材料",
            "notice of missing filing documents",
            "收到补正通知",
        ),
        "review": ClockLabel(
            "review by the labour bureau", "人社部门审查", "receipt of the filing", "收到报送文本"
        ),
        "publication": ClockLabel(
            "publication to all employees", "向全体职工公布", "entry into force of the agreement", "协议生效"
        ),
        "renewal_window": ClockLabel(
            "renewal window", "续签协商期", "expiry of the agreement", "协议期满", opens=True
        ),
        "instructor_answer": ClockLabel(
            "instructor's answer", "指导员答复", "assignment to the instructor", "指派指导员"
        ),
    }
)


# A clock the law lets the bureau extend once, and the clock that bounds the extension: the
# coordination period of 30 days may be extended once by at most 15 days (CCP 52).
EXTENSION_CLOCKS: Mapping[str, str] = MappingProxyType({"coordination": "coordination_extension"})


class UnknownRuleSet(KeyError):
    """Raised for a rule-set name that is not built in; a KeyError so mapping-style callers work."""


def _fraction(value: Fraction | str | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


@dataclass(frozen=True)
class RuleSet:
    """A named, citable set of clocks and local rules. A case stores `to_dict()` when it starts,
    so later changes to the built-ins never move its deadlines silently."""

    name: str
    title_en: str
    title_zh: str
    source: str
    clocks: Mapping[str, ClockRule] = field(hash=False)
    team_min: int = 3
    # Some provinces cap a side (the 1994 rule said 3-10); None = no cap.
    team_max: int | None = None
    expert_max_fraction: Fraction = Fraction(1, 3)
    # Share of ALL representatives/employees that must be present (CCP 36).
    quorum_fraction: Fraction = Fraction(2, 3)
    # Share of ALL representatives/employees that must agree (CCP 36), not of those present.
    majority_fraction: Fraction = Fraction(1, 2)
    # Civil Code 1259: "以上" includes the number, so exactly half passes.
    majority_inclusive: bool = True
    term_months_min: int = 12
    term_months_max: int = 36

    def __post_init__(self) -> None:
        # Frozen means the clocks too: a shared built-in must not be edited through one case.
        object.__setattr__(self, "clocks", MappingProxyType(dict(self.clocks)))
        for attr in ("expert_max_fraction", "quorum_fraction", "majority_fraction"):
            value = _fraction(getattr(self, attr))
            if not 0 < value <= 1:
                raise ValueError(f"{attr} must be in (0, 1], got {value}")
            object.__setattr__(self, attr, value)
        if self.team_min < 1:
            raise ValueError(f"team_min must be at least 1, got {self.team_min}")
        if self.team_max is not None and self.team_max < self.team_min:
            raise ValueError(f"team_max {self.team_max} is below team_min {self.team_min}")
        if not 0 < self.term_months_min <= self.term_months_max:
            raise ValueError(f"bad term range {self.term_months_min}-{self.term_months_max} months")

    def clock(self, name: str) -> ClockRule:
        """The rule of one clock, with an error that names the rule set when it lacks it."""
        try:
            return self.clocks[name]
        except KeyError:
            raise KeyError(f"rule set {self.name!r} has no clock {name!r}") from None

    def extension_rule(self, name: str) -> ClockRule | None:
        """The rule bounding the one extension the law allows for clock `name`, or None if it allows none."""
        bound = EXTENSION_CLOCKS.get(name)
        rule = self.clocks.get(bound) if bound else None
        return rule if rule is not None and rule.enabled else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able snapshot (fractions as "2/3") for storing on a case."""
        return {
            "name": self.name,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "source": self.source,
            "clocks": {name: rule.to_dict() for name, rule in self.clocks.items()},
            "team_min": self.team_min,
            "team_max": self.team_max,
            "expert_max_fraction": str(self.expert_max_fraction),
            "quorum_fraction": str(self.quorum_fraction),
            "majority_fraction": str(self.majority_fraction),
            "majority_inclusive": self.majority_inclusive,
            "term_months_min": self.term_months_min,
            "term_months_max": self.term_months_max,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Inverse of to_dict; missing local rules take the national defaults so an older
        snapshot still loads."""
        defaults = cls("_", "", "", "", {})
        return cls(
            name=data["name"],
            title_en=data.get("title_en", ""),
            title_zh=data.get("title_zh", ""),
            source=data.get("source", ""),
            clocks={name: ClockRule.from_dict(rule) for name, rule in data["clocks"].items()},
            team_min=int(data.get("team_min", defaults.team_min)),
            team_max=None if data.get("team_max") is None else int(data["team_max"]),
            expert_max_fraction=Fraction(data.get("expert_max_fraction", defaults.expert_max_fraction)),
            quorum_fraction=Fraction(data.get("quorum_fraction", defaults.quorum_fraction)),
            majority_fraction=Fraction(data.get("majority_fraction", defaults.majority_fraction)),
            majority_inclusive=bool(data.get("majority_inclusive", defaults.majority_inclusive)),
            term_months_min=int(data.get("term_months_min", defaults.term_months_min)),
            term_months_max=int(data.get("term_months_max", defaults.term_months_max)),
        )


def _days(amount: int, **flags: bool) -> ClockRule:
    return ClockRule(amount, "calendar_days", **flags)


def _working_days(amount: int, **flags: bool) -> ClockRule:
    return ClockRule(amount, "working_days", **flags)


_NATIONAL_CLOCKS: dict[str, ClockRule] = {
    "response": _days(20),  # CCP 32
    "info_supply": _days(5, before=True, roll_forward=False),  # WM: within 5 days before the talks
    "talks_start": _working_days(10, enabled=False),  # local only
    "vacancy": _days(15),  # CCP 28
    "coordination": _days(30),  # CCP 52
    "coordination_extension": _days(15),  # CCP 52: one extension of at most 15 days
    "filing": _days(10),  # CCP 42
    "filing_correction": _days(7, enabled=False),  # local only
    "review": _days(15),  # CCP 44, 47; LCL 54
    "publication": _days(0, enabled=False),  # CCP 48 says only "promptly"
    "renewal_window": ClockRule(3, "months", before=True, roll_forward=False),  # CCP 38
    "instructor_answer": _working_days(3),
}

NATIONAL_2004 = RuleSet(
    name="national-2004",
    title_en="Collective Contract Provisions (2004)",
    title_zh="集体合同规定（2004）",
    source="集体合同规定（劳动和社会保障部令第22号，2004年5月1日施行）；民法典第201、203、1259条",
    clocks=_NATIONAL_CLOCKS,
)

WAGE_MEASURES_2000 = RuleSet(
    name="wage-measures-2000",
    title_en="Trial Measures on Wage Collective Negotiation (2000)",
    title_zh="工资集体协商试行办法（2000）",
    source="工资集体协商试行办法（劳动和社会保障部令第9号，2000年）；集体合同规定（2004）第52条",
    clocks={
        **_NATIONAL_CLOCKS,
        "filing": _days(7),
        "publication": _days(5),
        "renewal_window": _days(60, before=True, roll_forward=False),
    },
    # A wage agreement is negotiated once a year.
    term_months_min=12,
    term_months_max=12,
)

LOCAL_WORKING_DAYS = RuleSet(
    name="local-working-days",
    title_en="Local variant counting working days",
    title_zh="地方规定（按工作日计算）",
    source=(
        "集体合同规定（2004）按地方规定调整：审查期限15个工作日，书面答复后10个工作日内开始协商，"
        "报送材料不全的7日内补正，每方代表3至10人（各地规定不一，须核对当地条例）"
    ),
    clocks={
        **_NATIONAL_CLOCKS,
        "talks_start": _working_days(10),
        "filing_correction": _days(7),
        "review": _working_days(15),
    },
    team_max=10,
)

RULE_SETS: Mapping[str, RuleSet] = MappingProxyType(
    {rs.name: rs for rs in (NATIONAL_2004, WAGE_MEASURES_2000, LOCAL_WORKING_DAYS)}
)
DEFAULT_RULE_SET = "national-2004"


def get_rule_set(name: str = DEFAULT_RULE_SET) -> RuleSet:
    """A built-in rule set by name; the error lists the valid names because the name usually
    comes from a CLI flag or a config file."""
    try:
        return RULE_SETS[name]
    except KeyError:
        raise UnknownRuleSet(f"unknown rule set {name!r}; known: {', '.join(RULE_SETS)}") from None


_UNITS_EN: Mapping[str, tuple[str, str]] = {
    "calendar_days": ("calendar day", "calendar days"),
    "working_days": ("working day", "working days"),
    "months": ("month", "months"),
}
_UNITS_ZH: Mapping[str, str] = {"calendar_days": "个自然日", "working_days": "个工作日", "months": "个月"}


def _join_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def explain(clock: str, due: DueDate, rule_set: RuleSet, lang: str = "en") -> str:
    """One sentence a user can check by hand: the day, the count, what started it, any holiday it
    was moved past, and whether the year's holidays were unknown."""
    label = CLOCK_LABELS.get(clock) or ClockLabel(clock, clock, clock, clock)
    # A due date stored before the direction was recorded still reads right from the case's rules.
    rule = rule_set.clocks.get(clock)
    before = due.before or (rule is not None and rule.before)
    years = [str(y) for y in due.years_without_data]
    code = lang.lower().replace("_", "-")
    if code == "zh" or code.startswith("zh-"):
        head = f"{due.due.isoformat()} {'开始' if label.opens else '到期'}："
        if before:
            body = f"{label.trigger_zh}（{due.start.isoformat()}）前 {due.amount} {_UNITS_ZH[due.unit]}"
        else:
            body = f"自{label.trigger_zh}（{due.start.isoformat()}）起 {due.amount} {_UNITS_ZH[due.unit]}"
        if due.rolled_past_zh:
            body += f"，遇{'、'.join(due.rolled_past_zh)}顺延"
        if years:
            body += f"（{'、'.join(years)} 年无节假日数据，仅按周末计算）"
        return head + body
    if code == "en" or code.startswith("en-"):
        singular, plural = _UNITS_EN[due.unit]
        count = f"{due.amount} {singular if due.amount == 1 else plural}"
        head = f"{'opens' if label.opens else 'due'} {due.due.isoformat()}: "
        direction = "before" if before else "from"
        body = f"{count} {direction} {label.trigger_en} on {due.start.isoformat()}"
        if due.rolled_past:
            names = ["the weekend" if n == WEEKEND else n for n in due.rolled_past]
            body += f", rolled past {_join_en(names)}"
        if years:
            body += f" (no holiday data for {_join_en(years)}: weekends only)"
        return head + body
    raise ValueError(f"unsupported language {lang!r}; use 'en' or 'zh'")


def explain_extension(due: DueDate, reason: str | None, lang: str = "en") -> str:
    """One sentence for an extension granted: by how much, to which day, past which holiday, and why."""
    code = lang.lower().replace("_", "-")
    if code == "zh" or code.startswith("zh-"):
        text = f"延长 {due.amount} {_UNITS_ZH[due.unit]}至 {due.due.isoformat()}"
        if due.rolled_past_zh:
            text += f"，遇{'、'.join(due.rolled_past_zh)}顺延"
        return text + (f"（理由：{reason}）" if reason else "（依规定延长）")
    singular, plural = _UNITS_EN[due.unit]
    text = f"extended by {due.amount} {singular if due.amount == 1 else plural} to {due.due.isoformat()}"
    if due.rolled_past:
        names = ["the weekend" if n == WEEKEND else n for n in due.rolled_past]
        text += f", rolled past {_join_en(names)}"
    return text + (f" (reason: {reason})" if reason else " (as the rules allow)")
