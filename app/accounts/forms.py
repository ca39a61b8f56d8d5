"""Browser forms of the accounts pages; Flask-WTF adds and checks the CSRF token of each."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..i18n import LazyText

TOO_LONG = LazyText("不能超过 %(max)d 个字符。", "At most %(max)d characters.")


class LoginForm(FlaskForm):
    """User name and password; `next` carries the page to return to (checked before use)."""

    username = StringField(LazyText("用户名", "User name"),
                           validators=[InputRequired(LazyText("请输入用户名。", "Enter your user name.")),
                                       Length(max=64, message=TOO_LONG)])
    password = PasswordField(LazyText("密码", "Password"),
                             validators=[InputRequired(LazyText("请输入密码。", "Enter your password.")),
                                         Length(max=1024, message=TOO_LONG)])
    next = HiddenField()

