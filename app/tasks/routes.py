"""API: Tasks: my inbox, claim, release, assign, complete."""

from __future__ import annotations

from typing import Any

from ..api.auth import current_user, make_blueprint
from ..api.conditional import if_match_version
from ..api.paging import page_schema
from . import service
from .schemas import (
    AssignSchema,
    CompletionSchema,
    FormDataSchema,
    TaskDetailSchema,
    TaskListArgs,
    TaskSchema,
)

blp = make_blueprint("tasks", "/tasks", "Tasks: my inbox, claim, release, assign, complete.")
# Ids are INTEGER columns: a bigger number is no task (404 from routing) and never reaches the database.
TASK = "/<id:task_id>"


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


@blp.route("", methods=["GET"])
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, page_schema(TaskSchema))
def list_tasks(args: dict[str, Any]) -> dict[str, Any]:
    """My tasks (the ready steps I may take that nobody else claimed, and those assigned to me), or with
    scope=all every task of the cases I may see; due first, overdue on top."""
    return service.inbox(current_user(), args)


@blp.route(TASK, methods=["GET"])
@blp.response(200, TaskDetailSchema, headers={"ETag": {"description": "The case's version, for If-Match",
                                                       "schema": {"type": "string"}}})
def get_task(task_id: int) -> Any:
    """A task with the JSON Schema of its form, its data and what I may do with it."""
    detail = service.get_task(task_id, current_user())
    return detail, 200, _etag(detail.case_version)


@blp.route(f"{TASK}/claim", methods=["POST"])
@blp.response(200, TaskDetailSchema)
def claim_task(task_id: int) -> Any:
    """Take the task (409 if someone else holds it; claiming it again changes nothing)."""
    return service.claim(task_id, current_user())


@blp.route(f"{TASK}/release", methods=["POST"])
@blp.response(200, TaskDetailSchema)
def release_task(task_id: int) -> Any:
    """Give the task back to its side (an instructor's step goes back to the case's instructor)."""
    return service.release(task_id, current_user())


@blp.route(f"{TASK}/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, TaskDetailSchema)
def assign_task(args: dict[str, Any], task_id: int) -> Any:
    """Hand the task to someone of its side (supervisors of the case's district)."""
    return service.assign(task_id, current_user(), args["user_id"])


@blp.route(f"{TASK}/complete", methods=["POST"])
@blp.arguments(FormDataSchema)
@blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                      "description": "The case version (the task's ETag): 409 if the case changed since"}])
@blp.response(200, CompletionSchema)
def complete_task(data: dict[str, Any], task_id: int) -> Any:
    """Do the step: the body is the form data (its JSON Schema is form_schema in GET /tasks/{id}).
    Invalid data answers 422 with field messages; a stale If-Match or a task claimed by someone else 409."""
    result = service.complete(task_id, current_user(), data, if_match_version())
    return result, 200, _etag(result["case"].lock_version)
