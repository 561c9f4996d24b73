"""MCP wiring: the low-level mcp Server over the tool catalogue."""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions

from . import __version__
from .tools.catalogue import Catalogue

logger = logging.getLogger(__name__)

SERVER_NAME = "salesforce-flow-mcp"
INSTRUCTIONS = (
    "Tools for Salesforce Flows. Find flows with list_flows or list_invocable_flows, read an invocable flow's "
    "inputs with get_invocable_flow_metadata, run it with invoke_flow (or its own flow_<ApiName> tool), and start "
    "screen flows with create_flow_interview. Tools that change the org are marked destructive."
)


def build_server(catalogue: Catalogue) -> Server[Any]:
    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=catalogue.tools())

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await catalogue.call(params.name, params.arguments)

    return Server(
        SERVER_NAME,
        version=__version__,
        title="Salesforce Flows",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def initialization_options(server: Server[Any]) -> InitializationOptions:
    return server.create_initialization_options(NotificationOptions(tools_changed=True))


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, initialization_options(server))
