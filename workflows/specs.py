"""Parse and validate the BPMN files once, check every expression, and cache specs by content hash.

A bundle is one process with the files of the processes it calls; its version is the sha256 of
those files, so a case can always be restored on exactly the definition it started on.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from .expressions import ForbiddenExpression, check

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
)
# Elements the engine may run. Anything else (service tasks, DMN, multi-instance, pre/post scripts,
# message payloads, ...) is refused at load: each would be another door into `eval`.
ALLOWED_BPMN = frozenset({
    "definitions", "collaboration", "participant", "process", "laneSet", "lane", "flowNodeRef",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "userTask", "manualTask", "scriptTask", "callActivity", "exclusiveGateway", "parallelGateway",
    "sequenceFlow", "conditionExpression", "script", "timerEventDefinition", "timeDate",
    "timeDuration", "terminateEventDefinition", "incoming", "outgoing", "extensionElements",
    "documentation", "textAnnotation", "text", "association",
})
ALLOWED_SPIFF = frozenset({"properties", "property"})
EXPRESSION_TAGS = {"conditionExpression": "eval", "timeDate": "eval", "timeDuration": "eval", "script": "exec"}


class BpmnLoadError(Exception):
    """A BPMN file cannot be used; says which file, which element and why."""

    def __init__(self, file: str, element: str, reason: str) -> None:
        self.file, self.element, self.reason = file, element, reason
        super().__init__(f"{file}: {element}: {reason}")


@dataclass
class ProcessBundle:
    """A parsed process with the specs of the processes it calls, and the files they came from."""

    process_id: str
    version: str
    files: dict[str, str]
    spec: Any
    subprocess_specs: dict[str, Any]
    task_properties: dict[str, dict[str, str]] = field(default_factory=dict)


def content_hash(files: Mapping[str, str]) -> str:
    """sha256 over the files, in name order, names included."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def read_directory(directory: str | Path) -> dict[str, str]:
    """Every *.bpmn file of a folder, by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(directory).glob("*.bpmn"))}


def _element_label(node: etree._Element) -> str:
    """'bpmn:sequenceFlow flow_x' for the nearest ancestor-or-self that has an id."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    if node is None:
        return "document"
    return f"{etree.QName(node).localname} {node.get('id')!r} (line {node.sourceline})"


def check_document(name: str, text: str) -> etree._Element:
    """Parse one file and apply the element and expression whitelists."""
    try:
        root = etree.fromstring(text.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise BpmnLoadError(name, f"line {exc.lineno}", f"malformed XML: {exc.msg}") from exc
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node)
        if qname.namespace == BPMN_NS and qname.localname not in ALLOWED_BPMN:
            raise BpmnLoadError(name, _element_label(node), f"bpmn:{qname.localname} is not supported")
        if qname.namespace == SPIFF_NS and qname.localname not in ALLOWED_SPIFF:
            raise BpmnLoadError(name, _element_label(node), f"spiffworkflow:{qname.localname} is not allowed")
        if qname.namespace not in (BPMN_NS, SPIFF_NS, *DI_NAMESPACES):
            raise BpmnLoadError(name, _element_label(node), f"unknown element {qname.text}")
        mode = EXPRESSION_TAGS.get(qname.localname) if qname.namespace == BPMN_NS else None
        if mode:
            try:
                check(node.text or "", mode)
            except ForbiddenExpression as exc:
                raise BpmnLoadError(name, _element_label(node), f"forbidden expression: {exc}") from exc
    return root


class SpecRegistry:
    """Parses bundles once and hands out the shared, read-only specs (thread-safe)."""

    def __init__(self) -> None:
        self._bundles: dict[tuple[str, str], ProcessBundle] = {}
        self._lock = threading.Lock()

    def load(self, process_id: str, files: Mapping[str, str]) -> ProcessBundle:
        """Parse `files`, keep only what `process_id` needs, cache it by its content hash."""
        roots = {name: check_document(name, text) for name, text in files.items()}
        parser = SpiffBpmnParser(validator=VALIDATOR)
        for name, root in roots.items():
            try:
                parser.add_bpmn_xml(root, filename=name)
            except ValidationException as exc:
                element = f"{exc.tag} {exc.id!r} (line {exc.line_number})" if exc.id else f"line {exc.line_number}"
                raise BpmnLoadError(exc.file_name or name, element, str(exc).splitlines()[0]) from exc
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise BpmnLoadError(exc.file_name or "?", f"{exc.tag} {exc.id!r}", str(exc).splitlines()[0]) from exc
        used = {spec.file, *(s.file for s in subprocess_specs.values())}
        bundle_files = {Path(name).name: files[Path(name).name] for name in used}
        version = content_hash(bundle_files)
        key = (process_id, version)
        with self._lock:
            if key not in self._bundles:
                props: dict[str, dict[str, str]] = {}
                for s in (spec, *subprocess_specs.values()):
                    for task_spec in s.task_specs.values():
                        extensions = getattr(task_spec, "extensions", None) or {}
                        props[task_spec.bpmn_id or task_spec.name] = dict(extensions.get("properties", {}))
                self._bundles[key] = ProcessBundle(process_id, version, bundle_files, spec, subprocess_specs, props)
            return self._bundles[key]

    def get(self, process_id: str, version: str) -> ProcessBundle | None:
        """A cached bundle, or None when this process has not seen that version yet."""
        return self._bundles.get((process_id, version))
