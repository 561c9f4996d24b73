"""A small stack for the robustness tests: our server over a fresh embedded org, with the client's retry policy,
request slots and an ASGI layer in front of the org (a proxy, a counter) chosen by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp import Client
from starlette.types import ASGIApp

from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.config import EmbeddedOrg, Settings
from salesforce_flow_mcp.connect import DEMO_INSTANCE_URL
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.runtime import Running, assemble
from salesforce_flow_mcp.salesforce.client import RequestSlots, RetryPolicy, SalesforceClient
from tests.support import FAST_RETRY, api_usage
from tests.support import text_of as text_of  # for modules that import it from here


@dataclass
class Rig:
    mcp: Client
    hooks: httpx2.AsyncClient  # straight to the org (its /__org/ test hooks)
    salesforce: SalesforceClient
    running: Running

    async def usage(self) -> int:
        return await api_usage(self.hooks)

    async def hook(self, path: str, body: Any) -> None:
        (await self.hooks.post(path, json=body)).raise_for_status()


@asynccontextmanager
async def rig(
    *,
    front: Callable[[ASGIApp], ASGIApp] | None = None,
    retry: RetryPolicy = FAST_RETRY,
    slots: RequestSlots | None = None,
    token: str = DEMO_ACCESS_TOKEN,
    **settings: Any,
) -> AsyncIterator[Rig]:
    """Flow tools off unless asked for: the operation tools are enough, and the catalogue load costs requests."""
    state = OrgState.create(":memory:", None, access_token=token)
    org = create_org_app(state)
    served = front(org) if front else org
    salesforce = SalesforceClient(
        StaticCredentials(DEMO_INSTANCE_URL, token),
        transport=httpx2.ASGITransport(app=served),
        retry=retry,
        slots=slots,
    )
    config = Settings(**{"cache_dir": "", "refresh_interval": 0, "flow_tools": False, **settings})
    running = assemble(salesforce, config, org=EmbeddedOrg())
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx2.ASGITransport(app=org)
    try:
        async with (
            httpx2.AsyncClient(transport=transport, base_url=DEMO_INSTANCE_URL, headers=headers) as hooks,
            Client(running.server, mode="legacy") as mcp,
        ):
            yield Rig(mcp, hooks, salesforce, running)
    finally:
        await salesforce.aclose()
