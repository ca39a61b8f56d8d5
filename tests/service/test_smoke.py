"""A case opens at the bureau's instructor assignment."""

from tests.helpers import open_case, ready_ids


def test_a_new_case_waits_for_the_bureau_to_assign_an_instructor(world):
    case = open_case(world)
    assert case.ref.startswith("WC-2026-")
    assert case.stage == "assignment"
    assert ready_ids(case) == ["assign_instructor"]
