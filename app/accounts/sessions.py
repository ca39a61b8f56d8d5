"""Web sessions: Flask-Login finds the signed-in user of a browser request from the session cookie."""

from __future__ import annotations

from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The active user whose id is in the session; a disabled user is signed out on their next request."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
