"""Input and output of the reference-data API: wage guidelines, rule sets and the holiday table."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from workflows.calendar import UNITS
from workflows.rulesets import CLOCK_NAMES

YEARS = validate.Range(min=1990, max=2100, error="Give a year from 1990 to 2100.")


# ---------------------------------------------------------------------------- wage guidelines
def _two_places(value: Decimal) -> None:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError("Give at most two decimals.")


def _zero_to_hundred(value: Decimal) -> None:
    if not 0 <= value <= 100:
        raise ValidationError("Give a percentage from 0 to 100.")


def _percent(description: str = "", **kwargs: Any) -> fields.Decimal:
    """A percentage in, as a JSON number or a string ("6.5"); the bounds are documented as numbers."""
    doc = {"minimum": 0, "maximum": 100, "description": f"{description} At most two decimals; a string is accepted "
                                                        "too.".strip()}
    return fields.Decimal(validate=[_zero_to_hundred, _two_places], metadata=doc, **kwargs)


def _percent_out(**kwargs: Any) -> fields.Decimal:
    """A percentage out: a string with two decimals, exact ("6.50")."""
    return fields.Decimal(places=2, as_string=True, metadata={"type": "string", "example": "6.50"}, **kwargs)


class GuidelineSchema(Schema):
    """A year's wage guideline: % increases of the average wage (floor, baseline, upper line)."""

    year = fields.Integer(required=True)
    floor_pct = _percent_out(required=True)
    baseline_pct = _percent_out(required=True)
    upper_pct = _percent_out(allow_none=True, required=True)
    published_on = fields.Date(allow_none=True, required=True)


class GuidelineInputSchema(Schema):
    """The whole guideline of a year (PUT replaces it); decimals as strings ("6.5") or numbers."""

    floor_pct = _percent(required=True)
    baseline_pct = _percent(required=True)
    upper_pct = _percent("Optional upper line.", load_default=None, allow_none=True)
    published_on = fields.Date(load_default=None, allow_none=True)


# ---------------------------------------------------------------------------- rule sets
class FractionField(fields.Field):
    """A share such as "2/3" or 0.5, loaded as an exact Fraction and shown as "2/3"."""

    default_error_messages = {"invalid": "Give a fraction such as 2/3 or 0.5."}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "string", "example": "2/3"})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        try:
            return Fraction(str(value).strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise self.make_error("invalid") from exc


class ClockInputSchema(Schema):
    """One clock of a local rule set; with `based_on`, only what differs from the base."""

    amount = fields.Integer(strict=True)
    unit = fields.String(validate=validate.OneOf(UNITS))
    roll_forward = fields.Boolean(metadata={"description": "A last day off moves to the next working day"})
    before = fields.Boolean(metadata={"description": "Counted back from the trigger (the renewal window)"})
    enabled = fields.Boolean(metadata={"description": "False: the rule set sets no deadline for this clock"})


ClocksInputSchema = type("ClocksInputSchema", (Schema,), {name: fields.Nested(ClockInputSchema)
                                                          for name in CLOCK_NAMES})


class RuleSetInputSchema(Schema):
    """A local rule set as data. Without `based_on` every clock is given; with it, only what differs."""

    name = fields.String(metadata={"description": "If given, the same as in the address"})
    based_on = fields.String(allow_none=True, metadata={"description": "A rule set to start from, e.g. national-2004"})
    title_en = fields.String(required=True, validate=validate.Length(min=1, max=120))
    title_zh = fields.String(required=True, validate=validate.Length(min=1, max=120))
    source = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                           metadata={"description": "The legal basis: the regulations and articles applied"})
    clocks = fields.Nested(ClocksInputSchema, load_default=dict)
    team_min = fields.Integer(strict=True)
    team_max = fields.Integer(strict=True, allow_none=True)
    expert_max_fraction = FractionField()
    quorum_fraction = FractionField()
    majority_fraction = FractionField()
    majority_inclusive = fields.Boolean()
    term_months_min = fields.Integer(strict=True)
    term_months_max = fields.Integer(strict=True)


class ClockSchema(Schema):
    """One statutory clock of a rule set: how much, in which unit, from what."""

    name = fields.String(required=True)
    title_en = fields.String(required=True)
    title_zh = fields.String(required=True)
    amount = fields.Integer(required=True)
    unit = fields.String(required=True, metadata={"description": "calendar_days, working_days (on China's holiday "
                                                                 "calendar) or months"})
    roll_forward = fields.Boolean(required=True)
    before = fields.Boolean(required=True)
    enabled = fields.Boolean(required=True)
    opens = fields.Boolean(required=True, metadata={"description": "The day opens a window instead of closing one"})
    starts_en = fields.String(required=True, metadata={"description": "What starts the count"})
    starts_zh = fields.String(required=True)


class RuleSetSummarySchema(Schema):
    name = fields.String(required=True)
    title_en = fields.String(required=True)
    title_zh = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": "The legal basis"})
    built_in = fields.Boolean(required=True)
    updated_at = fields.AwareDateTime(allow_none=True, required=True)


class RuleSetSchema(RuleSetSummarySchema):
    """A rule set with its clocks and its team and vote rules."""

    created_at = fields.AwareDateTime(allow_none=True, required=True)
    clocks = fields.List(fields.Nested(ClockSchema), required=True)
    team_min = fields.Integer(required=True)
    team_max = fields.Integer(allow_none=True, required=True)
    expert_max_fraction = FractionField(required=True)
    quorum_fraction = FractionField(required=True)
    majority_fraction = FractionField(required=True)
    majority_inclusive = fields.Boolean(required=True)
    term_months_min = fields.Integer(required=True)
    term_months_max = fields.Integer(required=True)


# ---------------------------------------------------------------------------- holidays
class HolidaySchema(Schema):
    day = fields.Date(required=True)
    is_workday = fields.Boolean(required=True, metadata={"description": "True: a swapped working day (调休)"})
    name = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)


class HolidayYearSchema(Schema):
    """A year's entries in the holiday table, and whether deadlines in it are more than a weekends-only guess."""

    year = fields.Integer(required=True)
    package_data = fields.Boolean(required=True, metadata={"description": "The chinese-calendar package knows "
                                                                          "the year's holidays"})
    has_data = fields.Boolean(required=True, metadata={"description": "The package or the table knows the year"})
    warnings = fields.List(fields.String(), required=True, metadata={"description": "no_holiday_data:YYYY when "
                                                                                    "deadlines count weekends only"})
    days = fields.List(fields.Nested(HolidaySchema), required=True)


class HolidayQuerySchema(Schema):
    year = fields.Integer(validate=YEARS, metadata={"description": "Default: this year"})


class HolidayInputSchema(Schema):
    is_workday = fields.Boolean(required=True, metadata={"description": "False: a day off; true: a working day"})
    name = fields.String(load_default="", validate=validate.Length(max=80), metadata={"description": "e.g. 春节"})
