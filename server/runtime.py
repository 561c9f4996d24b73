"""What the commands run: the MCP server over a connected org, and one-shot tools/list and tools/call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from . import defaults
from .auth.credentials import Credentials
from .config import EmbeddedOrg, OrgTarget, Settings, for_org
from .connect import NotConfiguredError, connect
from .remote.binding import HttpOptions
from .salesforce.client import SalesforceClient
from .salesforce.describe_cache import DescribeCache, default_cache_dir
from .salesforce.invocable_flows import InvocableFlowFetcher
from .startup_tuning import StartupTuning, startup_tuning
from .tools.flow_effects import summarize

# The MCP side is imported where first needed, once the org's first flow requests are out: see mcp_side.py.
if TYPE_CHECKING:
    from .mcp_side import Catalogue, FlowCatalogue, FlowServer, ToolListNotifier
    from .setup_mode import SetupStatus

__all__ = ["NotConfiguredError", "Running", "call_tool_json", "list_tools_json", "mcp_server", "serve"]

logger = logging.getLogger(__name__)
DescribeCaches = Callable[[str, str], DescribeCache]  # (instance URL, API version) -> that org's describe cache


@dataclass
class Running:
    server: FlowServer
    catalogue: Catalogue
    flows: FlowCatalogue | None


def flow_loader(
    client: SalesforceClient,
    settings: Settings,
    *,
    burst_client: Callable[[], SalesforceClient] | None = None,
    describes: DescribeCaches | None = None,
) -> InvocableFlowFetcher | None:
    """What fetches the org's invocable flows (with the describe cache), or None when flow tools are off.

    `burst_client` makes the clients that bursts of describes and metadata reads go through (see
    InvocableFlowFetcher); by default, `client`. `describes` makes the describe cache (org, API version) instead of
    the file, e.g. one shared by replicas; an empty cache setting turns either off.
    """
    if not settings.flow_tools:
        return None
    cache = None
    cache_dir = settings.cache_dir if settings.cache_dir is not None else str(default_cache_dir())
    if cache_dir:
        org_key, api_version = client.credentials.instance_url, client.api_version
        cache = describes(org_key, api_version) if describes else DescribeCache(Path(cache_dir), org_key, api_version)
    use_composite = settings.dialect == "salesforce"
    return InvocableFlowFetcher(
        client, use_composite=use_composite, cache=cache, burst_client=burst_client, summarize=summarize
    )


def assemble(
    client: SalesforceClient,
    settings: Settings,
    *,
    notifier: ToolListNotifier | None = None,
    loader: InvocableFlowFetcher | None = None,
    setup: SetupStatus | None = None,
    org: OrgTarget | None = None,
) -> Running:
    """Catalogue, per-flow catalogue and MCP server over a connected client (nothing started yet).

    `loader` is one from flow_loader(), possibly loading already; by default a new one is made. `org` says which
    org the client reaches (the embedded one is never production); by default, one over the network. `setup`: no org
    is configured (see setup_server).
    """
    from .mcp_side import (
        Catalogue,
        CatalogueHooks,
        ConfirmPolicy,
        FlowCatalogue,
        FlowToolOptions,
        ProtocolOptions,
        ToolListNotifier,
        build_server,
    )

    notifier = notifier or ToolListNotifier()
    flows = None
    loader = loader or flow_loader(client, settings)
    if loader is not None:
        options = FlowToolOptions(
            include=settings.include_flows,
            exclude=settings.exclude_flows,
            max_flow_tools=settings.max_flow_tools,
            refresh_interval=settings.refresh_interval,
            startup_wait=settings.catalogue_wait,
            read_only=settings.read_only,
        )
        flows = FlowCatalogue(client, loader, options, notifier.tools_changed)
    hooks = flows.hooks() if flows is not None else CatalogueHooks()
    catalogue = Catalogue(
        client, settings.dialect, read_only=settings.read_only, hooks=hooks, call_timeout=settings.call_timeout
    )
    protocol = ProtocolOptions(
        policy=ConfirmPolicy(settings.confirm, settings.confirm_production),
        # A write still running at the call's deadline is answered "still running" then, never later.
        long_call_bound=min(settings.long_call_bound, settings.call_timeout or settings.long_call_bound),
        invoke_batch_size=settings.invoke_batch_size,
        progress_interval=settings.progress_interval,
        demo=isinstance(org, EmbeddedOrg),
    )
    return Running(build_server(catalogue, flows, notifier, protocol, setup), catalogue, flows)


@asynccontextmanager
async def mcp_server(
    settings: Settings,
    org: OrgTarget,
    identity: Callable[[Credentials], Credentials] | None = None,
    describes: DescribeCaches | None = None,
) -> AsyncIterator[Running]:
    """A ready-to-serve server; the flow catalogue loads in the background while it runs.

    `identity` wraps the configured credentials (see connect.connect); `describes`: see flow_loader."""
    settings = for_org(settings, org)
    with startup_tuning() as tuning:
        async with (
            connect(settings, org, identity) as connection,
            running_server(
                connection.client, settings, org, bursts=connection.bursts, tuning=tuning, describes=describes
            ) as running,
        ):
            yield running


@asynccontextmanager
async def running_server(
    client: SalesforceClient,
    settings: Settings,
    org: OrgTarget,
    *,
    bursts: Callable[[], SalesforceClient] | None = None,
    tuning: StartupTuning | None = None,
    describes: DescribeCaches | None = None,
) -> AsyncIterator[Running]:
    """The server over a connected client, as mcp_server runs it (and the tests, over an org of their own): the first
    flow requests out, the MCP side assembled, the catalogue loading in the background; `tuning` ends once it is in."""
    async with anyio.create_task_group() as group:
        loader = flow_loader(client, settings, burst_client=bursts, describes=describes)
        if loader is not None:
            loader.start_early(group)  # the org answers while the MCP side is imported
        running = assemble(client, settings, loader=loader, org=org)
        if running.flows is not None:
            group.start_soon(running.flows.run)
            if tuning is not None:
                group.start_soon(tuning.end_when, running.flows.wait_ready)
        elif tuning is not None:
            tuning.end()
        try:
            yield running
        finally:
            group.cancel_scope.cancel()


@asynccontextmanager
async def setup_server(settings: Settings, problem: str) -> AsyncIterator[Running]:
    """The server when no org is configured: the read-only tools (each answers with what to configure) and
    `setup_status`, so hosts show it connected and the agent can tell the user what to do."""
    from .setup_mode import SetupStatus, UnconfiguredCredentials

    setup = await SetupStatus.checked(settings, problem)
    client = SalesforceClient(UnconfiguredCredentials(setup), api_version=settings.api_version or defaults.API_VERSION)
    try:
        yield assemble(client, settings.replaced(read_only=True, no_flow_tools=True), setup=setup)
    finally:
        await client.aclose()


async def serve(settings: Settings, org: OrgTarget, transport: str, http: HttpOptions | None = None) -> None:
    if transport == "http":
        from .remote.http_app import serve_http

        await serve_http(settings, org, http or HttpOptions())
        return
    from .mcp_side import serve_stdio

    try:
        async with mcp_server(settings, org) as running:
            await serve_stdio(running.server)
            return
    except NotConfiguredError as exc:
        problem = str(exc)
    logger.warning("No org is configured; serving setup_status and the read-only tools: %s", problem)
    async with setup_server(settings, problem) as running:
        await serve_stdio(running.server)


async def list_tools_json(settings: Settings, org: OrgTarget) -> dict[str, Any]:
    from mcp import Client

    async with mcp_server(settings, org) as running, Client(running.server, mode="legacy") as client:
        result = await client.list_tools()
        return {
            "tools": [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in result.tools],
            "flowToolPolicy": running.flows.policy if running.flows else "flow tools disabled",
        }


async def call_tool_json(settings: Settings, org: OrgTarget, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    from mcp import Client

    async with mcp_server(settings, org) as running, Client(running.server, mode="legacy") as client:
        if running.flows is not None:
            await running.flows.wait_ready()
        result = await client.call_tool(name, arguments)
        dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped
