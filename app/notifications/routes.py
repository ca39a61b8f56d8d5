"""API: My notifications: list them with the unread count, mark one or all read."""

from __future__ import annotations

from typing import Any

from ..api.auth import current_user, make_blueprint
from ..models import Notification
from . import service
from .schemas import NotificationListSchema, NotificationQuerySchema, NotificationSchema, ReadAllSchema

blp = make_blueprint("notifications", "/notifications", "My notifications (everyone sees only their own).")


@blp.route("", methods=["GET"])
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationListSchema)
def list_notifications(args: dict[str, Any]) -> dict[str, Any]:
    """My notifications, newest first; `unread` filters. The total follows the filter, `unread` does not."""
    return service.list_notifications(current_user(), args.get("unread"), args["page"], args["per_page"])


@blp.route("/read-all", methods=["POST"])
@blp.response(200, ReadAllSchema)
def mark_all_read() -> dict[str, int]:
    """Mark all my notifications read."""
    marked = service.mark_all_read(current_user())
    return {"marked": marked, "unread": service.unread_count(current_user())}


@blp.route("/<id:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
def mark_read(notification_id: int) -> Notification:
    """Mark one of my notifications read (again: no change). Anyone else's is not found."""
    return service.mark_read(notification_id, current_user())
