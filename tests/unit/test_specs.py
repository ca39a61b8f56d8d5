"""BPMN loading: the shipped files load, versions follow content, and unsafe or broken files are refused by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflows.expressions import ForbiddenExpression, check
from workflows.specs import BpmnLoadError, SpecRegistry, read_directory

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
MAIN = "wage_negotiation.bpmn"
SHIPPED = read_directory(BPMN_DIR)
CONDITION = "record_proposal['proposing_side'] == 'union'"
CONDITION_FLOW = "flow_gw_responder_to_enterprise_response"
SCRIPT = "signed_on = max(union_signature['signed_on'], enterprise_signature['signed_on'])"

# A valid process that wage_negotiation does not call.
UNRELATED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_other"
    targetNamespace="http://wagecase.local/bpmn">
  <bpmn:process id="other_process" isExecutable="true">
    <bpmn:startEvent id="other_start"><bpmn:outgoing>other_flow</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="other_end"><bpmn:incoming>other_flow</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="other_flow" sourceRef="other_start" targetRef="other_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def load(files: dict[str, str]):
    return SpecRegistry().load("wage_negotiation", files)


def with_main(text: str) -> dict[str, str]:
    return {**SHIPPED, MAIN: text}


def replaced(old: str, new: str) -> dict[str, str]:
    """The shipped files with one string of the main file replaced (the rest stays valid)."""
    text = SHIPPED[MAIN]
    assert text.count(old) >= 1, old
    return with_main(text.replace(old, new, 1))


def refusal(files: dict[str, str]) -> BpmnLoadError:
    with pytest.raises(BpmnLoadError) as info:
        load(files)
    return info.value


def test_the_shipped_files_load_into_one_bundle_with_both_files() -> None:
    bundle = load(SHIPPED)
    assert bundle.process_id == "wage_negotiation"
    assert sorted(bundle.files) == ["instructor_assignment.bpmn", MAIN]
    assert re.fullmatch(r"[0-9a-f]{64}", bundle.version)
    assert bundle.task_properties["record_proposal"]["form"] == "proposal"
    assert "instructor_assignment" in bundle.subprocess_specs


def test_the_version_changes_with_one_byte_of_a_file() -> None:
    before = load(SHIPPED).version
    after = load(replaced('name="Case opened"', 'name="Case openeD"')).version
    assert re.fullmatch(r"[0-9a-f]{64}", after)
    assert after != before


def test_a_byte_changed_in_the_called_process_changes_the_version_too() -> None:
    name = "instructor_assignment.bpmn"
    changed = {**SHIPPED, name: SHIPPED[name].replace('name="Instructor needed"', 'name="Instructor needeD"')}
    assert load(changed).version != load(SHIPPED).version


def test_an_unrelated_file_in_the_folder_does_not_change_the_version(tmp_path: Path) -> None:
    for name, text in SHIPPED.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = load(read_directory(tmp_path))
    (tmp_path / "other_process.bpmn").write_text(UNRELATED, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a process", encoding="utf-8")
    after = load(read_directory(tmp_path))
    assert after.version == before.version == load(SHIPPED).version
    assert sorted(after.files) == sorted(before.files)


def test_truncated_xml_is_refused_with_file_and_line() -> None:
    text = SHIPPED[MAIN]
    error = refusal(with_main(text[: len(text) // 2]))
    assert error.file == MAIN
    assert re.search(r"line \d+", error.element)
    assert "malformed XML" in error.reason
    assert MAIN in str(error)


def test_an_unknown_attribute_fails_schema_validation_with_the_file_name() -> None:
    error = refusal(replaced('<bpmn:userTask id="record_proposal"', '<bpmn:userTask colour="red" id="record_proposal"'))
    assert error.file == MAIN
    assert "colour" in error.reason
    assert re.search(r"line \d+", error.element)


def test_a_sequence_flow_without_target_fails_schema_validation_with_the_file_name() -> None:
    error = refusal(replaced(' targetRef="gw_responder"', ""))
    assert error.file == MAIN
    assert "targetRef" in error.reason


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("__import__('os').system('x')", "__import__"),
        ("().__class__", "Attribute"),
        ("open('/etc/passwd')", "open"),
        ("record_proposal.keys()", "record_proposal.keys"),
        ("[x for x in y]", "ListComp"),
        ("lambda: 1", "Lambda"),
    ],
)
def test_a_forbidden_condition_is_refused_naming_file_and_element(expression: str, why: str) -> None:
    error = refusal(replaced(CONDITION, expression))
    assert error.file == MAIN
    assert CONDITION_FLOW in error.element
    assert "forbidden expression" in error.reason
    assert why in error.reason


def test_an_import_in_a_script_task_is_refused_naming_the_task() -> None:
    error = refusal(replaced(SCRIPT, "import os"))
    assert error.file == MAIN
    assert "record_signature" in error.element
    assert "Import" in error.reason


def test_a_forbidden_timer_expression_is_refused() -> None:
    old = "deadline('response', record_proposal['received_on'], rules)"
    error = refusal(replaced(old, "deadline.__globals__"))
    assert "union_response_timeout" in error.element


def test_a_forbidden_expression_in_the_called_process_is_refused_with_its_file() -> None:
    name = "instructor_assignment.bpmn"
    text = SHIPPED[name].replace("accept_assignment['decision'] == 'accept'", "eval('1')")
    with pytest.raises(BpmnLoadError) as info:
        load({**SHIPPED, name: text})
    assert info.value.file == name
    assert "flow_gw_answer_to_end_assigned" in info.value.element


def test_a_service_task_is_refused_as_unsupported() -> None:
    text = SHIPPED[MAIN]
    start = text.index('<bpmn:userTask id="prepare_talks"')
    end = text.index("</bpmn:userTask>", start)
    element = text[start:end].replace("<bpmn:userTask", "<bpmn:serviceTask", 1) + "</bpmn:serviceTask>"
    error = refusal(with_main(text[:start] + element + text[end + len("</bpmn:userTask>"):]))
    assert error.file == MAIN
    assert "prepare_talks" in error.element
    assert "serviceTask is not supported" in error.reason


def test_a_spiff_pre_script_is_refused_as_unsupported() -> None:
    prop = '<spiffworkflow:property name="form" value="preparation" />'
    pre = prop + "</spiffworkflow:properties><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>" \
        "<spiffworkflow:properties>"
    error = refusal(replaced(prop, pre))
    assert error.file == MAIN
    assert "prepare_talks" in error.element
    assert "preScript is not allowed" in error.reason


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("vote_passed(congress_vote, rules)", "eval"),
        ("response['decision'] == 'accept'", "eval"),
        ("deadline('response', record_proposal['received_on'], rules)", "eval"),
        ("hold_meeting['outcome'] in ('continue', 'suspend')", "eval"),
        ("signed_on = max(a['x'], b['y'])", "exec"),
    ],
)
def test_the_expressions_the_diagrams_need_are_allowed(source: str, mode: str) -> None:
    check(source, mode)


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("getattr(x, 'y')", "eval"),
        ("_secret", "eval"),
        ("deadline = 1", "exec"),
        ("a, b = 1, 2", "exec"),
        ("b'raw'", "eval"),
        ("x[1:2]", "eval"),
        ("f'{x}'", "eval"),
        ("", "eval"),
        ("x ==", "eval"),
    ],
)
def test_check_refuses_what_is_outside_the_whitelist(source: str, mode: str) -> None:
    with pytest.raises(ForbiddenExpression):
        check(source, mode)
