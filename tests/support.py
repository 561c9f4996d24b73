"""Helpers shared by the MCP-side tests: an MCP server over the embedded demo org, in both protocol eras."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import Client

from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.runtime import mcp_server

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# The two protocol eras a client may speak: the initialize handshake (2025-11-25) and the stateless 2026-07-28 one.
PROTOCOL_MODES = ("legacy", "2026-07-28")
DIALECTS = ("salesforce", "seed")


@asynccontextmanager
async def demo_client(
    mode: str = "legacy", dialect: str = "salesforce", **settings: Any
) -> AsyncIterator[Client]:
    """An official mcp Client connected in-process to a server over a fresh embedded demo org."""
    config = Settings(dialect=dialect, **settings)  # type: ignore[arg-type]
    async with mcp_server(config, demo=True) as server, Client(server, mode=mode) as client:
        yield client
