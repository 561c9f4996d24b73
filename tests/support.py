"""Helpers shared by the MCP-side tests: an MCP server over a fresh embedded org, in both protocol eras."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client

from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.config import EmbeddedOrg, Settings
from salesforce_flow_mcp.connect import DEMO_INSTANCE_URL
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.runtime import Running, running_server
from salesforce_flow_mcp.salesforce.client import RetryPolicy, SalesforceClient

REPO = Path(__file__).resolve().parent.parent
BUILD_SOURCES = ("pyproject.toml", "README.md", "server", "tools")  # what the build backend reads


def copy_build_sources(dest: Path) -> Path:
    """A copy of what a build reads: setuptools and pip write build/ and *.egg-info next to the sources they build,
    and no test writes into the checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in BUILD_SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, dest / name)
    return dest


# Real Flow metadata from public repositories (tests/data/flows-corpus/SOURCES.md says from where and under which
# licence), and the seed OpenAPI spec the tools implement.
CORPUS = REPO / "tests" / "data" / "flows-corpus"
SEED_SPEC = REPO / "docs" / "seed-openapi.yml"
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
    running: Running

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        return await self.mcp.call_tool(tool, arguments or {})

    async def hook(self, path: str, body: Any = None, **params: str) -> httpx2.Response:
        response = await self.org.post(path, json=body, params=params)
        response.raise_for_status()
        return response

    async def usage(self) -> int:
        """API requests the org has counted so far (its daily allowance)."""
        return await api_usage(self.org)

    async def tool_names(self) -> set[str]:
        return await tool_names(self.mcp)


def text_of(result: Any) -> str:
    """The text of a tool result's content blocks, as an agent reads it."""
    return " ".join(getattr(c, "text", "") for c in result.content)


async def tool_names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def api_usage(org: httpx2.AsyncClient) -> int:
    """API requests the org behind `org` (a client of its app) has counted, from its /__org/status hook."""
    return int((await org.get("/__org/status")).json()["apiUsage"])


def org_http_client(
    state: OrgState, token: str | None = DEMO_ACCESS_TOKEN, base_url: str = "http://127.0.0.1"
) -> httpx2.AsyncClient:
    """A client of `state`'s org app in-process (ASGI), signed in with `token` (None: no Authorization header)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=create_org_app(state)), base_url=base_url, headers=headers
    )


@asynccontextmanager
async def org_stack(
    mode: str = "legacy",
    dialect: str = "salesforce",
    *,
    flows_dir: Path | None = None,
    state: OrgState | None = None,
    wait_for_flows: bool = True,
    client_options: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[Stack]:
    """Settings default to no describe cache and no periodic refresh, so each test sees only what it does."""
    state = state or OrgState.create(":memory:", flows_dir, access_token=DEMO_ACCESS_TOKEN)
    app = create_org_app(state)
    salesforce = SalesforceClient(
        StaticCredentials(DEMO_INSTANCE_URL, DEMO_ACCESS_TOKEN),
        transport=httpx2.ASGITransport(app=app),
        retry=FAST_RETRY,
    )
    config = Settings(dialect=dialect, **{"cache_dir": "", "refresh_interval": 0, **settings})  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
    hooks = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=DEMO_INSTANCE_URL, headers=headers)
    try:
        # The composition the server runs (runtime.running_server), over this org instead of one it makes itself.
        async with hooks as org, running_server(salesforce, config, EmbeddedOrg(flows_dir)) as running:
            if running.flows is not None and wait_for_flows:
                await running.flows.wait_ready()
            async with Client(running.server, mode=mode, **(client_options or {})) as client:
                yield Stack(client, org, state, salesforce, running)
    finally:
        await salesforce.aclose()


def self_signed_certificate(key: Any, common_name: str, *, ip: str | None = None) -> bytes:
    """A PEM certificate for `key` (RSA or EC), signed by itself: a JWT-bearer app's certificate, or with `ip` one a
    TLS server on that address presents (also its own CA, so a client can trust exactly it)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
    )
    if ip is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), False)
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


# -- the embedded org in a process of its own ------------------------------------------------------------------------
@contextmanager
def org_serve(*flags: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`org serve --port 0` with `flags`: the embedded org over real HTTP on a free loopback port. Yields its base URL,
    read from the first line it prints, and the process (its stdout goes on with what it prints next)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "salesforce_flow_mcp", "org", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Embedded Salesforce org listening at http://127.0.0.1:"), first
        yield first.rsplit(" ", 1)[1].strip(), process
    finally:
        process.terminate()
        process.wait(timeout=30)


def org_environment(base_url: str, token: str, **more: str) -> dict[str, str]:
    """The environment of a server process that reaches `base_url` with a static token, and nothing else of ours."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    return {**clean, "SALESFORCE_INSTANCE_URL": base_url, "SALESFORCE_ACCESS_TOKEN": token, **more}
