"""Where an instance stands on its diagram, read from the stored JSON without restoring the workflow.

Restoring a SpiffWorkflow instance needs its parsed specs and costs far more than a page view may;
the serialised JSON already holds every task with its BPMN element name and state, which is all a
diagram needs: what was done (and how often, for loops), what is waiting now, what was cut short.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState

from .script_env import NO_DEADLINE

# Task specs SpiffWorkflow adds around the BPMN elements: they are not on the diagram.
_ENGINE_SPECS = frozenset({"Root", "Start", "End"})
_ENGINE_SUFFIXES = (".BoundaryEventSplit", ".BoundaryEventJoin", ".EndJoin")
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class ElementState:
    """One BPMN element as the instance left it.

    `state` is "current" (ready, waiting or running now: a user task, a timer, a call activity),
    "completed" (done at least once, nothing open), or "cancelled" (reached, then cut short: an
    interrupted task, a timer that never fired, everything open when the case was cancelled).
    `due_at` is the instant a waiting timer fires (None when it has no deadline or is not waiting).
    """

    state: str
    count: int
    due_at: datetime | None = None


def is_bpmn_element(spec_name: str) -> bool:
    """Is this task spec a diagram element (not one of the engine's own start, end, split or join specs)?"""
    return spec_name not in _ENGINE_SPECS and not spec_name.endswith(_ENGINE_SUFFIXES)


@dataclass(frozen=True)
class DiagramState:
    """The elements of the main process, and those of each process it called (ids may repeat across files)."""

    elements: dict[str, ElementState]
    called: dict[str, dict[str, ElementState]]


def diagram_state(workflow_json: str) -> DiagramState:
    """Where the instance stands, from the JSON `workflows.engine.Engine.dump` wrote.

    Called processes (call activities) are read too, keyed by the id of the called process; a process
    called more than once (a loop) adds up. Elements only predicted (future branches) are left out.
    """
    dct = json.loads(workflow_json)
    called: dict[str, list[Mapping[str, Any]]] = {}
    for sub in (dct.get("subprocesses") or {}).values():
        called.setdefault(sub.get("spec") or "", []).append(sub.get("tasks") or {})
    return DiagramState(element_states([dct.get("tasks") or {}]),
                        {pid: element_states(maps) for pid, maps in sorted(called.items())})


def element_states(task_maps: Iterable[Mapping[str, Any]]) -> dict[str, ElementState]:
    """Per BPMN element id, its state on the diagram, from serialised task dicts of one process."""
    completed: dict[str, int] = {}
    current: dict[str, datetime | None] = {}
    cancelled: set[str] = set()
    for tasks in task_maps:
        for task in tasks.values():
            name = task["task_spec"]
            if not is_bpmn_element(name):
                continue
            state = task["state"]
            if state == TaskState.COMPLETED:
                completed[name] = completed.get(name, 0) + 1
            elif state & _WAITING:
                due = _due_at(task) if state == TaskState.WAITING else None
                known = current.get(name)
                if name not in current or (due is not None and (known is None or due < known)):
                    current[name] = due
            elif state == TaskState.CANCELLED and _was_reached(task, tasks):
                cancelled.add(name)
    out: dict[str, ElementState] = {}
    for name in sorted({*completed, *current, *cancelled}):
        count = completed.get(name, 0)
        if name in current:
            out[name] = ElementState("current", count, current[name])
        elif count:
            out[name] = ElementState("completed", count)
        else:
            out[name] = ElementState("cancelled", 0)
    return out


def _was_reached(task: Mapping[str, Any], tasks: Mapping[str, Any]) -> bool:
    """A cancelled task whose parent completed had been reached; one under an open branch was only predicted."""
    parent = tasks.get(task.get("parent") or "")
    return parent is not None and parent["state"] == TaskState.COMPLETED


def _due_at(task: Mapping[str, Any]) -> datetime | None:
    """The instant a waiting timer fires, as the engine stored it when it set the timer (in UTC, or None)."""
    value = (task.get("internal_data") or {}).get("event_value")
    if not isinstance(value, str) or value == NO_DEADLINE:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:  # a duration or a cycle: not a date the diagram can show
        return None
    return instant.astimezone(UTC) if instant.tzinfo is not None else None
