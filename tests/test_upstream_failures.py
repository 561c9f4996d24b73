"""What the org does wrong reaches the agent as a clear tool error; GETs retry where safe, POSTs never."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from mcp import Client

from salesforce_flow_mcp.app import build_server
from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.tools.catalogue import Catalogue
from tests.support import FAST_RETRY, org_stack, text_of

pytestmark = pytest.mark.anyio


async def test_upstream_500_is_reported_with_salesforce_code_and_not_retried() -> None:
    async with org_stack() as stack:
        body = '[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]'
        await stack.hook("/__org/fail", {"status": 500, "count": 1, "body": body, "contentType": "application/json"})
        before = await stack.usage()
        result = await stack.call("list_invocable_flows")
        assert result.is_error
        assert "UNKNOWN_EXCEPTION: An unexpected error occurred." in text_of(result) and "HTTP 500" in text_of(result)
        assert await stack.usage() == before + 1, "a 500 is not retried"
        assert not (await stack.call("list_invocable_flows")).is_error


async def test_non_json_error_body() -> None:
    async with org_stack() as stack:
        page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        await stack.hook("/__org/fail", {"status": 502, "count": 1, "body": page, "contentType": "text/html"})
        result = await stack.call("get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"})
        assert result.is_error
        assert "HTTP 502" in text_of(result) and "non-JSON" in text_of(result) and "502 Bad Gateway" in text_of(result)
        assert not (await stack.call("get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"})).is_error


async def test_a_get_retries_a_503_and_succeeds() -> None:
    async with org_stack() as stack:
        await stack.hook("/__org/fail", {"status": 503, "count": 1, "body": "Server busy", "contentType": "text/plain"})
        before = await stack.usage()
        result = await stack.call("get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"})
        assert not result.is_error, text_of(result)
        assert await stack.usage() == before + 2, "one 503, then the retry"


async def test_a_post_is_never_retried_so_a_flow_cannot_run_twice() -> None:
    async with org_stack() as stack:
        await stack.hook("/__org/fail", {"status": 503, "count": 1, "body": "Server busy", "contentType": "text/plain"})
        before = await stack.usage()
        arguments = {"flowApiName": "Create_Contact", "inputs": [{"lastName": "Once"}]}
        result = await stack.call("invoke_flow", arguments)
        assert result.is_error and "HTTP 503" in text_of(result)
        assert await stack.usage() == before + 1, "the POST went out once"
        again = await stack.call("invoke_flow", arguments)
        assert not again.is_error, text_of(again)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_org_is_a_tool_error_and_the_server_keeps_serving() -> None:
    credentials = StaticCredentials(f"http://127.0.0.1:{closed_port()}", "token")
    salesforce = SalesforceClient(credentials, retry=FAST_RETRY)
    async with Client(build_server(Catalogue(salesforce)), mode="legacy") as client:
        for _ in range(2):
            result = await client.call_tool("list_invocable_flows", {})
            assert result.is_error
            assert "could not reach Salesforce at http://127.0.0.1:" in text_of(result)
            assert "CONNECTION_ERROR" in text_of(result)
        assert len((await client.list_tools()).tools) == 10
    await salesforce.aclose()


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("invoke_flow", {"flowApiName": "Create_Contact", "inputs": [{"lastName": "Gateway"}]}),
        ("create_flow_interview", {"FlowDefinitionView": {"ApiName": "Create_Contact"}}),
    ],
)
async def test_a_400_not_in_salesforce_format_keeps_its_status(tool: str, arguments: dict[str, Any]) -> None:
    """A 400 to an invocable action normally carries the per-input array (facts §3, mass-action-scheduler #69) or
    the standard error array (Invoking Actions); a gateway's own 400 is neither and must still say HTTP 400."""
    async with org_stack() as stack:
        body = '{"detail": "request rejected by the gateway"}'
        await stack.hook("/__org/fail", {"status": 400, "count": 1, "body": body, "contentType": "application/json"})
        result = await stack.call(tool, arguments)
        assert result.is_error
        assert "HTTP 400" in text_of(result) and "request rejected by the gateway" in text_of(result)
