"""Answers that point to the fix: unknown tools and flows get the closest names, a flow without an active version
says so, and every tool's schema is one hosts accept (no anyOf/oneOf/allOf at the root, portable names)."""

from __future__ import annotations

import re

import pytest

from tests.support import PROTOCOL_MODES, Stack, org_stack, text_of

pytestmark = pytest.mark.anyio

PORTABLE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenAI function names; MCP's own rule is looser


async def flow_version_id(stack: Stack, api_name: str) -> str:
    listed = await stack.call("list_flows", {"q": f"ApiName = '{api_name}'"})
    return str(listed.structured_content["records"][0]["Id"])


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_every_tool_schema_is_portable(mode: str) -> None:
    """OpenAI strict tools and several hosts refuse a root anyOf/oneOf/allOf; names within [A-Za-z0-9_-]{1,64}."""
    async with org_stack(mode) as stack:
        tools = (await stack.mcp.list_tools()).tools
        assert len(tools) > 10
        for tool in tools:
            assert PORTABLE_NAME.match(tool.name), tool.name
            for schema in (tool.input_schema, tool.output_schema or {}):
                assert not {"anyOf", "oneOf", "allOf", "not", "if"} & set(schema), (tool.name, schema)
            assert tool.input_schema["type"] == "object"


async def test_update_flow_needs_status_or_description_checked_in_code() -> None:
    async with org_stack() as stack:
        flow_id = await flow_version_id(stack, "Route_Support_Case")
        result = await stack.call("update_flow", {"flowId": flow_id})
        assert result.is_error
        assert text_of(result) == "give at least one of Description, Status"
        assert not (await stack.call("update_flow", {"flowId": flow_id, "Description": "x"})).is_error


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_an_unknown_tool_answers_with_the_closest_names(mode: str) -> None:
    async with org_stack(mode) as stack:
        result = await stack.call("flow_Route_Support_Cases", {})
        assert result.is_error
        assert text_of(result) == (
            "Unknown tool 'flow_Route_Support_Cases'. Did you mean flow_Route_Support_Case? "
            "Call tools/list to see the available tools."
        )
        nothing_close = await stack.call("xyzzy", {})
        assert text_of(nothing_close) == "Unknown tool 'xyzzy'. Call tools/list to see the available tools."


async def test_an_unknown_flow_answers_with_the_closest_flow_names() -> None:
    async with org_stack() as stack:
        result = await stack.call("invoke_flow", {"flowApiName": "Route_Support_Cases", "inputs": [{}]})
        assert result.is_error
        assert text_of(result).endswith(" Unknown flow 'Route_Support_Cases'. Did you mean Route_Support_Case?")
        described = await stack.call("get_invocable_flow_metadata", {"flowApiName": "Create_Contacts"})
        assert text_of(described).endswith(" Did you mean Create_Contact?")


async def test_a_flow_without_an_active_version_says_so() -> None:
    """Deactivated through update_flow, the flow's tool goes at the refresh; a call to it says why."""
    async with org_stack() as stack:
        flow_id = await flow_version_id(stack, "Route_Support_Case")
        assert not (await stack.call("update_flow", {"flowId": flow_id, "Status": "Obsolete"})).is_error
        result = await stack.call("flow_Route_Support_Case", {"priority": "Low"})
        assert result.is_error
        assert "The org has the flow Route_Support_Case, but no active version of it" in text_of(result)
        assert "activate a version with update_flow" in text_of(result)
