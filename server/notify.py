"""Telling connected clients that the tool list, the resource list or a resource changed, in both protocol eras.

2025-11-25 sessions get `notifications/tools/list_changed`, `notifications/resources/list_changed` and (for the URIs
they subscribed to with `resources/subscribe`) `notifications/resources/updated` on their session; 2026-07-28 clients
have no standing session and hear about changes only on a `subscriptions/listen` stream, fed by a subscription bus.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types
from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    ResourcesListChanged,
    ResourceUpdated,
    ToolsListChanged,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

logger = logging.getLogger(__name__)


class ToolListNotifier:
    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.listen_handler = ListenHandler(self.bus)
        # One per handshake-era connection, taken when the client says `initialized`; dropped once sending fails.
        self._legacy_sessions: set[Any] = set()
        # Handshake-era resource subscriptions: URI -> the sessions that subscribed to it.
        self._subscribed: dict[str, set[Any]] = {}

    async def middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        """Remember each handshake-era connection, so it can be told about changes later."""
        result = await call_next(ctx)
        if ctx.method == "notifications/initialized" and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._legacy_sessions.add(ctx.session)
        return result

    async def tools_changed(self) -> None:
        await self.bus.publish(ToolsListChanged())
        await self._tell_legacy(lambda session: session.send_tool_list_changed())

    async def resources_changed(self) -> None:
        await self.bus.publish(ResourcesListChanged())
        await self._tell_legacy(lambda session: session.send_resource_list_changed())

    async def resource_updated(self, uri: str) -> None:
        await self.bus.publish(ResourceUpdated(uri))
        for session in list(self._subscribed.get(uri, ())):
            if not await self._send(session, session.send_resource_updated(uri)):
                self._subscribed[uri].discard(session)

    async def subscribe(self, ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
        self._subscribed.setdefault(str(params.uri), set()).add(ctx.session)
        return types.EmptyResult()

    async def unsubscribe(self, ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        self._subscribed.get(str(params.uri), set()).discard(ctx.session)
        return types.EmptyResult()

    async def _tell_legacy(self, send: Callable[[Any], Awaitable[None]]) -> None:
        for session in list(self._legacy_sessions):
            if not await self._send(session, send(session)):
                self._legacy_sessions.discard(session)

    @staticmethod
    async def _send(session: Any, sending: Awaitable[None]) -> bool:
        try:
            await sending
        except Exception as exc:  # a closed session must not stop the others hearing about it
            logger.debug("could not notify a session of a change: %s", exc)
            return False
        return True
