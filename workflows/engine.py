"""The engine adapter: start, restore, read, complete, fire timers and cancel workflows; JSON round trip.

It knows nothing of storage or the web: the case service hands it a bundle and a JSON text and
gets back a JSON text and a `Snapshot` to write into the read-model rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import clock
from .calendar import HolidayCalendar
from .rulesets import RuleSet
from .script_env import SAFE_BUILTINS, ScriptEnvironment, pinned
from .specs import ProcessBundle
from .timers import PendingTimer, is_timer, read_timer

logging.getLogger("spiff").setLevel(logging.WARNING)


class TaskNotAvailable(Exception):
    """The task cannot be completed: not ready, not a user task, or not in the acting role's lane."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, with the properties its BPMN declares."""

    id: str
    bpmn_id: str
    name: str
    lane: str
    properties: Mapping[str, str]
    data: Mapping[str, Any]

    @property
    def form(self) -> str | None:
        return self.properties.get("form")

    @property
    def stage(self) -> str:
        return self.properties.get("stage", "")

    @property
    def key(self) -> str:
        """Where the form's data lands in the task data (several tasks may share one, e.g. 'response')."""
        return self.properties.get("key", self.bpmn_id)


@dataclass(frozen=True)
class Action:
    """A side effect a completed element asks of the app (e.g. 'agreement_in_force', 'open_renewal')."""

    name: str
    bpmn_id: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class FiredTimer:
    """A timer that fired in this change, named as the diagram names it, for the people told about it."""

    bpmn_id: str
    name: str
    name_zh: str
    # The case moved on because of it (a timer in the flow, or one that interrupted its step), as
    # opposed to a timer that only marks its step late while the step stays open.
    moved_case: bool


@dataclass
class Snapshot:
    """What the read model needs after a change, computed while the workflow is in memory."""

    ready: list[ReadyTask]
    timers: list[PendingTimer]
    completed: bool
    outcome: str | None
    stage: str
    actions: list[Action] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    fired_timers: list[FiredTimer] = field(default_factory=list)


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serialises an instance without its process definition, which is stored once per version."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore(self, dct: dict[str, Any], bundle: ProcessBundle) -> BpmnWorkflow:
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def all_tasks(wf: BpmnWorkflow) -> Iterator[Any]:
    """Every task of the instance, in called processes too."""
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


class Engine:
    """Runs BPMN instances; one per process (specs and script engine are shared, instances are not)."""

    def __init__(self, calendar: HolidayCalendar | None = None) -> None:
        clock.install()
        self.calendar = calendar or HolidayCalendar()
        self.env = ScriptEnvironment(self.calendar)
        globals_ = {"__builtins__": SAFE_BUILTINS, **self.env.functions()}
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(globals_))
        config = dict(DEFAULT_CONFIG)
        config[BpmnWorkflow] = _SpeclessWorkflowConverter
        registry = BpmnWorkflowSerializer.configure(config)
        self.serializer = BpmnWorkflowSerializer(registry)
        self._converter = _SpeclessWorkflowConverter(BpmnWorkflow, registry)

    # ------------------------------------------------------------------ lifecycle
    def start(self, bundle: ProcessBundle, rule_set: RuleSet,
              data: Mapping[str, Any]) -> tuple[BpmnWorkflow, Snapshot]:
        """A new instance with `data` on its start task (workflow data is invisible to conditions).

        The task data names the rule set (`rules`); the snapshot itself stays with the case.
        """
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self.script_engine)
        start = next(t for t in all_tasks(wf) if t.state == TaskState.READY)
        start.set_data(rules=rule_set.name, **dict(data))
        return wf, self._advance(wf, bundle, rule_set, lambda: None)

    def restore(self, bundle: ProcessBundle, state: str) -> BpmnWorkflow:
        """Load an instance; the script engine is re-attached, or custom functions vanish."""
        dct = json.loads(state)
        self.serializer.migrate(dct)
        wf = self._converter.restore(dct, bundle)
        wf.script_engine = self.script_engine
        return wf

    def dump(self, wf: BpmnWorkflow) -> str:
        """JSON of the instance without its definition."""
        return self.serializer.serialize_json(wf)

    def snapshot(self, wf: BpmnWorkflow, bundle: ProcessBundle, rule_set: RuleSet) -> Snapshot:
        """Read the current state without changing anything."""
        with pinned(rule_set):
            return self._read(wf, bundle, before=set())

    def complete(self, wf: BpmnWorkflow, bundle: ProcessBundle, rule_set: RuleSet, task_id: str,
                 lane: str, data: Mapping[str, Any]) -> Snapshot:
        """Complete a ready user task of `lane` with form data, then run the engine to the next wait.

        SpiffWorkflow's own `run()` would "complete" a finished or future task silently, so the
        state, the manual flag and the lane are checked here.
        """
        task = self._find(wf, task_id, lane)
        key = self._ready(task, bundle).key
        return self._advance(wf, bundle, rule_set, lambda: self._run(task, key, data))

    def fire_timers(self, wf: BpmnWorkflow, bundle: ProcessBundle, rule_set: RuleSet) -> Snapshot:
        """Fire every timer whose instant has passed on the clock and run on."""
        return self._advance(wf, bundle, rule_set, wf.refresh_timers)

    def extend_timer(self, wf: BpmnWorkflow, bundle: ProcessBundle, rule_set: RuleSet, timer_id: str,
                     instant: str, record: Mapping[str, Any]) -> Snapshot:
        """Move a waiting timer to a later `instant` (ISO) and remember why, on the timer itself.

        The engine compares `event_value` with the clock, so changing it is the whole extension; the
        record is kept beside it and joins the timer's explanation from then on. Nothing runs.
        """
        task = self.waiting_timer(wf, timer_id)
        with pinned(rule_set):
            before = {t.id for t in all_tasks(wf) if t.state == TaskState.COMPLETED}
            task.internal_data["event_value"] = instant
            task.internal_data["extensions"] = [*task.internal_data.get("extensions", []), dict(record)]
            return self._read(wf, bundle, before)

    def waiting_timer(self, wf: BpmnWorkflow, timer_id: str) -> Any:
        """The timer task with this id while it waits, or TaskNotAvailable."""
        try:
            task = wf.get_task_from_id(UUID(str(timer_id)))
        except Exception as exc:
            raise TaskNotAvailable("unknown", f"no timer {timer_id} in this case") from exc
        if task is None or not is_timer(task):
            raise TaskNotAvailable("unknown", f"no timer {timer_id} in this case")
        if task.state != TaskState.WAITING:
            raise TaskNotAvailable("not_waiting", f"{task.task_spec.bpmn_name} is no longer running")
        return task

    def cancel(self, wf: BpmnWorkflow) -> None:
        """Cancel the instance: every waiting task and timer is dropped."""
        wf.cancel()

    # ------------------------------------------------------------------ helpers
    def find_ready(self, wf: BpmnWorkflow, bundle: ProcessBundle, task_id: str, lane: str) -> ReadyTask:
        """The ready user task with this id in this lane, or TaskNotAvailable saying why not."""
        return self._ready(self._find(wf, task_id, lane), bundle)

    def _find(self, wf: BpmnWorkflow, task_id: str, lane: str) -> Any:
        try:
            task = wf.get_task_from_id(UUID(str(task_id)))
        except Exception as exc:
            raise TaskNotAvailable("unknown", f"no task {task_id} in this case") from exc
        if task is None:
            raise TaskNotAvailable("unknown", f"no task {task_id} in this case")
        if not task.task_spec.manual:
            raise TaskNotAvailable("not_manual", f"{task.task_spec.bpmn_name} is not done by a person")
        if task.state != TaskState.READY:
            raise TaskNotAvailable(
                "not_ready", f"{task.task_spec.bpmn_name} is {TaskState.get_name(task.state).lower()}, not ready"
            )
        if task.task_spec.lane != lane:
            raise TaskNotAvailable(
                "wrong_lane", f"{task.task_spec.bpmn_name} belongs to the {task.task_spec.lane} side, not {lane}"
            )
        return task

    @staticmethod
    def _run(task: Any, key: str, data: Mapping[str, Any]) -> None:
        task.set_data(**{key: dict(data)})
        # A parallel branch still open holds the copy of `key` it inherited at the fork. On a loop
        # (a signature returned, then both sign again) that copy is the previous round's, and the
        # join would let it win over this answer: give the open branches the new value.
        for other in task.workflow.tasks.values():
            if other is not task and other.state == TaskState.READY and other.task_spec.manual \
                    and key in other.data:
                other.data[key] = dict(data)
        task.run()

    def _advance(self, wf: BpmnWorkflow, bundle: ProcessBundle, rule_set: RuleSet, step: Any) -> Snapshot:
        with pinned(rule_set):
            before = {t.id for t in all_tasks(wf) if t.state == TaskState.COMPLETED}
            step()
            wf.do_engine_steps()
            # do_engine_steps refreshes timers only at its end; one that fired there needs another pass.
            while any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(wf)):
                wf.do_engine_steps()
            return self._read(wf, bundle, before)

    def _ready(self, task: Any, bundle: ProcessBundle) -> ReadyTask:
        spec = task.task_spec
        return ReadyTask(
            id=str(task.id),
            bpmn_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id,
            lane=spec.lane or "",
            properties=bundle.task_properties.get(spec.bpmn_id, {}),
            data=task.data,
        )

    def _read(self, wf: BpmnWorkflow, bundle: ProcessBundle, before: set[Any]) -> Snapshot:
        ready, timers, actions, fired, escalations, fired_timers = [], [], [], [], [], []
        outcome = None
        stage_from_waiting = ""
        stage_from_done: tuple[float, str] = (-1.0, "")
        for task in all_tasks(wf):
            spec = task.task_spec
            props = bundle.task_properties.get(spec.bpmn_id or "", {})
            if task.state == TaskState.READY and spec.manual:
                ready.append(self._ready(task, bundle))
            elif task.state == TaskState.WAITING and is_timer(task):
                timers.append(read_timer(task, self.env))
                if props.get("stage") and not stage_from_waiting:
                    stage_from_waiting = props["stage"]
            elif task.state == TaskState.COMPLETED:
                if props.get("stage") and task.last_state_change > stage_from_done[0]:
                    stage_from_done = (task.last_state_change, props["stage"])
                if props.get("outcome"):
                    outcome = props["outcome"]
                if task.id not in before:
                    if props.get("action"):
                        actions.append(Action(props["action"], spec.bpmn_id, dict(task.data)))
                    if is_timer(task):
                        fired.append(spec.bpmn_id)
                        name = spec.bpmn_name or spec.bpmn_id
                        moved = not isinstance(spec, BoundaryEvent) or bool(spec.cancel_activity)
                        fired_timers.append(FiredTimer(spec.bpmn_id, name, props.get("name_zh", name), moved))
                    if props.get("escalation"):
                        escalations.append(props["escalation"])
        ready.sort(key=lambda r: r.bpmn_id)
        completed = wf.is_completed()
        stage = ready[0].stage if ready else stage_from_waiting or stage_from_done[1]
        if completed:
            outcome = outcome or "completed"
        return Snapshot(ready, timers, completed, outcome if completed else None, stage, actions, fired, escalations,
                        fired_timers)
