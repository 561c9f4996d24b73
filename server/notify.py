"""Telling connected clients that the tool list changed, in both protocol eras.

2025-11-25 sessions get `notifications/tools/list_changed` on their session; 2026-07-28 clients have no standing
session and hear about changes only on a `subscriptions/listen` stream, fed by a subscription bus.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

logger = logging.getLogger(__name__)


class ToolListNotifier:
    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.listen_handler = ListenHandler(self.bus)
        # One per handshake-era connection, taken when the client says `initialized`; dropped once sending fails.
        self._legacy_sessions: set[Any] = set()

    async def middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        """Remember each handshake-era connection, so it can be told about changes later."""
        result = await call_next(ctx)
        if ctx.method == "notifications/initialized" and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._legacy_sessions.add(ctx.session)
        return result

    async def tools_changed(self) -> None:
        await self.bus.publish(ToolsListChanged())
        for session in list(self._legacy_sessions):
            try:
                await session.send_tool_list_changed()
            except Exception as exc:  # a closed session must not stop the others hearing about it
                logger.debug("could not notify a session of the tool list change: %s", exc)
                self._legacy_sessions.discard(session)
