"""Pagination with the total: every list answers {"items", "total", "page", "per_page", "pages"}.

The total is counted on the same query as the items, so it carries the same visibility clause and
never counts a row the caller may not see.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, literal_column, select

from ..extensions import db

MAX_PER_PAGE = 200


class PageArgs(Schema):
    """?page=1&per_page=25"""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item: type[Schema]) -> type[Schema]:
    """The envelope schema for a page of `item`, named after it in the OpenAPI document."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True, metadata={"description": "Rows matching the filters"}),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "pages": fields.Integer(required=True),
    })


def paginate(query: Select[Any], page: int, per_page: int, scalars: bool = True) -> dict[str, Any]:
    """Run `query` for one page and count all its rows; the caller's ORDER BY must be total."""
    # Count over the query's FROM and WHERE only: no wide columns (a case's workflow blob) are read.
    counted = query.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
    total = db.session.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique().scalars() if scalars else result.all())
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": (total + per_page - 1) // per_page}
