"""Input and output of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..api.paging import PageArgs, page_schema


class NotificationSchema(Schema):
    """One notification, in the language it was written in for its reader."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "What it is about, e.g. reminder, overdue"})
    case_id = fields.Integer(allow_none=True, metadata={"description": "The case it concerns, if any"})
    subject = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True, metadata={"description": "Where to look, if anywhere"})
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True, metadata={"description": "null while unread"})


class NotificationQuerySchema(PageArgs):
    """?unread=true: only the unread ones; false: only the read ones; absent: all."""

    unread = fields.Boolean()


class NotificationListSchema(page_schema(NotificationSchema)):  # type: ignore[misc]
    """A page of my notifications, newest first, with my unread count (whatever the filter)."""

    unread = fields.Integer(required=True, metadata={"description": "All my unread notifications"})


class ReadAllSchema(Schema):
    """The answer to marking everything read."""

    marked = fields.Integer(required=True, metadata={"description": "How many were unread"})
    unread = fields.Integer(required=True, metadata={"description": "Unread now (0)"})
