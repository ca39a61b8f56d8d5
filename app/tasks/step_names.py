"""A step's name as people read it: the BPMN names each task in English and gives `name_zh` beside it.

The diagram is the single source of the names, so the pages take the Chinese one from the current
process bundle (the task rows keep only the English name) instead of repeating them in the catalog.
"""

from __future__ import annotations

from ..cases.engine_registry import PROCESSES, runtime


def step_name(bpmn_id: str, name: str, lang: str) -> str:
    """The step's name in `lang` ("zh" or "en"); a step the current BPMN no longer has keeps its stored name."""
    if lang != "zh":
        return name
    bundles = runtime().current
    for process_id in PROCESSES:
        props = bundles[process_id].task_properties.get(bpmn_id)
        if props and props.get("name_zh"):
            return props["name_zh"]
    return name
