"""Web sessions: Flask-Login finds the signed-in user of a browser request from the session cookie."""

from __future__ import annotations

from ..extensions import db, login_manager
from ..i18n import N_, say
from ..models import User

# A page that needs a signed-in user sends the visitor to the sign-in form, with a message in their language.
login_manager.login_view = "auth_web.login"
login_manager.login_message = N_("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = say


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The active user whose id is in the session; a disabled user is signed out on their next request."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
