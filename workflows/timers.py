"""Due instants of waiting timer events, read without firing them, each with its explanation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

from .script_env import NO_DEADLINE, SAFE_BUILTINS, ScriptEnvironment


@dataclass(frozen=True)
class PendingTimer:
    """A timer event waiting to fire: when, why, and which user task it watches (for boundary timers)."""

    task_id: str
    bpmn_id: str
    instant: datetime | None
    interrupting: bool
    attached_to: str | None
    explanation: dict[str, Any] | None


def is_timer(task: Any) -> bool:
    """Does this task wait on a timer event definition?"""
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def read_timer(task: Any, env: ScriptEnvironment) -> PendingTimer:
    """Read a WAITING timer task's due instant (as the engine stored it) and explain it.

    The explanation comes from evaluating the same timer expression with the explaining versions
    of the timer functions, on the data the timer was set with: one expression, two readings.
    """
    event_value = task.internal_data.get("event_value")
    if event_value is None:
        event_value = task.workflow.script_engine.evaluate(task, task.task_spec.event_definition.expression)
    instant = None
    if event_value != NO_DEADLINE:
        parsed = TimerEventDefinition.get_datetime(event_value)
        instant = datetime.fromtimestamp(parsed.timestamp(), UTC)
    explanation = None
    try:
        explained = eval(
            task.task_spec.event_definition.expression,
            {"__builtins__": SAFE_BUILTINS, **env.functions(explain=True)},
            dict(task.data),
        )
        explanation = explained if isinstance(explained, dict) else None
    except (KeyError, TypeError, ValueError):
        explanation = None
    spec = task.task_spec
    attached = None
    interrupting = True
    if isinstance(spec, BoundaryEvent):
        interrupting = bool(spec.cancel_activity)
        for sibling in task.parent.children:
            if not isinstance(sibling.task_spec, BoundaryEvent):
                attached = sibling.task_spec.bpmn_id
    return PendingTimer(str(task.id), spec.bpmn_id, instant, interrupting, attached, explanation)
