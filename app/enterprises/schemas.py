"""Input and output of the enterprise registry API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_load, validate

from ..accounts.schemas import DistrictRefSchema
from ..api.ids import Id
from ..api.paging import PageArgs
from ..errors import ErrorSchema
from ..models.enterprises import OWNERSHIPS
from .industries import SECTION_LETTERS

# GB/T 4754-2017 has twenty sections, A (agriculture) to T (international organisations).
INDUSTRY_SECTIONS = SECTION_LETTERS
_INDUSTRY = validate.OneOf(list(INDUSTRY_SECTIONS), error="Give a GB/T 4754 section letter, A to T.")
_OWNERSHIP = validate.OneOf(OWNERSHIPS)
_OWNERSHIP_HELP = ("Registration type: state, collective, private, foreign, hmt (Hong Kong/Macao/Taiwan) or other")
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
    ownership = fields.String(allow_none=True, required=True, metadata={"description": _OWNERSHIP_HELP})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(allow_none=True, required=True)


class EnterpriseCreateSchema(_UpperIndustry):
    """A new enterprise; the credit code's check character, the district and the counts are checked."""

    credit_code = fields.String(required=True, validate=validate.Length(max=40))
    name = fields.String(required=True, validate=validate.Length(max=200))
    district_id = Id(required=True, strict=True)
    industry = fields.String(required=True, validate=_INDUSTRY)
    employees = fields.Integer(required=True, strict=True, validate=_COUNT)
    women_employees = fields.Integer(load_default=0, strict=True, validate=_COUNT)
    has_union = fields.Boolean(load_default=False)
    ownership = fields.String(load_default=None, allow_none=True, validate=_OWNERSHIP,
                              metadata={"description": _OWNERSHIP_HELP})


class EnterpriseUpdateSchema(_UpperIndustry):
    """Any subset of an enterprise's fields; the result is checked as a whole."""

    credit_code = fields.String(validate=validate.Length(max=40))
    name = fields.String(validate=validate.Length(max=200))
    district_id = Id(strict=True)
    industry = fields.String(validate=_INDUSTRY)
    employees = fields.Integer(strict=True, validate=_COUNT)
    women_employees = fields.Integer(strict=True, validate=_COUNT)
    has_union = fields.Boolean()
    ownership = fields.String(allow_none=True, validate=_OWNERSHIP, metadata={"description": _OWNERSHIP_HELP})


class EnterpriseQuerySchema(_UpperIndustry, PageArgs):
    """Filters of the registry list; every filter narrows, none widens what the caller may see."""

    district_id = Id()
    industry = fields.String(validate=_INDUSTRY)
    has_union = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Part of the name or of the credit code"})
    min_employees = fields.Integer(validate=_COUNT)
    max_employees = fields.Integer(validate=_COUNT)


# ---------------------------------------------------------------------------- import from a file
class EnterpriseImportSchema(Schema):
    """multipart/form-data: the registry file, and whether to only check it (the default)."""

    file = Upload(required=True, metadata={"description": "An Excel workbook (.xlsx) or a CSV file (.csv): a header "
                                                          "row, then one row per enterprise"})
    dry_run = fields.Boolean(load_default=True, metadata={"description": "Check and report, save nothing "
                                                                         "(default true)"})


class ImportRowErrorSchema(Schema):
    """One fault of the file: the spreadsheet row and the column's header as written in the file."""

    row = fields.Integer(required=True, metadata={"description": "Row number as the spreadsheet shows it"})
    column = fields.String(required=True, allow_none=True,
                           metadata={"description": "The column's header text; null for a missing column"})
    field = fields.String(required=True, allow_none=True, metadata={"description": "The registry field, e.g. "
                                                                                   "credit_code"})
    message = fields.String(required=True)


class ImportReportSchema(Schema):
    """What an import found and did; in a dry run, created and updated are what a real run would do."""

    file = fields.String(required=True)
    format = fields.String(required=True, validate=validate.OneOf(["xlsx", "csv"]))
    sha256 = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    saved = fields.Boolean(required=True, metadata={"description": "True once the changes are committed"})
    rows = fields.Integer(required=True, metadata={"description": "Enterprise rows read (blank rows not counted)"})
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    errors = fields.List(fields.Nested(ImportRowErrorSchema), required=True)
    warnings = fields.List(fields.String(), required=True, metadata={"description": "e.g. columns ignored"})


class ImportFailedSchema(ErrorSchema):
    """422: a refused file (errors.file says why) or rows with errors (the report lists them); nothing saved."""

    report = fields.Nested(ImportReportSchema, metadata={"description": "Present when rows have errors"})
