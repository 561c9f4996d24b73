"""Telling connected clients that the tool list changed, in both protocol eras.

2025-11-25 sessions get `notifications/tools/list_changed` on their session; 2026-07-28 clients have no standing
session and hear about changes only on a `subscriptions/listen` stream, fed by a subscription bus.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

logger = logging.getLogger(__name__)


class ToolListNotifier:
    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.listen_handler = ListenHandler(self.bus)
        self._legacy_sessions: weakref.WeakSet[Any] = weakref.WeakSet()

    async def middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        """Remember every handshake-era session, so it can be told about changes later."""
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS and ctx.session is not None:
            self._legacy_sessions.add(ctx.session)
        return await call_next(ctx)

    async def tools_changed(self) -> None:
        await self.bus.publish(ToolsListChanged())
        for session in list(self._legacy_sessions):
            try:
                await session.send_tool_list_changed()
            except Exception as exc:  # a closed session must not stop the others hearing about it
                logger.debug("could not notify a session of the tool list change: %s", exc)
                self._legacy_sessions.discard(session)
