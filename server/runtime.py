"""What the commands run: the MCP server over a connected org, and one-shot tools/list and tools/call."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from .auth.credentials import Credentials
from .config import Settings
from .connect import NotConfiguredError, burst_client_factory, salesforce_client
from .remote.binding import HttpOptions
from .salesforce.client import SalesforceClient
from .salesforce.describe_cache import DescribeCache, default_cache_dir
from .salesforce.invocable_flows import InvocableFlowFetcher

# The MCP side (the mcp SDK and everything built on it) is imported on a thread of its own while the server connects
# and the org answers the first flow requests: half a second of imports and the org's round trips overlap.
if TYPE_CHECKING:
    from .app import FlowServer
    from .notify import ToolListNotifier
    from .tools.catalogue import Catalogue
    from .tools.flow_catalogue import FlowCatalogue

__all__ = ["NotConfiguredError", "Running", "call_tool_json", "list_tools_json", "mcp_server", "serve"]

logger = logging.getLogger(__name__)

STARTUP_LIMIT = 10.0  # seconds: the longest the startup settings last when the first catalogue is slow to come
MCP_SIDE = (
    "salesforce_flow_mcp.app",
    "salesforce_flow_mcp.notify",
    "salesforce_flow_mcp.tools.flow_catalogue",
    "salesforce_flow_mcp.mcp_features.tool_calls",
    "mcp.server.stdio",
)


@dataclass
class Running:
    server: FlowServer
    catalogue: Catalogue
    flows: FlowCatalogue | None


def flow_loader(
    client: SalesforceClient,
    settings: Settings,
    *,
    demo: bool = False,
    describe_client: Callable[[], SalesforceClient] | None = None,
) -> InvocableFlowFetcher | None:
    """What fetches the org's invocable flows (with the describe cache), or None when flow tools are off.

    `describe_client` makes the clients that bursts of describes go through (see InvocableFlowFetcher); by default,
    `client`.
    """
    if not settings.flow_tools:
        return None
    cache = None
    cache_dir = settings.cache_dir if settings.cache_dir is not None else ("" if demo else str(default_cache_dir()))
    if cache_dir:
        cache = DescribeCache(Path(cache_dir), client.credentials.instance_url, client.api_version)
    use_composite = settings.dialect == "salesforce"
    return InvocableFlowFetcher(client, use_composite=use_composite, cache=cache, describe_client=describe_client)


def assemble(
    client: SalesforceClient,
    settings: Settings,
    *,
    demo: bool = False,
    notifier: ToolListNotifier | None = None,
    loader: InvocableFlowFetcher | None = None,
) -> Running:
    """Catalogue, per-flow catalogue and MCP server over a connected client (nothing started yet).

    `loader` is one from flow_loader(), possibly loading already; by default a new one is made.
    """
    from .app import ProtocolOptions, build_server
    from .mcp_features.confirmation import ConfirmPolicy
    from .notify import ToolListNotifier
    from .tools.catalogue import Catalogue, CatalogueHooks
    from .tools.flow_catalogue import FlowCatalogue, FlowToolOptions

    notifier = notifier or ToolListNotifier()
    flows = None
    loader = loader or flow_loader(client, settings, demo=demo)
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
        long_call_bound=settings.long_call_bound,
        invoke_batch_size=settings.invoke_batch_size,
        demo=demo,
    )
    return Running(build_server(catalogue, flows, notifier, protocol), catalogue, flows)


class _McpSideImport:
    """The MCP side imported on a thread of its own, started first: the imports overlap with making the HTTP client
    (whose certificate loading runs without the GIL) and with the org's answers to the first requests."""

    def __init__(self) -> None:
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if any(name not in sys.modules for name in MCP_SIDE):
            self._thread = threading.Thread(target=self._run, name="import-mcp-side")
            self._thread.start()

    def _run(self) -> None:
        try:
            for name in MCP_SIDE:
                importlib.import_module(name)
        except BaseException as exc:  # raised again in the server's task, where it would have happened
            self._error = exc

    async def wait(self) -> None:
        if self._thread is not None:
            await anyio.to_thread.run_sync(self._thread.join)
        if self._error is not None:
            raise self._error


class _Startup:
    """Interpreter settings for the first seconds, until the first flow catalogue is in.

    - Cyclic garbage collection paused: the imports and a catalogue of 1,000 tools make hundreds of thousands of
      objects that live as long as the server, and the collector kept rescanning them (a third of the time it took to
      build the tools). Startup makes next to no cyclic garbage. At the end, what exists is frozen (moved out of the
      collector's generations, so neither the first collection on the way to tools/list nor any later one scans it)
      and collection resumes; later garbage, replaced catalogues included, is collected as usual.
    - A short GIL switch interval: while the MCP side is imported on its own thread, the event loop waits up to the
      switch interval (5 ms) each time an answer from the org wakes it; 0.5 ms lets the describes keep flowing.
    """

    SWITCH_INTERVAL = 0.0005

    def __init__(self) -> None:
        self._gc_paused = gc.isenabled()
        gc.disable()
        self._switch_interval: float | None = sys.getswitchinterval()
        sys.setswitchinterval(min(self.SWITCH_INTERVAL, self._switch_interval))

    def end(self) -> None:
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        if self._gc_paused:
            self._gc_paused = False
            gc.freeze()
            gc.enable()

    async def end_when_ready(self, flows: FlowCatalogue) -> None:
        with anyio.move_on_after(STARTUP_LIMIT):
            await flows.wait_ready()
        self.end()


@asynccontextmanager
async def mcp_server(
    settings: Settings,
    demo: bool = False,
    flows_dir: Path | None = None,
    identity: Callable[[Credentials], Credentials] | None = None,
) -> AsyncIterator[Running]:
    """A ready-to-serve server; the flow catalogue loads in the background while it runs.

    `identity` wraps the configured credentials (see connect.salesforce_client)."""
    startup = _Startup()
    try:
        mcp_side = _McpSideImport()
        async with salesforce_client(settings, demo=demo, flows_dir=flows_dir, identity=identity) as client:
            async with anyio.create_task_group() as group:
                bursts = burst_client_factory(client, demo=demo)
                loader = flow_loader(client, settings, demo=demo, describe_client=bursts)
                if loader is not None:
                    loader.start_early(group)  # the org answers while the MCP side is imported
                await mcp_side.wait()
                running = assemble(client, settings, demo=demo, loader=loader)
                if running.flows is not None:
                    group.start_soon(running.flows.run)
                    group.start_soon(startup.end_when_ready, running.flows)
                else:
                    startup.end()
                try:
                    yield running
                finally:
                    group.cancel_scope.cancel()
    finally:
        startup.end()


async def serve(
    settings: Settings, demo: bool, flows_dir: Path | None, transport: str, http: HttpOptions | None = None
) -> None:
    if transport == "http":
        from .remote.http_app import serve_http

        await serve_http(settings, demo, flows_dir, http or HttpOptions())
        return
    async with mcp_server(settings, demo, flows_dir) as running:
        from .app import serve_stdio

        await serve_stdio(running.server)


async def list_tools_json(settings: Settings, demo: bool, flows_dir: Path | None) -> dict[str, Any]:
    from mcp import Client

    async with mcp_server(settings, demo, flows_dir) as running, Client(running.server, mode="legacy") as client:
        result = await client.list_tools()
        return {
            "tools": [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in result.tools],
            "flowToolPolicy": running.flows.policy if running.flows else "flow tools disabled",
        }


async def call_tool_json(
    settings: Settings, demo: bool, flows_dir: Path | None, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    from mcp import Client

    async with mcp_server(settings, demo, flows_dir) as running, Client(running.server, mode="legacy") as client:
        if running.flows is not None:
            await running.flows.wait_ready()
        result = await client.call_tool(name, arguments)
        dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped
