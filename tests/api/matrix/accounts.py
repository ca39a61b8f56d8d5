"""Matrix entries: sign-in, tokens, the signed-in user."""

from . import OK, Entry, everyone, same

ENTRIES = [
    Entry("auth.create_token", "POST", lambda mw, t: "/api/v1/auth/tokens", everyone(same(OK)),
          body=lambda mw, t: {"username": "union1", "password": "pw-union1"}, public=True,
          notes="public: whoever sends a right password gets a token"),
    Entry("auth.me", "GET", lambda mw, t: "/api/v1/me", everyone(same(OK))),
    Entry("auth.revoke_token", "DELETE", lambda mw, t: "/api/v1/auth/tokens", everyone(same(OK))),
    Entry("api-docs.openapi_json", "GET", lambda mw, t: "/api/v1/openapi.json", everyone(same(OK)), public=True),
    Entry("api-docs.openapi_swagger_ui", "GET", lambda mw, t: "/api/v1/docs", everyone(same(OK)), public=True),
    Entry("api_docs_assets.static", "GET", lambda mw, t: "/api/v1/docs/assets/swagger-ui.css",
          everyone(same(OK)), public=True),
]
