"""A transport double for a real Salesforce org: answers that the embedded org cannot give, replayed as recorded.

Each answer is a documented real-org response shape (the test that uses it cites where it is documented). The double
answers by method and path (the part after `/services/data/vNN.N`, query strings ignored unless the key names one),
counts every request and keeps what was sent, so a test can assert both what the server does with the answer and
what it costs the org's API allowance.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp import Client

from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.runtime import Running, assemble
from salesforce_flow_mcp.salesforce.client import RetryPolicy, SalesforceClient

INSTANCE = "https://recorded.my.salesforce.com"
_VERSIONED = re.compile(r"^/services/data/v\d+\.\d+")

Answer = tuple[int, Any] | Callable[[httpx2.Request], tuple[int, Any]]


@dataclass
class RecordedOrg:
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    sent: list[httpx2.Request] = field(default_factory=list)

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        self.answers[(method, path)] = (status, body)

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(request)
        path = _VERSIONED.sub("", request.url.path)
        answer = self.answers.get((request.method, path))
        if answer is None:
            body = [{"message": f"no recorded answer for {request.method} {path}", "errorCode": "NOT_FOUND"}]
            return httpx2.Response(404, json=body)
        status, body = answer(request) if callable(answer) else answer
        return httpx2.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    def client(self, api_version: str = "66.0") -> SalesforceClient:
        return SalesforceClient(
            StaticCredentials(INSTANCE, "00Drecorded!token"),
            api_version=api_version,
            transport=httpx2.MockTransport(self.handler),
            retry=RetryPolicy(backoff=()),
        )

    def requests_to(self, method: str, path: str) -> list[httpx2.Request]:
        return [r for r in self.sent if r.method == method and _VERSIONED.sub("", r.url.path) == path]


def action(name: str, label: str | None = None) -> dict[str, Any]:
    """One entry of GET /actions/custom/flow as a real org lists it (type FLOW, url of its describe)."""
    return {
        "label": label or name,
        "name": name,
        "type": "FLOW",
        "url": f"/services/data/v66.0/actions/custom/flow/{name}",
    }


def describe(name: str, inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "label": name.replace("_", " "),
        "type": "FLOW",
        "description": None,
        "inputs": inputs or [],
        "outputs": [{"name": "Flow__InterviewStatus", "type": "PICKLIST", "label": "Status", "maxOccurs": 1}],
    }


@asynccontextmanager
async def recorded_stack(org: RecordedOrg, **settings: Any) -> AsyncIterator[tuple[Client, Running]]:
    """Our server over the recorded org, an MCP client in-process; the flow catalogue loaded once, no refresh loop."""
    client = org.client()
    config = Settings(**{"cache_dir": "", "refresh_interval": 0, **settings})
    running = assemble(client, config)
    try:
        if running.flows is not None:
            await running.flows.refresh()
        async with Client(running.server, mode="legacy") as mcp:
            yield mcp, running
    finally:
        await client.aclose()
