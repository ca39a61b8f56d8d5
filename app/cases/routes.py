"""API: Negotiation cases: open, read, history, diagram, documents, comments."""

from __future__ import annotations

from ..api.auth import make_blueprint

blp = make_blueprint("cases", "/cases", "Negotiation cases: open, read, history, diagram, documents, comments.")
