"""Bad input of every kind is a tool error an agent can act on, word for word, and the same session keeps working.

Each case is a test of its own, in both protocol eras, and pins the whole message: a message that loses what is
wrong or how to fix it fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import PROTOCOL_MODES, org_stack, text_of

pytestmark = pytest.mark.anyio

# Message parts that several cases end with, word for word.
UNKNOWN_FLOW = (
    "NOT_FOUND: The action flow/No_Such_Flow does not exist or is not an invocable flow. [HTTP 404] Check the Id or "
    "API name (list_flows, list_invocable_flows). Unknown flow 'No_Such_Flow'."
)
FLOW_OBJECTS = "Flow, FlowDefinition, FlowDefinitionView, FlowVersionView, FlowInterview, FlowRecord, ..."
ONLY_FLOW_OBJECTS = (
    f"this server only queries {FLOW_OBJECTS} and the relationships between them (such as Flow.Definition or "
    "FlowInterview.FlowVersionView)"
)
SEND_ONE_SELECT = f"send one SELECT over {FLOW_OBJECTS}, without ; or DML"
NOT_A_SELECT = "q must be a SOQL SELECT query over flow objects (e.g. SELECT Id, ApiName FROM Flow)"

BAD_CALLS = [
    pytest.param(
        "get_flow",
        {"flowId": 42},
        "Invalid arguments for get_flow: flowId: 42 is not of type 'string'",
        id="flowId-not-text",
    ),
    pytest.param(
        "get_flow",
        {},
        "Invalid arguments for get_flow: 'flowId' is a required property",
        id="flowId-missing",
    ),
    pytest.param(
        "get_flow",
        {"flowId": "../../sobjects/Account/001"},
        (
            "Invalid arguments for get_flow: flowId '../../sobjects/Account/001' has the wrong format (Flow "
            "version Id (301...) from list_flows)"
        ),
        id="flowId-path",
    ),
    pytest.param(
        "get_flow",
        {"flowId": "3015g0000000001AAB"},
        (
            "flowId '3015g0000000001AAB' is not a Salesforce Id: expected 15 or 18 letters and digits (e.g. "
            "3015g00000ABCDeAAP); look the Id up with list_flows or query_flows"
        ),
        id="flowId-bad-checksum",
    ),
    pytest.param(
        "get_flow",
        {"flowId": "3015g0000099999AAA"},
        (
            "get_flow failed: NOT_FOUND: no flow version has the Id 3015g0000099999AAA (list_flows shows them) "
            "[HTTP 404] Check the Id or API name (list_flows, list_invocable_flows)."
        ),
        id="flowId-unknown",
    ),
    pytest.param(
        "get_flow",
        {"flowId": "3015g0000000001", "extra": 1},
        (
            "Invalid arguments for get_flow: Additional properties are not allowed ('extra' was unexpected) "
            "(allowed: flowId)"
        ),
        id="extra-argument",
    ),
    pytest.param(
        "get_flow_interview",
        {"interviewId": "0Fo5g0000000001%2F"},
        (
            "Invalid arguments for get_flow_interview: interviewId '0Fo5g0000000001%2F' has the wrong format "
            "(Paused FlowInterview Id (0Fo...))"
        ),
        id="interviewId-escaped",
    ),
    pytest.param(
        "update_flow",
        {"flowId": "3015g0000000001AAA"},
        "give at least one of Description, Status",
        id="update-nothing",
    ),
    pytest.param(
        "update_flow",
        {"flowId": "3015g0000000001AAA", "Status": "Deleted"},
        "Invalid arguments for update_flow: Status: 'Deleted' is not one of ['Active', 'Obsolete']",
        id="update-bad-status",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "No_Such_Flow", "inputs": [{}]},
        f"invoke_flow failed: {UNKNOWN_FLOW}",
        id="invoke-unknown-flow",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "Quote_Discount_Calculator", "inputs": []},
        "Invalid arguments for invoke_flow: inputs: [] should be non-empty",
        id="invoke-no-inputs",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "Quote_Discount_Calculator", "inputs": "x"},
        "Invalid arguments for invoke_flow: inputs: 'x' is not of type 'array'",
        id="invoke-inputs-not-list",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "../query?q=SELECT", "inputs": [{}]},
        (
            "Invalid arguments for invoke_flow: flowApiName '../query?q=SELECT' has the wrong format (Flow API "
            "name, e.g. Route_Support_Case)"
        ),
        id="invoke-path-name",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"quantity": "ten"}]},
        (
            "1 of 1 flow invocations failed: record 0: INVALID_INPUT: Invalid input 'quantity' (number): "
            "expected a number, got 'ten'"
        ),
        id="invoke-input-wrong-type",
    ),
    pytest.param(
        "invoke_flow",
        {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"nope": 1}]},
        (
            "1 of 1 flow invocations failed: record 0: INVALID_INPUT: Invalid input 'nope': the flow "
            "Quote_Discount_Calculator has no input variable named nope (its inputs: account, "
            "isPreferredCustomer, productCodes, quantity, quoteName, unitPrice, validUntil)"
        ),
        id="invoke-unknown-input",
    ),
    pytest.param(
        "get_invocable_flow_metadata",
        {"flowApiName": "No_Such_Flow"},
        f"get_invocable_flow_metadata failed: {UNKNOWN_FLOW}",
        id="metadata-unknown-flow",
    ),
    pytest.param(
        "create_flow_interview",
        {"FlowDefinitionView": {}},
        "Invalid arguments for create_flow_interview: FlowDefinitionView: 'ApiName' is a required property",
        id="interview-no-apiname",
    ),
    pytest.param(
        "create_flow_interview",
        {"FlowDefinitionView": {"ApiName": "No_Such_Flow"}},
        f"create_flow_interview failed: {UNKNOWN_FLOW}",
        id="interview-unknown-flow",
    ),
    pytest.param(
        "query_flows",
        {"q": "DELETE FROM Flow"},
        NOT_A_SELECT,
        id="query-delete",
    ),
    pytest.param(
        "query_flows",
        {"q": "SELECT Id FROM Account"},
        f"q reads Account, which is not a flow object (Account: in FROM); {ONLY_FLOW_OBJECTS}",
        id="query-not-flow-object",
    ),
    pytest.param(
        "query_flows",
        {"q": "SELECT Id FROM FlowInterview; DELETE FROM Account"},
        (
            "q must be a single read-only SELECT query this server can check (MALFORMED_QUERY: unexpected "
            f"character ';' at line 1, column 29); {SEND_ONE_SELECT}"
        ),
        id="query-two-statements",
    ),
    pytest.param(
        "query_flows",
        {"q": "UPDATE FlowInterview SET Name = 'x'"},
        NOT_A_SELECT,
        id="query-update",
    ),
    pytest.param(
        "query_flows",
        {"q": "SELECT NoSuchField FROM FlowInterview"},
        (
            "query_flows failed: INVALID_FIELD: \nSELECT NoSuchField FROM FlowInterview\n       ^\nERROR at "
            "Row:1:Column:8\nNo such column 'NoSuchField' on entity 'FlowInterview'. If you are attempting to "
            "use a custom field, be sure to append the '__c' after the custom field name. Please reference your "
            "WSDL or the describe call for the appropriate names. [HTTP 400] Check the field names of the object."
        ),
        id="query-unknown-field",
    ),
    pytest.param(
        "query_flows",
        {"q": "SELECT Id FROM FlowInterview WHERE"},
        (
            "q must be a single read-only SELECT query this server can check (MALFORMED_QUERY: the query ends "
            f"too early (line 1, column 30)); {SEND_ONE_SELECT}"
        ),
        id="query-malformed",
    ),
    pytest.param(
        "list_flows",
        {"q": "Status = 'Active' OR Id IN (SELECT Id FROM Account)"},
        f"q reads Account, which is not a flow object (Account: in a semi-join); {ONLY_FLOW_OBJECTS}",
        id="list-subquery-not-flow-object",
    ),
    pytest.param(
        "no_such_tool",
        {},
        "Unknown tool 'no_such_tool'. Call tools/list to see the available tools.",
        id="unknown-tool",
    ),
]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
@pytest.mark.parametrize(("tool", "arguments", "message"), BAD_CALLS)
async def test_a_bad_call_is_a_tool_error_that_says_what_is_wrong_and_the_session_survives(
    mode: str, tool: str, arguments: dict[str, Any], message: str
) -> None:
    async with org_stack(mode) as stack:
        result = await stack.call(tool, arguments)
        assert result.is_error
        assert text_of(result) == message
        follow_up = await stack.call("list_invocable_flows")
        assert not follow_up.is_error, text_of(follow_up)


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_nothing_is_sent_for_arguments_that_fail_validation(mode: str) -> None:
    async with org_stack(mode) as stack:
        before = await stack.usage()
        await stack.call("get_flow", {"flowId": "../../sobjects/Account/001"})
        await stack.call("query_flows", {"q": "DELETE FROM Flow"})
        assert await stack.usage() == before, "refused arguments must not reach the org"
        await stack.call("get_invocable_flow_metadata", {"flowApiName": "Quote_Discount_Calculator"})
        assert await stack.usage() == before + 1
