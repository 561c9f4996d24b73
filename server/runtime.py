"""What the commands run: the MCP server over a connected org, and one-shot tools/list and tools/call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from .app import FlowServer, build_server, serve_stdio
from .config import Settings
from .connect import NotConfiguredError, salesforce_client
from .notify import ToolListNotifier
from .salesforce.client import SalesforceClient
from .tools.catalogue import Catalogue
from .tools.describe_cache import DescribeCache, default_cache_dir
from .tools.flow_catalogue import FlowCatalogue, FlowToolOptions
from .tools.flow_loading import FlowLoader

__all__ = ["NotConfiguredError", "Running", "call_tool_json", "list_tools_json", "mcp_server", "serve"]

logger = logging.getLogger(__name__)


@dataclass
class Running:
    server: FlowServer
    catalogue: Catalogue
    flows: FlowCatalogue | None


def assemble(
    client: SalesforceClient, settings: Settings, *, demo: bool = False, notifier: ToolListNotifier | None = None
) -> Running:
    """Catalogue, per-flow catalogue and MCP server over a connected client (nothing started yet)."""
    notifier = notifier or ToolListNotifier()
    catalogue = Catalogue(client, settings.dialect, read_only=settings.read_only)
    flows = None
    if settings.flow_tools:
        cache = None
        cache_dir = settings.cache_dir if settings.cache_dir is not None else ("" if demo else str(default_cache_dir()))
        if cache_dir:
            cache = DescribeCache(Path(cache_dir), client.credentials.instance_url, client.api_version)
        loader = FlowLoader(client, use_composite=settings.dialect == "salesforce", cache=cache)
        options = FlowToolOptions(
            include=settings.include_flows,
            exclude=settings.exclude_flows,
            max_flow_tools=settings.max_flow_tools,
            refresh_interval=settings.refresh_interval,
            startup_wait=settings.catalogue_wait,
        )
        flows = FlowCatalogue(catalogue, loader, options, notifier.tools_changed)
    return Running(build_server(catalogue, flows, notifier), catalogue, flows)


@asynccontextmanager
async def mcp_server(settings: Settings, demo: bool = False, flows_dir: Path | None = None) -> AsyncIterator[Running]:
    """A ready-to-serve server; the flow catalogue loads in the background while it runs."""
    async with salesforce_client(settings, demo=demo, flows_dir=flows_dir) as client:
        running = assemble(client, settings, demo=demo)
        async with anyio.create_task_group() as group:
            if running.flows is not None:
                group.start_soon(running.flows.run)
            try:
                yield running
            finally:
                group.cancel_scope.cancel()


async def serve(settings: Settings, demo: bool, flows_dir: Path | None, transport: str, host: str, port: int) -> None:
    async with mcp_server(settings, demo, flows_dir) as running:
        if transport == "stdio":
            await serve_stdio(running.server)
            return
        import uvicorn

        app = running.server.streamable_http_app(host=host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning")
        logger.warning("MCP over streamable HTTP at http://%s:%d/mcp", host, port)
        await uvicorn.Server(config).serve()


async def list_tools_json(settings: Settings, demo: bool, flows_dir: Path | None) -> dict[str, Any]:
    async with mcp_server(settings, demo, flows_dir) as running, Client(running.server, mode="legacy") as client:
        result = await client.list_tools()
        return {
            "tools": [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in result.tools],
            "flowToolPolicy": running.flows.policy if running.flows else "flow tools disabled",
        }


async def call_tool_json(
    settings: Settings, demo: bool, flows_dir: Path | None, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    async with mcp_server(settings, demo, flows_dir) as running, Client(running.server, mode="legacy") as client:
        if running.flows is not None:
            await running.flows.wait_ready()
        result = await client.call_tool(name, arguments)
        dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped
