"""Bytes of tools/list per tool, the second currency (every byte goes into the model's context on every turn).

Each tool is measured as the compact JSON a host receives it in (no spaces, UTF-8), from the tools/list answer,
without its `icons`: hosts show icons in their UI and pass the model name, description, schemas and annotations
(server/mcp_features/icons.py); the icons' bytes are counted apart. Flow tools (median and max) apart from the ten
operation tools (their total), against the budget of issue 11.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .stdio_session import StdioSession

FLOW_TOOL_BUDGET = 500  # bytes: a typical flow tool (3-5 inputs, 2 outputs)
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

    @property
    def flow_median(self) -> float:
        return statistics.median(self.flow_tool_bytes) if self.flow_tool_bytes else 0.0

    @property
    def flow_max(self) -> int:
        return max(self.flow_tool_bytes, default=0)


def _compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def tool_bytes(tool: dict[str, Any]) -> int:
    """What the model reads of one tool: its compact JSON without `icons`."""
    return _compact({key: value for key, value in tool.items() if key != "icons"})


def catalogue_size(tools: list[dict[str, Any]]) -> CatalogueSize:
    flows = tuple(tool_bytes(t) for t in tools if str(t.get("name", "")).startswith("flow_"))
    operations = sum(tool_bytes(t) for t in tools if t.get("name") in OPERATIONS)
    icons = sum(_compact(t["icons"]) + len('"icons":,') for t in tools if "icons" in t)
    return CatalogueSize(len(tools), flows, operations, icons)


async def demo_catalogue(log: Path) -> CatalogueSize:
    """The catalogue of `serve --demo` (the embedded org's demo flows), as a host lists it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env["SALESFORCE_FLOW_MCP_CACHE"] = ""
    session = await StdioSession.spawn((sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"), env, log)
    try:
        await session.initialize()
        response = await session.request("tools/list")
    finally:
        await session.close()
    return catalogue_size(response.message["result"]["tools"])
