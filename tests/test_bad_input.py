"""Bad input of every kind is a tool error an agent can act on, and the same session keeps working."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support import PROTOCOL_MODES, Stack, org_stack

pytestmark = pytest.mark.anyio

BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    # (tool, arguments, what the message must say)
    ("get_flow", {"flowId": 42}, "42 is not of type 'string'"),
    ("get_flow", {}, "'flowId' is a required property"),
    ("get_flow", {"flowId": "../../sobjects/Account/001"}, "wrong format"),
    ("get_flow", {"flowId": "3015g0000000001AAB"}, "not a Salesforce Id"),  # right length, wrong checksum
    ("get_flow", {"flowId": "3015g0000099999AAA"}, "NOT_FOUND"),
    ("get_flow", {"flowId": "3015g0000000001", "extra": 1}, "Additional properties are not allowed"),
    ("get_flow_interview", {"interviewId": "0Fo5g0000000001%2F"}, "wrong format"),
    ("update_flow", {"flowId": "3015g0000000001AAA"}, "give at least one of Description, Status"),
    ("update_flow", {"flowId": "3015g0000000001AAA", "Status": "Deleted"}, "'Deleted' is not one of"),
    ("invoke_flow", {"flowApiName": "No_Such_Flow", "inputs": [{}]}, "NOT_FOUND"),
    ("invoke_flow", {"flowApiName": "Quote_Discount_Calculator", "inputs": []}, "should be non-empty"),
    ("invoke_flow", {"flowApiName": "Quote_Discount_Calculator", "inputs": "x"}, "is not of type 'array'"),
    ("invoke_flow", {"flowApiName": "../query?q=SELECT", "inputs": [{}]}, "wrong format"),
    ("invoke_flow", {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"quantity": "ten"}]}, "quantity"),
    ("invoke_flow", {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"nope": 1}]}, "nope"),
    ("get_invocable_flow_metadata", {"flowApiName": "No_Such_Flow"}, "NOT_FOUND"),
    ("create_flow_interview", {"FlowDefinitionView": {}}, "'ApiName' is a required property"),
    ("create_flow_interview", {"FlowDefinitionView": {"ApiName": "No_Such_Flow"}}, "NOT_FOUND"),
    ("query_flows", {"q": "DELETE FROM Flow"}, "SELECT"),
    ("query_flows", {"q": "SELECT Id FROM Account"}, "not a flow object"),
    ("query_flows", {"q": "SELECT Id FROM FlowInterview; DELETE FROM Account"}, "single read-only"),
    ("query_flows", {"q": "UPDATE FlowInterview SET Name = 'x'"}, "SELECT"),
    ("query_flows", {"q": "SELECT NoSuchField FROM FlowInterview"}, "INVALID_FIELD"),
    ("query_flows", {"q": "SELECT Id FROM FlowInterview WHERE"}, "MALFORMED_QUERY"),
    ("list_flows", {"q": "Status = 'Active' OR Id IN (SELECT Id FROM Account)"}, "not a flow object"),
    ("no_such_tool", {}, "Unknown tool 'no_such_tool'"),
]


@pytest.fixture(params=PROTOCOL_MODES)
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    async with org_stack(request.param) as s:
        yield s


async def test_every_bad_call_is_a_clear_tool_error_and_the_session_survives(stack: Stack) -> None:
    for tool, arguments, says in BAD_CALLS:
        result = await stack.call(tool, arguments)
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error, (tool, arguments, text)
        assert says in text, (tool, arguments, text)
        # The next call on the same session still works.
        follow_up = await stack.call("list_invocable_flows")
        assert not follow_up.is_error


async def test_nothing_is_sent_for_arguments_that_fail_validation(stack: Stack) -> None:
    before = (await stack.org.get("/__org/status")).json()
    await stack.call("get_flow", {"flowId": "../../sobjects/Account/001"})
    await stack.call("query_flows", {"q": "DELETE FROM Flow"})
    after = (await stack.org.get("/__org/status")).json()
    assert after["apiUsage"] == before["apiUsage"], "refused arguments must not reach the org"
    await stack.call("get_invocable_flow_metadata", {"flowApiName": "Quote_Discount_Calculator"})
    assert (await stack.org.get("/__org/status")).json()["apiUsage"] == before["apiUsage"] + 1
