"""Progress notifications: for one request when its caller gave a progress token, and from the flow loader to
whoever is waiting for it (tools/list during startup, refresh_flows)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio

logger = logging.getLogger(__name__)

Step = tuple[float, float | None, str | None]
ProgressFn = Callable[[float, float | None, str | None], Any]


def wants_progress(ctx: Any) -> bool:
    """Whether the caller gave a progress token. Over JSON-RPC (stdio, HTTP, in-process 2025-11-25) it is in `_meta`;
    the SDK's in-process 2026-07-28 dispatcher hands the callback over directly, without a token on the wire."""
    meta = ctx.meta or {}
    if meta.get("progress_token") is not None or meta.get("progressToken") is not None:
        return True
    outbound = getattr(ctx.session, "_request_outbound", None)
    while getattr(outbound, "_inner", None) is not None:  # the SDK wraps it for 2026-07-28 dispatch
        outbound = outbound._inner  # type: ignore[union-attr]
    return getattr(outbound, "_on_progress", None) is not None


class RequestProgress:
    """Sends progress for one request; stops once the request has answered (a background call keeps running)."""

    def __init__(self, ctx: Any) -> None:
        self._session = ctx.session
        self.enabled = wants_progress(ctx)
        self._open = True

    def close(self) -> None:
        self._open = False

    async def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if not (self.enabled and self._open):
            return
        try:
            await self._session.report_progress(progress, total, message)
        except Exception as exc:  # a client that went away must not fail the call
            logger.debug("could not send progress: %s", exc)
            self._open = False


class ProgressHub:
    """Progress of work that runs on its own (the flow loader), fanned out to the requests waiting for it.

    The loader calls `publish` (synchronous, from the event loop); `follow` forwards each step to one request until
    the given event is set.
    """

    def __init__(self) -> None:
        self.latest: Step | None = None
        self._changed = anyio.Event()

    def publish(self, progress: float, total: float | None, message: str | None) -> None:
        self.latest = (progress, total, message)
        self._changed.set()
        self._changed = anyio.Event()

    async def follow(self, report: RequestProgress, done: anyio.Event, *, since: Step | None = None) -> None:
        """Forward steps until `done`, from the one published now (a load under way) or those after `since`; the
        last step is sent even when `done` comes before the follower saw it."""
        if not report.enabled:
            await done.wait()
            return
        sent = since

        async def forward() -> None:
            nonlocal sent
            while True:
                step = self.latest
                if step is not None and step != sent:
                    await report(*step)
                    sent = step
                if self.latest == step:
                    await self._changed.wait()

        async with anyio.create_task_group() as group:
            group.start_soon(forward)
            await done.wait()
            group.cancel_scope.cancel()
        if self.latest is not None and self.latest != sent:
            await report(*self.latest)
