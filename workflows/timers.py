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
    name: str = ""


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
    extensions = task.internal_data.get("extensions")
    if explanation is not None and extensions:
        explanation = with_extensions(explanation, extensions)
    spec = task.task_spec
    attached = None
    interrupting = True
    if isinstance(spec, BoundaryEvent):
        interrupting = bool(spec.cancel_activity)
        for sibling in task.parent.children:
            if not isinstance(sibling.task_spec, BoundaryEvent):
                attached = sibling.task_spec.bpmn_id
    return PendingTimer(str(task.id), spec.bpmn_id, instant, interrupting, attached, explanation,
                        spec.bpmn_name or spec.bpmn_id)


def with_extensions(explanation: dict[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    """The statutory explanation, then each extension granted since: the due date is the last one's."""
    last = extensions[-1]
    text = dict(explanation.get("text") or {})
    for record in extensions:
        for lang, sentence in (record.get("text") or {}).items():
            text[lang] = f"{text.get(lang, '')}{'；' if lang == 'zh' else '; '}{sentence}"
    return {**explanation, "original_due_on": explanation.get("due_on"), "due_on": last["due_on"],
            "instant": last["instant"], "extensions": list(extensions), "text": text}
