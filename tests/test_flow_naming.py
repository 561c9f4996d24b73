"""Tool names of per-flow tools: `flow_<ApiName>`, [A-Za-z0-9_-], at most 64 characters, unique and stable."""

from __future__ import annotations

import hashlib
import itertools
import re
import subprocess
import sys

import pytest

from salesforce_flow_mcp.tools.flow_naming import MAX_TOOL_NAME, assign_tool_names, tool_name_for
from salesforce_flow_mcp.tools.operations import OPERATION_TOOLS

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def sha8(api_name: str) -> str:
    return hashlib.sha256(api_name.encode()).hexdigest()[:8]


def test_plain_names_get_the_prefix_and_nothing_else() -> None:
    assert tool_name_for("Quote_Discount_Calculator") == "flow_Quote_Discount_Calculator"
    assert tool_name_for("X") == "flow_X"
    assert assign_tool_names(["Route_Support_Case", "Create_Contact"]) == {
        "Route_Support_Case": "flow_Route_Support_Case",
        "Create_Contact": "flow_Create_Contact",
    }


def test_namespaced_names_keep_their_namespace() -> None:
    assert tool_name_for("sfdatakit__DeployDataKitComponents") == "flow_sfdatakit__DeployDataKitComponents"
    names = assign_tool_names(["acme__Onboard", "Onboard"])
    assert names == {"acme__Onboard": "flow_acme__Onboard", "Onboard": "flow_Onboard"}


def test_an_80_character_name_is_cut_to_64_with_the_hash_of_the_full_name() -> None:
    api_name = "Very_Long_Flow_Name_" + "x" * 60
    assert len(api_name) == 80
    expected = ("flow_" + api_name)[:55] + "_" + sha8(api_name)
    assert tool_name_for(api_name) == expected
    assert len(expected) == MAX_TOOL_NAME
    assert assign_tool_names([api_name]) == {api_name: expected}


def test_a_name_of_exactly_64_characters_is_kept_whole() -> None:
    api_name = "N" * (MAX_TOOL_NAME - len("flow_"))
    assert tool_name_for(api_name) == "flow_" + api_name
    longer = api_name + "Z"
    assert tool_name_for(longer) == ("flow_" + longer)[:55] + "_" + sha8(longer)


@pytest.mark.slow
def test_names_are_the_same_in_another_process() -> None:
    # Stable across runs: no per-process hash seed is involved (str hashes are randomised per process).
    api_name = "Stable_" + "y" * 90
    code = (
        f"from salesforce_flow_mcp.tools.flow_naming import tool_name_for; print(tool_name_for({api_name!r}), end='')"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert other.stdout == tool_name_for(api_name) == ("flow_" + api_name)[:55] + "_" + sha8(api_name)


def test_characters_outside_the_allowed_set_become_underscores() -> None:
    assert tool_name_for("Send Email.v2") == "flow_Send_Email_v2"
    assert tool_name_for("Ünïcode-Flow") == "flow__n_code-Flow"
    assert tool_name_for("a/b?c#d") == "flow_a_b_c_d"
    lone_surrogate = "Bad\ud800Name"
    assert NAME_RE.match(tool_name_for(lone_surrogate))


def test_names_that_collide_after_shortening_both_get_distinct_hashed_names_in_any_order() -> None:
    stem = "Customer_Onboarding_Process_For_Enterprise_Accounts_In_Europe_"
    first, second = stem + "Version_One", stem + "Version_Two"
    assert ("flow_" + first)[:55] == ("flow_" + second)[:55]
    expected = {
        first: ("flow_" + first)[:55] + "_" + sha8(first),
        second: ("flow_" + second)[:55] + "_" + sha8(second),
    }
    assert assign_tool_names([first, second]) == expected
    assert assign_tool_names([second, first]) == expected
    assert len(set(expected.values())) == 2


def test_names_that_collide_after_replacement_all_get_the_hash_whatever_the_order() -> None:
    colliding = ["A-b", "A_b", "A.b"]
    # "A-b" keeps its dash; "A.b" becomes "A_b" and meets "A_b": both carry the hash, "A-b" stays plain.
    expected = {"A-b": "flow_A-b", "A_b": "flow_A_b_" + sha8("A_b"), "A.b": "flow_A_b_" + sha8("A.b")}
    for order in itertools.permutations(colliding):
        assert assign_tool_names(order) == expected


def test_case_only_differences_are_not_collisions() -> None:
    assert assign_tool_names(["Onboard", "onboard"]) == {"Onboard": "flow_Onboard", "onboard": "flow_onboard"}


def test_a_hashed_name_meeting_a_literal_name_is_resolved_deterministically() -> None:
    # "A_b_<hash of A.b>" is a legal ApiName whose plain tool name equals the hashed name of "A.b".
    trap = "A_b_" + sha8("A.b")
    names_by_order = [assign_tool_names(order) for order in itertools.permutations(["A.b", "A_b", trap])]
    assert all(names == names_by_order[0] for names in names_by_order)
    names = names_by_order[0]
    assert len(set(names.values())) == 3
    assert all(NAME_RE.match(n) and n.startswith("flow_") for n in names.values())


def test_repeated_and_many_names_are_unique_valid_and_never_an_operation_tool_name() -> None:
    api_names = (
        [f"Flow_{i}" for i in range(300)] + ["Flow_1", "Flow-1", "Flow.1"] + ["L" * 200 + str(i) for i in range(5)]
    )
    names = assign_tool_names(api_names)
    assert set(names) == set(api_names)
    assert len(set(names.values())) == len(names)
    operation_names = {tool.name for tool in OPERATION_TOOLS}
    assert len(operation_names) == 10
    for name in names.values():
        assert NAME_RE.match(name), name
        assert name.startswith("flow_")
        assert name not in operation_names


def test_an_empty_input_gives_no_names() -> None:
    assert assign_tool_names([]) == {}
    assert assign_tool_names(iter(())) == {}
