"""The default catalogue fits the smallest common host cap (Cursor: 40 tools); above it, search_flows + invoke_flow,
and search_flows ranks by where the words are, lists inputs compactly and pages."""

from __future__ import annotations

import pytest

from salesforce_flow_mcp import defaults
from salesforce_flow_mcp.config import Settings
from tests.support import PROTOCOL_MODES, Stack, org_stack
from tests.test_flow_tools import deploy

pytestmark = pytest.mark.anyio

DEMO_FLOWS = 6


async def names(stack: Stack) -> set[str]:
    return {t.name for t in (await stack.mcp.list_tools()).tools}


async def test_the_default_limit_keeps_the_whole_list_within_40_tools() -> None:
    assert Settings().max_flow_tools == defaults.MAX_FLOW_TOOLS == 29
    at_limit = defaults.MAX_FLOW_TOOLS - DEMO_FLOWS
    async with org_stack(max_flow_tools=defaults.MAX_FLOW_TOOLS) as stack:
        for i in range(at_limit):
            await deploy(stack, f"Cap_Echo_{i:02d}")
        await stack.call("refresh_flows")
        listed = await names(stack)
        assert sum(n.startswith("flow_") for n in listed) == defaults.MAX_FLOW_TOOLS
        assert len(listed) == defaults.HOST_TOOL_CAP == 40
        await deploy(stack, "Cap_Echo_one_more")
        await stack.call("refresh_flows")
        above = await names(stack)
        assert not any(n.startswith("flow_") for n in above)
        assert {"search_flows", "invoke_flow"} <= above and len(above) == 12
        # A call to a flow's tool name says how to run the flow now.
        missed = await stack.call("flow_Route_Support_Case", {"priority": "Low"})
        text = missed.content[0].text  # type: ignore[union-attr]
        assert missed.is_error and "run it with invoke_flow and flowApiName 'Route_Support_Case'" in text


async def test_max_flow_tools_raises_the_limit() -> None:
    async with org_stack(max_flow_tools=100) as stack:
        for i in range(30):
            await deploy(stack, f"Many_Echo_{i:02d}")
        await stack.call("refresh_flows")
        assert sum(n.startswith("flow_") for n in await names(stack)) == 36


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_search_ranks_by_name_then_label_then_description_and_pages(mode: str) -> None:
    async with org_stack(mode, max_flow_tools=3) as stack:
        await deploy(stack, "Case_Helper", label="Helper")  # "case" in the name
        await deploy(stack, "Helper_Two", label="Case Helper Two")  # "case" in the label only
        await stack.call("refresh_flows")
        found = (await stack.call("search_flows", {"query": "case"})).structured_content
        ranked = [f["flowApiName"] for f in found["flows"]]
        # Route_Support_Case has "case" in its name, so it ranks with Case_Helper, before the label-only match;
        # Create_Contact's description says nothing of cases.
        assert ranked.index("Case_Helper") < ranked.index("Helper_Two")
        assert ranked.index("Route_Support_Case") < ranked.index("Helper_Two")
        route = next(f for f in found["flows"] if f["flowApiName"] == "Route_Support_Case")
        assert route["readOnly"] is True  # it only computes (its metadata says so)
        assert {"name": "priority", "type": "STRING"} in route["inputs"]
        assert all(set(i) <= {"name", "type", "required", "maxOccurs", "sobjectType"} for i in route["inputs"])
        first = (await stack.call("search_flows", {"limit": 3})).structured_content
        assert first["totalMatches"] == 8 and len(first["flows"]) == 3 and first["nextOffset"] == 3
        rest = (await stack.call("search_flows", {"limit": 3, "offset": 6})).structured_content
        assert len(rest["flows"]) == 2 and "nextOffset" not in rest
        seen = {f["flowApiName"] for f in first["flows"]} | {f["flowApiName"] for f in rest["flows"]}
        assert len(seen) == 5, "pages do not overlap"
