"""The server as hosts run it: a subprocess speaking MCP over stdio, in both protocol eras.

Also reads the raw stdout stream to prove nothing but protocol messages is written there.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.support import PROTOCOL_MODES

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SERVE_DEMO = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"]


def server_params(**env: str) -> StdioServerParameters:
    return StdioServerParameters(command=SERVE_DEMO[0], args=SERVE_DEMO[1:], env={**os.environ, **env})


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
@pytest.mark.parametrize("dialect", ["salesforce", "seed"])
async def test_all_ten_tools_over_stdio(mode: str, dialect: str) -> None:
    async with Client(server_params(SALESFORCE_API_DIALECT=dialect), mode=mode) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        operations = {t for t in tools if not t.startswith("flow_") and t != "refresh_flows"}
        assert len(operations) == 10 and "flow_Quote_Discount_Calculator" in tools

        async def ok(tool: str, arguments: dict[str, Any]) -> Any:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, (tool, result.content)
            return result.structured_content

        called = set()
        flows = await ok("list_flows", {"q": "Status = 'Active'"})
        quote = next(r for r in flows["records"] if r["ApiName"] == "Quote_Discount_Calculator")
        assert (await ok("get_flow", {"flowId": quote["Id"]}))["Label"] == "Quote Discount Calculator"
        assert (await ok("update_flow", {"flowId": quote["Id"], "Description": "over stdio"}))["success"] is True
        actions = await ok("list_invocable_flows", {})
        assert "Quote_Discount_Calculator" in {a["name"] for a in actions["actions"]}
        meta = await ok("get_invocable_flow_metadata", {"flowApiName": "Quote_Discount_Calculator"})
        assert "unitPrice" in {p["name"] for p in meta["inputs"]}
        invoked = await ok(
            "invoke_flow",
            {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"quantity": 2, "unitPrice": 10}]},
        )
        assert invoked["outputs"][0]["outputValues"]["discountedTotal"] == 20  # 2 x 10, no discount
        created = await ok("create_flow_interview", {"FlowDefinitionView": {"ApiName": "Schedule_Follow_Up"}})
        assert (await ok("get_flow_interview", {"interviewId": created["id"]}))["Id"] == created["id"]
        queried = await ok("query_flows", {"q": "SELECT Id FROM FlowInterview"})
        assert created["id"] in {r["Id"] for r in queried["records"]}
        assert await ok("delete_flow_interview", {"interviewId": created["id"]}) == {"success": True}
        called = {
            "list_flows",
            "get_flow",
            "update_flow",
            "list_invocable_flows",
            "get_invocable_flow_metadata",
            "invoke_flow",
            "create_flow_interview",
            "get_flow_interview",
            "query_flows",
            "delete_flow_interview",
        }
        assert called == operations

        bad = await client.call_tool("get_flow", {"flowId": "../../sobjects/Account/001"})
        assert bad.is_error
        assert not (await client.call_tool("list_invocable_flows", {})).is_error


async def test_stdout_carries_only_protocol_messages() -> None:
    """Drive a raw stdio session, with bad input and debug logging, and parse every stdout line as JSON-RPC."""
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {
                "name": "invoke_flow",
                "arguments": {"flowApiName": "Create_Account_Without_Name", "inputs": [{"industry": "Tech"}]},
            },
        },
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get_flow", "arguments": {"flowId": 1}}},
        {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "tools/call",
            "params": {"name": "query_flows", "arguments": {"q": "SELECT Id FROM FlowInterview"}},
        },
        "this line is not JSON",
        {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "list_invocable_flows"}},
    ]
    env = {**os.environ, "SALESFORCE_FLOW_MCP_LOG": "DEBUG"}
    lines: list[str] = []
    async with await anyio.open_process([*SERVE_DEMO, "--verbose"], env=env) as process:
        assert process.stdin and process.stdout and process.stderr
        payload = "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)
        await process.stdin.send(payload.encode())
        buffer = b""
        with anyio.fail_after(60):
            while not {1, 2, 3, 4, 5, 6} <= {json.loads(line).get("id") for line in lines}:
                chunk = await process.stdout.receive()
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                lines.extend(line.decode() for line in complete if line.strip())
        await process.stdin.aclose()
        stderr = (await process.stderr.receive()).decode(errors="replace")
    parsed = [json.loads(line) for line in lines]  # any stray print would fail here
    assert all(p.get("jsonrpc") == "2.0" for p in parsed)
    by_id = {p["id"]: p for p in parsed if "id" in p and p["id"] is not None}
    assert set(by_id) == {1, 2, 3, 4, 5, 6}
    assert (
        by_id[3]["result"]["isError"] is True and "REQUIRED_FIELD_MISSING" in by_id[3]["result"]["content"][0]["text"]
    )
    assert by_id[4]["result"]["isError"] is True
    assert by_id[5]["result"]["isError"] is False
    assert by_id[6]["result"]["isError"] is False, "the server kept serving after a line that is not JSON"
    assert stderr.strip(), "logs go to stderr"
