"""Helpers shared by the MCP-side tests: an MCP server over a fresh embedded org, in both protocol eras."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client

from salesforce_flow_mcp.app import build_server
from salesforce_flow_mcp.connect import DEMO_INSTANCE_URL, DemoCredentials
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.salesforce.client import RetryPolicy, SalesforceClient
from salesforce_flow_mcp.tools.catalogue import Catalogue

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# The two protocol eras a client may speak: the initialize handshake (2025-11-25) and the stateless 2026-07-28 one.
PROTOCOL_MODES = ("legacy", "2026-07-28")
DIALECTS = ("salesforce", "seed")
FAST_RETRY = RetryPolicy(backoff=(0.01, 0.01))


@dataclass
class Stack:
    """An MCP client connected in-process to our server, which reaches a fresh embedded org over ASGI HTTP."""

    mcp: Client
    org: httpx2.AsyncClient  # straight to the org, for its /__org/ test hooks
    state: OrgState
    salesforce: SalesforceClient

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        return await self.mcp.call_tool(tool, arguments or {})

    async def hook(self, path: str, body: Any = None, **params: str) -> httpx2.Response:
        response = await self.org.post(path, json=body, params=params)
        response.raise_for_status()
        return response


@asynccontextmanager
async def org_stack(
    mode: str = "legacy", dialect: str = "salesforce", *, read_only: bool = False, flows_dir: Path | None = None
) -> AsyncIterator[Stack]:
    state = OrgState.create(":memory:", flows_dir, access_token=DEMO_ACCESS_TOKEN)
    app = create_org_app(state)
    transport = httpx2.ASGITransport(app=app)
    salesforce = SalesforceClient(DemoCredentials(DEMO_ACCESS_TOKEN), transport=transport, retry=FAST_RETRY)
    catalogue = Catalogue(salesforce, dialect, read_only=read_only)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
    async with (
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=DEMO_INSTANCE_URL, headers=headers) as org,
        Client(build_server(catalogue), mode=mode) as client,
    ):
        try:
            yield Stack(client, org, state, salesforce)
        finally:
            await salesforce.aclose()
