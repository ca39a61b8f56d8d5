"""API: Tasks: my inbox, claim, release, assign, complete."""

from __future__ import annotations

from ..api.auth import make_blueprint

blp = make_blueprint("tasks", "/tasks", "Tasks: my inbox, claim, release, assign, complete.")
