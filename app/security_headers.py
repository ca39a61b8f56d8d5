"""HTTP security headers on every answer, set by flask-talisman.

- A content security policy that runs scripts from this app's own files only: no inline script and no
  outside host (every page's script is a vendored or app file under /static). Styles may be inline: the
  vendored bpmn-js viewer and htmx set some, and a style runs no code.
- Framing denied (clickjacking), content types not sniffed, the referrer kept to this site.
- The session cookie's flags stay those of config.py (Secure in production, HttpOnly, SameSite=Lax).

HTTPS itself is the reverse proxy's job (docs/operations.md): the app never redirects to it, and talisman
sends Strict-Transport-Security only on requests that arrived over HTTPS.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Flask
from flask_talisman import Talisman

CSP: dict[str, Any] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The API's documentation page is Swagger UI's own template, which starts the viewer with an inline script.
DOCS_CSP: dict[str, Any] = {**CSP, "script-src": ["'self'", "'unsafe-inline'"]}
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"

talisman = Talisman()


def init_app(app: Flask) -> None:
    """Bind the headers to `app`; call after the blueprints are registered (the docs page gets its own policy)."""
    talisman.init_app(
        app, force_https=False, frame_options="DENY", content_security_policy=CSP,
        referrer_policy="same-origin", session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"])
    docs = app.view_functions.get(DOCS_ENDPOINT)
    if docs is not None:
        @wraps(docs)  # a bound method of flask-smorest's: talisman marks a function of our own instead
        def docs_page(*args: Any, **kwargs: Any) -> Any:
            return docs(*args, **kwargs)

        app.view_functions[DOCS_ENDPOINT] = talisman(content_security_policy=DOCS_CSP)(docs_page)
