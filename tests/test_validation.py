"""Arguments are checked before anything is sent: Ids, API names and the SOQL guard."""

from __future__ import annotations

import pytest

from salesforce_flow_mcp.salesforce.soql import is_tooling_query, soql_objects
from salesforce_flow_mcp.sfid import IdMinter, is_api_name, is_salesforce_id
from salesforce_flow_mcp.tools.validation import ArgumentError, check_flow_soql


def test_minted_ids_are_valid_18_character_ids_with_checksums() -> None:
    minter = IdMinter("301")
    ids = [minter.next() for _ in range(100)]
    assert len(set(ids)) == 100
    assert all(len(i) == 18 and i.startswith("301") and is_salesforce_id(i) for i in ids)
    assert all(is_salesforce_id(i[:15]) for i in ids)


@pytest.mark.parametrize(
    "value",
    ["../../sobjects/Account/001", "3015g0000000001", "3015g0000000001AAB", "301%2F", "", "a" * 19, "301 5g000000001"],
)
def test_bad_ids_are_rejected(value: str) -> None:
    expected_ok = value == "3015g0000000001"
    assert is_salesforce_id(value) is expected_ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Route_Case", True),
        ("ns__Route_Case", True),
        ("a", True),
        ("1abc", False),
        ("a/b", False),
        ("a b", False),
        ("../x", False),
        ("x?y=1", False),
        ("", False),
    ],
)
def test_api_names(name: str, ok: bool) -> None:
    assert is_api_name(name) is ok


@pytest.mark.parametrize(
    "query",
    [
        "SELECT Id FROM Flow",
        "select Id, ApiName from FlowDefinitionView where IsActive = true",
        "SELECT Id FROM FlowInterview WHERE InterviewLabel = 'DELETE FROM Account; UPDATE'",
    ],
)
def test_flow_selects_pass(query: str) -> None:
    assert check_flow_soql(query) == query.strip()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("DELETE FROM Flow", "SELECT"),
        ("UPDATE Flow SET Status = 'Active'", "SELECT"),
        ("SELECT Id FROM Account", "Account, which is not a flow object"),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM FlowDefinitionView", "Contacts"),
        ("SELECT Id FROM Flow; DELETE FROM Flow", "single read-only"),
        ("SELECT Id FROM Flow FOR UPDATE", "single read-only"),
        ("SELECT Id", "no FROM"),
    ],
)
def test_non_flow_or_non_select_queries_are_refused(query: str, says: str) -> None:
    with pytest.raises(ArgumentError, match=says):
        check_flow_soql(query)


def test_which_api_serves_a_query() -> None:
    assert is_tooling_query("SELECT Id FROM Flow")
    assert is_tooling_query("SELECT Id FROM FlowDefinition")
    assert not is_tooling_query("SELECT Id FROM FlowDefinitionView")
    assert not is_tooling_query("SELECT Id FROM FlowInterview WHERE InterviewLabel = 'FROM Flow'")
    assert soql_objects("SELECT Id FROM FlowInterview WHERE X = 'FROM Account'") == ["FlowInterview"]


def test_seed_field_names_in_a_flow_query_become_tooling_names_outside_literals() -> None:
    from salesforce_flow_mcp.salesforce.soql import rename_fields

    renames = {"ApiName": "Definition.DeveloperName", "Label": "MasterLabel"}
    query = "SELECT Id, ApiName FROM Flow WHERE Label LIKE 'Label%' AND ApiName != 'ApiName' AND Definition.Label = 'x'"
    assert rename_fields(query, renames) == (
        "SELECT Id, Definition.DeveloperName FROM Flow WHERE MasterLabel LIKE 'Label%' "
        "AND Definition.DeveloperName != 'ApiName' AND Definition.Label = 'x'"
    )
