"""The wire contract: tools/list pinned as a snapshot, compared as JSON in both protocol eras.

A change to a tool's name, schema, wording or annotations shows up here as a diff. To accept an intended change:
UPDATE_SNAPSHOTS=1 pytest tests/test_protocol.py
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.support import PROTOCOL_MODES, REPO, org_stack
from tests.test_flow_tools import READ_ONLY_DEMO_FLOWS

pytestmark = pytest.mark.anyio

SNAPSHOT = REPO / "tests" / "snapshots" / "tools_list.json"


async def wire_tools(mode: str, **options: Any) -> list[dict[str, Any]]:
    async with org_stack(mode, **options) as stack:
        result = await stack.mcp.list_tools()
        return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in result.tools]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_tools_list_matches_snapshot(mode: str) -> None:
    tools = await wire_tools(mode)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" and mode == "legacy":
        SNAPSHOT.write_text(json.dumps(tools, indent=2, sort_keys=True) + "\n")
    assert json.loads(json.dumps(tools, sort_keys=True)) == json.loads(SNAPSHOT.read_text())


# The ToolAnnotations defaults of MCP 2025-11-25 (schema.ts): what a client must assume for a missing hint.
MCP_DEFAULTS = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
READ_ONLY_OPERATIONS = {
    "list_flows",
    "get_flow",
    "get_flow_interview",
    "list_invocable_flows",
    "get_invocable_flow_metadata",
    "query_flows",
    "refresh_flows",
}


def hint(hints: dict[str, Any], name: str) -> bool:
    """A hint as a client reads it: left out only where the default and "missing is false" agree."""
    if name not in hints:
        assert MCP_DEFAULTS[name] is False, f"{name} left out, which some clients read as false"
    return bool(hints.get(name, MCP_DEFAULTS[name]))


async def test_annotations_follow_the_design() -> None:
    """Hints as MCP 2025-11-25 defines them (ToolAnnotations in the spec's schema.ts: readOnlyHint default false,
    destructiveHint default true, idempotentHint default false, openWorldHint default true)."""
    tools = {t["name"]: t for t in await wire_tools("legacy")}
    operations = {name for name in tools if not name.startswith("flow_")}
    for name in operations:
        hints = tools[name]["annotations"]
        assert hint(hints, "openWorldHint") is True
        assert hint(hints, "readOnlyHint") is (name in READ_ONLY_OPERATIONS)
        assert tools[name]["title"] and len(tools[name]["description"]) > 40
        assert "title" not in hints  # said once, on the tool
    for name in ("update_flow", "delete_flow_interview", "create_flow_interview", "invoke_flow"):
        assert tools[name]["annotations"]["destructiveHint"] is True
    for name in ("create_flow_interview", "invoke_flow"):
        assert hint(tools[name]["annotations"], "idempotentHint") is False, "a flow can write data"
    # Flow tools: hints from each flow's metadata (tests/test_flow_effects.py has the table over every flow).
    flow_hints = {name: tools[name]["annotations"] for name in tools if name.startswith("flow_")}
    assert len(flow_hints) == 6, "one tool per invocable demo flow"
    assert flow_hints["flow_Route_Support_Case"] == {"readOnlyHint": True, "openWorldHint": False}
    # Creates only: not destructive, not idempotent (false: left out), not read-only (false: left out).
    assert flow_hints["flow_Create_Contact"] == {"destructiveHint": False, "openWorldHint": False}
    assert [hint(flow_hints["flow_Create_Contact"], h) for h in MCP_DEFAULTS] == [False, False, False, False]


async def test_read_only_hides_every_tool_that_changes_the_org() -> None:
    tools = await wire_tools("legacy", read_only=True)
    assert {t["name"] for t in tools if not t["name"].startswith("flow_")} == READ_ONLY_OPERATIONS
    # Flow tools stay where the flow's metadata shows it changes nothing (tests/test_flow_tools.py has the calls).
    assert {t["name"] for t in tools if t["name"].startswith("flow_")} == READ_ONLY_DEMO_FLOWS
    assert all(t["annotations"].get("readOnlyHint") is True for t in tools)
