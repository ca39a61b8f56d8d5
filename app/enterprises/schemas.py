"""Input and output of the enterprise registry API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from ..accounts.schemas import DistrictRefSchema
from ..api.ids import Id
from ..api.paging import PageArgs

# GB/T 4754-2017 has twenty sections, A (agriculture) to T (international organisations).
INDUSTRY_SECTIONS = "ABCDEFGHIJKLMNOPQRST"
_INDUSTRY = validate.OneOf(list(INDUSTRY_SECTIONS), error="Give a GB/T 4754 section letter, A to T.")
_COUNT = validate.Range(min=0, max=10_000_000, error="Give a number of people from 0 to 10,000,000.")
# Ids are the databases' 32-bit integers: a larger number names nothing and must not reach a query.


class _UpperIndustry(Schema):
    """Section letters are accepted in either case and stored upper case."""

    @pre_load
    def _upper(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("industry"), str):
            data = {**data, "industry": data["industry"].strip().upper()}
        return data


class EnterpriseSchema(Schema):
    """An enterprise as the registry shows it."""

    id = fields.Integer(required=True)
    credit_code = fields.String(required=True, metadata={"description": "Unified social credit code (GB 32100)"})
    name = fields.String(required=True)
    district_id = fields.Integer(required=True)
    district = fields.Nested(DistrictRefSchema, required=True)
    industry = fields.String(required=True, metadata={"description": "GB/T 4754 section letter, A to T"})
    employees = fields.Integer(required=True)
    women_employees = fields.Integer(required=True)
    has_union = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class EnterpriseCreateSchema(_UpperIndustry):
    """A new enterprise; the credit code's check character, the district and the counts are checked."""

    credit_code = fields.String(required=True, validate=validate.Length(max=40))
    name = fields.String(required=True, validate=validate.Length(max=200))
    district_id = Id(required=True, strict=True)
    industry = fields.String(required=True, validate=_INDUSTRY)
    employees = fields.Integer(required=True, strict=True, validate=_COUNT)
    women_employees = fields.Integer(load_default=0, strict=True, validate=_COUNT)
    has_union = fields.Boolean(load_default=False)


class EnterpriseUpdateSchema(_UpperIndustry):
    """Any subset of an enterprise's fields; the result is checked as a whole."""

    credit_code = fields.String(validate=validate.Length(max=40))
    name = fields.String(validate=validate.Length(max=200))
    district_id = Id(strict=True)
    industry = fields.String(validate=_INDUSTRY)
    employees = fields.Integer(strict=True, validate=_COUNT)
    women_employees = fields.Integer(strict=True, validate=_COUNT)
    has_union = fields.Boolean()


class EnterpriseQuerySchema(_UpperIndustry, PageArgs):
    """Filters of the registry list; every filter narrows, none widens what the caller may see."""

    district_id = Id()
    industry = fields.String(validate=_INDUSTRY)
    has_union = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Part of the name or of the credit code"})
    min_employees = fields.Integer(validate=_COUNT)
    max_employees = fields.Integer(validate=_COUNT)
