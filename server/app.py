"""MCP wiring: the low-level mcp Server over the tool catalogue, with the protocol features of server/mcp_features."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity

from . import __version__
from .mcp_features.confirmation import ConfirmPolicy
from .mcp_features.long_calls import LongCalls
from .mcp_features.org_kind import OrgKindProbe
from .mcp_features.progress import ProgressHub
from .mcp_features.tool_calls import ToolCalls
from .notify import ToolListNotifier
from .stdio_guard import guarded_stdio_server
from .tools.catalogue import Catalogue
from .tools.flow_catalogue import FlowCatalogue

logger = logging.getLogger(__name__)

SERVER_NAME = "salesforce-flow-mcp"
INSTRUCTIONS = (
    "Tools for Salesforce Flows. Find flows with list_flows or list_invocable_flows, read an invocable flow's "
    "inputs with get_invocable_flow_metadata, run it with invoke_flow (or its own flow_<ApiName> tool), and start "
    "flows with create_flow_interview. Tools that change the org are marked destructive."
)


@dataclass(frozen=True)
class ProtocolOptions:
    policy: ConfirmPolicy = field(default_factory=ConfirmPolicy)
    long_call_bound: float = 50.0
    invoke_batch_size: int = 10
    demo: bool = False  # the embedded org: never production


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
    catalogue: Catalogue,
    flows: FlowCatalogue | None = None,
    notifier: ToolListNotifier | None = None,
    options: ProtocolOptions | None = None,
) -> FlowServer:
    notifier = notifier or ToolListNotifier()
    options = options or ProtocolOptions()
    long_calls = LongCalls(options.long_call_bound)
    loader_progress = ProgressHub()
    if flows is not None:
        flows.loader.progress = loader_progress.publish
    calls = ToolCalls(
        catalogue,
        flows,
        options.policy,
        OrgKindProbe(catalogue.client, demo=options.demo),
        long_calls,
        loader_progress,
        options.invoke_batch_size,
    )

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        async with long_calls.running():
            yield {}

    server = FlowServer(
        SERVER_NAME,
        version=__version__,
        title="Salesforce Flows",
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=calls.list_tools,
        on_call_tool=calls.call_tool,
        on_subscriptions_listen=notifier.listen_handler,
    )
    server.middleware.append(notifier.middleware)
    # 2026-07-28 confirmations carry our requestState through the client: sealed, and bound to the same call.
    server.middleware.append(RequestStateBoundary(RequestStateSecurity.ephemeral(), default_audience=SERVER_NAME))
    return server


async def serve_stdio(server: Server[Any]) -> None:
    async with guarded_stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
