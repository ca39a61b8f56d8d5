"""How a step of the process is named to people: the BPMN's `name_zh` property in Chinese, its name in English.

The task rows keep the English name the BPMN gives; the Chinese one is a property of the element in the
process version the case runs on (called processes included), read from the parsed bundle, not the files.
Timers and events are named the same way, so the timeline can say which deadline passed.
"""

from __future__ import annotations

from ..models import Case
from .engine_registry import runtime
from .labels import LANE_LABELS, lane_label

MAIN_PROCESS = "wage_negotiation"


class StepNames:
    """The names of every element of one process version (and the processes it calls), in both languages."""

    def __init__(self, case: Case | None = None) -> None:
        rt = runtime()
        bundle = rt.bundle(case.process_id, case.spec_version) if case is not None else rt.current[MAIN_PROCESS]
        self.english: dict[str, str] = {}
        self.callers: dict[str, str] = {}  # called process id -> the call activity that calls it
        for spec in (bundle.spec, *bundle.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                if task_spec.bpmn_id and getattr(task_spec, "bpmn_name", None):
                    self.english.setdefault(task_spec.bpmn_id, task_spec.bpmn_name)
                if task_spec.bpmn_id and type(task_spec).__name__ == "CallActivity":
                    self.callers.setdefault(str(task_spec.spec), task_spec.bpmn_id)
        self.chinese = {bpmn_id: props["name_zh"] for bpmn_id, props in bundle.task_properties.items()
                        if props.get("name_zh")}

    def name(self, bpmn_id: str, lang: str, english: str | None = None) -> str:
        """The element's name in `lang` ("zh" or "en"); an element without one is shown by its id."""
        fallback = english or self.english.get(bpmn_id, bpmn_id)
        return self.chinese.get(bpmn_id, fallback) if lang == "zh" else fallback

    def labels(self, lang: str) -> dict[str, str]:
        """What the drawn diagram should say on each element and lane in `lang`, where that differs from the
        BPMN file's own (English) names: the viewer relabels the diagram with these before drawing it."""
        if lang == "en":
            return {}
        lanes = {f"lane_{lane}": lane_label(lane, lang) for lane in LANE_LABELS}
        return {**lanes, **self.chinese}

    def called_processes(self, lang: str) -> dict[str, str]:
        """Each called process named as its call activity is (the diagram captions its own viewer so)."""
        return {process_id: self.name(caller, lang) for process_id, caller in self.callers.items()}
