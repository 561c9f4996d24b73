"""MCP wiring: the low-level mcp Server over the tool catalogue, with the protocol features of server/mcp_features."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from . import __version__, defaults
from .mcp_features import prompts
from .mcp_features.completions import Completions
from .mcp_features.confirmation import ConfirmPolicy
from .mcp_features.icons import SERVER_ICONS, with_icons
from .mcp_features.log_notifications import LogNotifications
from .mcp_features.long_calls import LongCalls
from .mcp_features.org_kind import OrgKindProbe
from .mcp_features.progress import ProgressHub
from .mcp_features.resources import FlowResources
from .mcp_features.tool_calls import ToolCalls
from .notify import ToolListNotifier
from .result_masking import masked_result
from .setup_mode import INSTRUCTIONS as SETUP_INSTRUCTIONS
from .setup_mode import SetupStatus
from .stdio_guard import guarded_stdio_server
from .tools.catalogue import Catalogue
from .tools.flow_catalogue import FlowCatalogue

logger = logging.getLogger(__name__)

SERVER_NAME = "salesforce-flow-mcp"
INSTRUCTIONS = (
    "Tools for Salesforce Flows. Find flows with list_flows or list_invocable_flows, read an invocable flow's "
    "inputs with get_invocable_flow_metadata, run it with invoke_flow (or its own flow_<ApiName> tool), and start "
    "flows with create_flow_interview. Tools that change the org are marked destructive. Besides its own outputs, "
    "every flow returns Flow__InterviewStatus (Finished; Waiting when it paused) and Flow__InterviewGuid."
)


@dataclass(frozen=True)
class ProtocolOptions:
    policy: ConfirmPolicy = field(default_factory=ConfirmPolicy)
    long_call_bound: float = defaults.LONG_CALL_BOUND
    invoke_batch_size: int = defaults.INVOKE_BATCH_SIZE
    progress_interval: float = defaults.PROGRESS_INTERVAL
    demo: bool = False  # the embedded org: never production


class FlowServer(Server[Any]):
    """A low-level Server whose tool and resource lists can change: it always advertises listChanged for both.

    Logging is offered to 2025-11-25 clients only: 2026-07-28 deprecates it (logs stay on stderr).
    """

    tool_calls: ToolCalls | None = None  # the tools/call pipeline (its long-call jobs are read by resources and tests)

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        options = notification_options or NotificationOptions(tools_changed=True, resources_changed=True)
        return super().create_initialization_options(options, experimental_capabilities, extensions)

    def get_capabilities(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
        *,
        protocol_version: str | None = None,
    ) -> types.ServerCapabilities:
        capabilities = super().get_capabilities(
            notification_options, experimental_capabilities, extensions, protocol_version=protocol_version
        )
        if protocol_version in MODERN_PROTOCOL_VERSIONS:
            capabilities = capabilities.model_copy(update={"logging": None})
        return capabilities


def build_server(
    catalogue: Catalogue,
    flows: FlowCatalogue | None = None,
    notifier: ToolListNotifier | None = None,
    options: ProtocolOptions | None = None,
    setup: SetupStatus | None = None,
) -> FlowServer:
    """`setup`: no org is configured; the server adds the `setup_status` tool and says so in its instructions."""
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
        options.progress_interval,
    )

    resources = FlowResources(catalogue.client, catalogue.dialect, flows, long_calls, notifier)
    completions = Completions(catalogue.client, catalogue.dialect, flows, long_calls)
    logs = LogNotifications()

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        async with long_calls.running(), logs.running():
            yield {}

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        listed = await calls.list_tools(ctx, params)
        tools = with_icons(listed.tools)
        return listed.model_copy(update={"tools": [setup.tool, *tools] if setup else tools})

    async def call_tool(
        ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if setup is not None and params.name == setup.tool.name:
            return setup.result()
        return await calls.call_tool(ctx, params)

    with warnings.catch_warnings():  # logging is deprecated in 2026-07-28, which this server knows (see above)
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        server = FlowServer(
            SERVER_NAME,
            version=__version__,
            title="Salesforce Flows",
            description="Salesforce Flows for AI agents: run, inspect and manage flows and flow interviews",
            instructions=SETUP_INSTRUCTIONS if setup else INSTRUCTIONS,
            icons=SERVER_ICONS,
            lifespan=lifespan,
            on_list_tools=list_tools,
            on_call_tool=_masking(call_tool),
            on_list_resources=resources.list_resources,
            on_list_resource_templates=resources.list_templates,
            on_read_resource=resources.read,
            on_subscribe_resource=notifier.subscribe,
            on_unsubscribe_resource=notifier.unsubscribe,
            on_list_prompts=prompts.list_prompts,
            on_get_prompt=prompts.get_prompt,
            on_completion=completions.complete,
            on_set_logging_level=logs.set_level,
            on_subscriptions_listen=notifier.listen_handler,
        )
    server.tool_calls = calls
    server.middleware.append(notifier.middleware)
    # 2026-07-28 confirmations carry our requestState through the client: sealed, and bound to the same call.
    server.middleware.append(RequestStateBoundary(RequestStateSecurity.ephemeral(), default_audience=SERVER_NAME))
    return server


CallHandler = Callable[[Any, types.CallToolRequestParams], Awaitable[types.CallToolResult | types.InputRequiredResult]]


def _masking(handler: CallHandler) -> CallHandler:
    """Every tool result leaves with the known secrets masked (result_masking.py), whichever path made it."""

    async def call_tool(
        ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        result = await handler(ctx, params)
        return masked_result(result) if isinstance(result, types.CallToolResult) else result

    return call_tool


async def serve_stdio(server: Server[Any]) -> None:
    async with guarded_stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
