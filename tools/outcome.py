"""What a tool call produced, before it becomes an MCP result: structured content, and whether it failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salesforce_flow_mcp.aliases import Args


@dataclass(frozen=True)
class Outcome:
    """Structured content, and whether it is a failure the agent should see as one (with the message to show)."""

    structured: Any
    is_error: bool = False
    message: str | None = None


def as_is(result: Any, args: Args) -> Outcome:
    """The result rule of most operations: what the route returned is the tool's result."""
    return Outcome(result)
