"""Browser forms of the accounts pages; Flask-WTF adds and checks the CSRF token of each."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..i18n import lazy

TOO_LONG = lazy("At most %(max)d characters.")


class LoginForm(FlaskForm):
    """User name and password; `next` carries the page to return to (checked before use)."""

    username = StringField(lazy("User name"),
                           validators=[InputRequired(lazy("Enter your user name.")),
                                       Length(max=64, message=TOO_LONG)])
    password = PasswordField(lazy("Password"),
                             validators=[InputRequired(lazy("Enter your password.")),
                                         Length(max=1024, message=TOO_LONG)])
    next = HiddenField()

