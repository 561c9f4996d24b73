"""Log notifications for 2025-11-25 clients: after `logging/setLevel`, the server's own log records at or above that
level go to the client as `notifications/message`, masked as stderr is (no token ever). 2026-07-28 deprecates
logging: those clients are offered no logging capability and get nothing; stderr keeps every log either way."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.exceptions import MCPDeprecationWarning

from salesforce_flow_mcp.auth.masking import redact

PACKAGE_LOGGER = "salesforce_flow_mcp"  # only our own records: the SDK's would log about sending logs
BACKLOG = 200  # records waiting to be sent; beyond that they are dropped (stderr still has them)
# MCP log levels (RFC 5424 names) as Python levels.
LEVELS: dict[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO + 5,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL + 5,
    "emergency": logging.CRITICAL + 10,
}


def mcp_level(levelno: int) -> types.LoggingLevel:
    name = "debug"
    for candidate, threshold in LEVELS.items():
        if levelno >= threshold:
            name = candidate
    return name  # type: ignore[return-value]


class LogNotifications(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._sessions: dict[Any, int] = {}  # session -> the Python level it asked for
        self._send: MemoryObjectSendStream[tuple[types.LoggingLevel, str, str]] | None = None
        self._loop_thread: int | None = None
        self._stderr_levels: dict[logging.Handler, int] = {}
        self._package_level: int | None = None

    async def set_level(self, ctx: Any, params: types.SetLevelRequestParams) -> types.EmptyResult:
        level = LEVELS.get(params.level, logging.INFO)
        self._sessions[ctx.session] = level
        self._let_through(level)
        return types.EmptyResult()

    def _let_through(self, level: int) -> None:
        """Our logger must make records at the asked level; stderr keeps showing only what it showed before."""
        package = logging.getLogger(PACKAGE_LOGGER)
        effective = package.getEffectiveLevel()
        if level >= effective:
            return
        if self._package_level is None:
            self._package_level = package.level
        for handler in logging.getLogger().handlers:
            if handler is not self and handler not in self._stderr_levels:
                self._stderr_levels[handler] = handler.level
                handler.setLevel(max(handler.level, effective))
        package.setLevel(level)

    def emit(self, record: logging.LogRecord) -> None:
        if self._send is None or not self._sessions or threading.get_ident() != self._loop_thread:
            return
        if record.levelno < min(self._sessions.values()):
            return
        try:
            text = redact(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({type(record.exc_info[1]).__name__}: {redact(str(record.exc_info[1]))})"
            self._send.send_nowait((mcp_level(record.levelno), record.name, text))
        except (anyio.WouldBlock, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # a full backlog or a closed server: stderr still has the record

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        send, receive = anyio.create_memory_object_stream[tuple[types.LoggingLevel, str, str]](BACKLOG)
        self._send, self._loop_thread = send, threading.get_ident()
        logging.getLogger(PACKAGE_LOGGER).addHandler(self)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._pump, receive)
                try:
                    yield
                finally:
                    group.cancel_scope.cancel()
        finally:
            logging.getLogger(PACKAGE_LOGGER).removeHandler(self)
            self._send = None
            send.close()
            self._restore_levels()

    def _restore_levels(self) -> None:
        if self._package_level is not None:
            logging.getLogger(PACKAGE_LOGGER).setLevel(self._package_level)
            self._package_level = None
        for handler, level in self._stderr_levels.items():
            handler.setLevel(level)
        self._stderr_levels.clear()
        self._sessions.clear()

    async def _pump(self, receive: MemoryObjectReceiveStream[tuple[types.LoggingLevel, str, str]]) -> None:
        async with receive:
            async for level, name, text in receive:
                for session, wanted in list(self._sessions.items()):
                    if LEVELS[level] < wanted:
                        continue
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", MCPDeprecationWarning)
                            await session.send_log_message(level, text, logger=name)
                    except Exception:  # a closed session: stop sending to it
                        self._sessions.pop(session, None)
