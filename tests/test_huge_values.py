"""Huge values are never echoed back: an error quotes at most about 100 characters of any value, whether the value
came from the agent's arguments or from the org's error message."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support import org_stack, text_of

pytestmark = pytest.mark.anyio

MB = 1_000_000


def longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


HUGE_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list_flows", {"q": "Status = '" + "y" * 10 * MB + "'"}),
    ("list_flows", {"q": "y" * MB}),
    ("query_flows", {"q": "SELECT Id FROM " + "y" * MB}),
    ("get_flow", {"flowId": "y" * MB}),
    ("get_flow_interview", {"interviewId": "y" * MB}),
    ("update_flow", {"flowId": "3015g0000000001AAA", "Description": "y" * MB}),
    ("invoke_flow", {"flowApiName": "y" * MB, "inputs": [{}]}),
    ("invoke_flow", {"flowApiName": "Route_Support_Case", "inputs": [{"y" * MB: 1}]}),
    ("get_invocable_flow_metadata", {"flowApiName": "y" * MB}),
    ("create_flow_interview", {"FlowDefinitionView": {"ApiName": "y" * MB}}),
    ("flow_Route_Support_Case", {"subject": "ok", "y" * MB: None}),
    ("flow_Quote_Discount_Calculator", {"quantity": "y" * MB}),
    ("y" * MB, {}),
]


@pytest.mark.parametrize(("tool", "arguments"), HUGE_CALLS, ids=lambda v: v[:30] if isinstance(v, str) else None)
async def test_a_huge_argument_is_quoted_short(tool: str, arguments: dict[str, Any]) -> None:
    async with org_stack() as stack:
        result = await stack.call(tool, arguments)
        text = text_of(result)
        assert result.is_error, text[:300]
        assert longest_run(text, "y") <= 101 and len(text) < 3_000, (len(text), text[:300])


async def test_an_org_error_quoting_a_huge_value_is_cut_short() -> None:
    """Salesforce error messages may quote the value they refuse (STRING_TOO_LONG, MALFORMED_QUERY quotes the
    query); the standard error array format is the REST API guide's (Status Codes and Error Responses)."""
    async with org_stack() as stack:
        message = "Value too long: '" + "z" * 900_000 + "' ERROR at Row:1:Column:8"
        body = json.dumps([{"message": message, "errorCode": "STRING_TOO_LONG"}])
        await stack.hook("/__org/fail", {"status": 400, "count": 1, "body": body, "contentType": "application/json"})
        result = await stack.call("list_invocable_flows")
        text = text_of(result)
        assert result.is_error and "STRING_TOO_LONG" in text and "ERROR at Row:1:Column:8" in text
        assert longest_run(text, "z") <= 101 and len(text) < 1_000, len(text)
