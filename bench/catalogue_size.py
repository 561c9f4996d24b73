"""Bytes of tools/list per tool, the second currency (every byte goes into the model's context on every turn).

Each tool is measured as the compact JSON a host receives it in (no spaces, UTF-8), from the tools/list answer,
without its `icons`: hosts show icons in their UI and pass the model name, description, schemas and annotations
(server/mcp_features/icons.py); the icons' bytes are counted apart. Flow tools (median and max) apart from the ten
operation tools (their total), against the budget of issue 11, which names a typical flow tool as one with 3-5
inputs and 2 outputs: those are counted apart where the outputs are known (each flow's describe is read), and the
structure floor says how many bytes such a tool takes before its own words.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.invocable_flows import FlowEntry
from salesforce_flow_mcp.tools.flow_naming import assign_tool_names
from salesforce_flow_mcp.tools.flow_tools import flow_tools

from .stdio_session import StdioSession

# Real flows from public repositories (its SOURCES.md says which), served by the embedded org.
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "flows-corpus"
FLOW_TOOL_BUDGET = 500  # bytes: a typical flow tool (3-5 inputs, 2 outputs)
TYPICAL_INPUTS = range(3, 6)
TYPICAL_OUTPUTS = 2  # the flow's own; Salesforce's Flow__InterviewStatus and Flow__InterviewGuid not counted
INTERVIEW_OUTPUTS = frozenset({"Flow__InterviewStatus", "Flow__InterviewGuid"})
OPERATIONS_BUDGET = 6 * 1024  # bytes: the ten operation tools together
OPERATIONS = frozenset(
    {
        "list_flows",
        "get_flow",
        "update_flow",
        "create_flow_interview",
        "get_flow_interview",
        "delete_flow_interview",
        "list_invocable_flows",
        "get_invocable_flow_metadata",
        "invoke_flow",
        "query_flows",
    }
)


@dataclass(frozen=True)
class CatalogueSize:
    tools: int
    flow_tool_bytes: tuple[int, ...]  # one per flow_<ApiName> tool, icons left out
    operations_bytes: int  # the ten operation tools together, icons left out
    icon_bytes: int = 0  # the `icons` of every tool together
    typical_bytes: tuple[int, ...] | None = None  # flow tools with 3-5 inputs and 2 outputs; None: outputs unknown

    @property
    def flow_median(self) -> float:
        return statistics.median(self.flow_tool_bytes) if self.flow_tool_bytes else 0.0

    @property
    def flow_max(self) -> int:
        return max(self.flow_tool_bytes, default=0)

    @property
    def typical_median(self) -> float | None:
        return statistics.median(self.typical_bytes) if self.typical_bytes else None

    @property
    def typical_max(self) -> int | None:
        return max(self.typical_bytes) if self.typical_bytes else None


def _compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def tool_bytes(tool: dict[str, Any]) -> int:
    """What the model reads of one tool: its compact JSON without `icons`."""
    return _compact({key: value for key, value in tool.items() if key != "icons"})


def _is_typical(tool: dict[str, Any], outputs: int) -> bool:
    return len(tool.get("inputSchema", {}).get("properties") or {}) in TYPICAL_INPUTS and outputs == TYPICAL_OUTPUTS


def catalogue_size(tools: list[dict[str, Any]], outputs: dict[str, int] | None = None) -> CatalogueSize:
    """`outputs`: each flow tool's number of own outputs (by tool name), where known."""
    flow = [t for t in tools if str(t.get("name", "")).startswith("flow_")]
    operations = sum(tool_bytes(t) for t in tools if t.get("name") in OPERATIONS)
    icons = sum(_compact(t["icons"]) + len('"icons":,') for t in tools if "icons" in t)
    typical = None
    if outputs is not None:
        typical = tuple(tool_bytes(t) for t in flow if _is_typical(t, outputs.get(str(t["name"]), -1)))
    return CatalogueSize(len(tools), tuple(tool_bytes(t) for t in flow), operations, icons, typical)


def _own_outputs(describe: dict[str, Any]) -> int:
    return sum(1 for p in describe.get("outputs") or [] if p.get("name") not in INTERVIEW_OUTPUTS)


async def _described(session: StdioSession) -> dict[str, int]:
    """Each flow tool's number of own outputs, from get_invocable_flow_metadata of every invocable flow."""
    listing = await session.request("tools/call", {"name": "list_invocable_flows", "arguments": {}})
    names = [str(a["name"]) for a in listing.message["result"]["structuredContent"]["actions"]]
    tool_names = assign_tool_names(names)
    outputs: dict[str, int] = {}
    for name in names:
        args = {"name": "get_invocable_flow_metadata", "arguments": {"flowApiName": name}}
        describe = (await session.request("tools/call", args)).message["result"]["structuredContent"]
        outputs[tool_names[name]] = _own_outputs(describe)
    return outputs


async def embedded_catalogue(log: Path, flows: Path | None = None) -> CatalogueSize:
    """The catalogue of `serve --demo` (the embedded org's demo flows, or those under `flows`: the corpus), one tool
    per flow, as a host lists it; each flow's outputs are counted from its describe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env["SALESFORCE_FLOW_MCP_CACHE"] = ""
    env["SALESFORCE_MAX_FLOW_TOOLS"] = "5000"  # one tool per flow, as at 1,000 flows
    argv = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"]
    if flows is not None:
        argv += ["--flows", str(flows)]
    session = await StdioSession.spawn(tuple(argv), env, log)
    try:
        await session.initialize()
        response = await session.request("tools/list")
        outputs = await _described(session)
    finally:
        await session.close()
    return catalogue_size(response.message["result"]["tools"], outputs)


@dataclass(frozen=True)
class Floor:
    """A fully described tool of `inputs` inputs and `outputs` outputs: its bytes with every word the admin wrote
    (flow name and description, each variable's name and description) one character long, less those characters."""

    inputs: int
    outputs: int
    structure: int  # bytes with no words of the admin's at all
    words: int  # texts counted (each one character in the probe)

    @property
    def room(self) -> int:
        """Bytes the budget leaves for all the admin's words together."""
        return FLOW_TOOL_BUDGET - self.structure


_FLOOR_TYPES = ("STRING", "DOUBLE", "CURRENCY", "BOOLEAN", "DATE")  # the bench flow's input types first


def structure_floor(inputs: int = 4, outputs: int = 2) -> Floor:
    """Built in-process exactly as the server builds a flow tool (flow_tools), for a flow that touches no records
    (the shortest effects phrase, the read-only hints)."""

    def param(index: int, type_name: str) -> dict[str, Any]:
        letter = chr(ord("a") + index)
        return {"name": letter, "label": letter, "description": letter, "type": type_name, "maxOccurs": 1}

    describe = {
        "name": "f",
        "label": "f",
        "description": "f",
        "inputs": [param(i, _FLOOR_TYPES[i % len(_FLOOR_TYPES)]) for i in range(inputs)],
        "outputs": [param(inputs + i, ("CURRENCY", "STRING")[i % 2]) for i in range(outputs)],
    }
    entry = FlowEntry("f", "f", "", describe, effects=({},))
    # The client is only used when a tool is called; this one is measured, never called.
    (tool,) = flow_tools([entry], cast(SalesforceClient, None))
    wire = tool.tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    words = 2 + 2 * (inputs + outputs)  # name, flow description; each variable's name and description
    return Floor(inputs, outputs, tool_bytes(wire) - words, words)
