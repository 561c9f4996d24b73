"""What the commands run: the MCP server over a connected org, and one-shot tools/list and tools/call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.server import Server

from .app import build_server, serve_stdio
from .config import Settings
from .connect import NotConfiguredError, salesforce_client
from .tools.catalogue import Catalogue

__all__ = ["NotConfiguredError", "call_tool_json", "list_tools_json", "mcp_server", "serve"]

logger = logging.getLogger(__name__)


@asynccontextmanager
async def mcp_server(settings: Settings, demo: bool = False, flows_dir: Path | None = None) -> AsyncIterator[Server[Any]]:
    async with salesforce_client(settings, demo=demo, flows_dir=flows_dir) as client:
        catalogue = Catalogue(client, settings.dialect, read_only=settings.read_only)
        yield build_server(catalogue)


async def serve(
    settings: Settings, demo: bool, flows_dir: Path | None, transport: str, host: str, port: int
) -> None:
    async with mcp_server(settings, demo, flows_dir) as server:
        if transport == "stdio":
            await serve_stdio(server)
            return
        import uvicorn

        app = server.streamable_http_app(host=host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning")
        logger.warning("MCP over streamable HTTP at http://%s:%d/mcp", host, port)
        await uvicorn.Server(config).serve()


async def list_tools_json(settings: Settings, demo: bool, flows_dir: Path | None) -> list[dict[str, Any]]:
    async with mcp_server(settings, demo, flows_dir) as server, Client(server, mode="legacy") as client:
        result = await client.list_tools()
        return [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in result.tools]


async def call_tool_json(
    settings: Settings, demo: bool, flows_dir: Path | None, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    async with mcp_server(settings, demo, flows_dir) as server, Client(server, mode="legacy") as client:
        result = await client.call_tool(name, arguments)
        dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped
