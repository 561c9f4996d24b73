"""MCP wiring: the low-level mcp Server over the tool catalogue, with tool-list change notifications."""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions

from . import __version__
from .notify import ToolListNotifier
from .tools.catalogue import Catalogue
from .tools.flow_catalogue import FlowCatalogue

logger = logging.getLogger(__name__)

SERVER_NAME = "salesforce-flow-mcp"
INSTRUCTIONS = (
    "Tools for Salesforce Flows. Find flows with list_flows or list_invocable_flows, read an invocable flow's "
    "inputs with get_invocable_flow_metadata, run it with invoke_flow (or its own flow_<ApiName> tool), and start "
    "flows with create_flow_interview. Tools that change the org are marked destructive."
)


class FlowServer(Server[Any]):
    """A low-level Server whose tool list can change: it always advertises tools.listChanged."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        options = notification_options or NotificationOptions(tools_changed=True)
        return super().create_initialization_options(options, experimental_capabilities, extensions)


def build_server(
    catalogue: Catalogue, flows: FlowCatalogue | None = None, notifier: ToolListNotifier | None = None
) -> FlowServer:
    notifier = notifier or ToolListNotifier()

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        if flows is not None:
            await flows.wait_ready()  # bounded: a slow org still gets an answer
        return types.ListToolsResult(tools=catalogue.tools())

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await catalogue.call(params.name, params.arguments)

    server = FlowServer(
        SERVER_NAME,
        version=__version__,
        title="Salesforce Flows",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_subscriptions_listen=notifier.listen_handler,
    )
    server.middleware.append(notifier.middleware)
    return server


async def serve_stdio(server: Server[Any]) -> None:
    from .stdio_guard import guarded_stdio_server

    async with guarded_stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
