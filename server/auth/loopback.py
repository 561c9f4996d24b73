"""The loopback redirect listener of `login`: a tiny HTTP server on 127.0.0.1 that waits for the browser to come
back from the authorize page with `?code=...&state=...` (or `?error=...`).

It answers exactly one redirect: the first request to the redirect path is handed to the caller, whose outcome is
shown to the user as a small HTML page; every other path gets 404 (browsers ask for /favicon.ico).
"""

from __future__ import annotations

import errno
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc

from .errors import AuthError

LOOPBACK_HOST = "127.0.0.1"
DEFAULT_PORT = 1717
REDIRECT_PATH = "/OauthRedirect"
_MAX_REQUEST_HEAD = 16 * 1024
_READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class RedirectOutcome:
    ok: bool
    message: str  # shown in the browser and printed by `login`; never contains a secret


RedirectHandler = Callable[[dict[str, str]], Awaitable[RedirectOutcome]]


class LoopbackRedirectListener:
    """`async with LoopbackRedirectListener(port) as listener:` binds 127.0.0.1:port (0 = any free port)."""

    def __init__(self, port: int = DEFAULT_PORT, *, path: str = REDIRECT_PATH) -> None:
        self._requested_port = port
        self.path = path
        self._listener: anyio.abc.Listener[anyio.abc.SocketStream] | None = None
        self._port: int | None = None

    async def __aenter__(self) -> LoopbackRedirectListener:
        try:
            listener = await anyio.create_tcp_listener(local_host=LOOPBACK_HOST, local_port=self._requested_port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AuthError(
                    f"Port {self._requested_port} on {LOOPBACK_HOST} is in use (another login running?). Pass --port N "
                    f"and add http://localhost:N{self.path} to the connected app's callback URLs."
                ) from None
            where = f"{LOOPBACK_HOST}:{self._requested_port}"
            raise AuthError(f"Cannot listen on {where}: {exc.strerror or exc}.") from None
        self._listener = listener
        self._port = int(listener.extra(anyio.abc.SocketAttribute.local_port))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._listener is not None:
            await self._listener.aclose()
            self._listener = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the listener is not open")
        return self._port

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{self.path}"

    async def wait(self, on_redirect: RedirectHandler) -> RedirectOutcome:
        """Serve until one request reaches the redirect path; return what `on_redirect` made of its query."""
        if self._listener is None:
            raise RuntimeError("the listener is not open")
        listener = self._listener
        claimed = False
        result: RedirectOutcome | None = None
        done = anyio.Event()

        async def handle(stream: anyio.abc.SocketStream) -> None:
            nonlocal claimed, result
            async with stream:
                try:
                    with anyio.fail_after(_READ_TIMEOUT):
                        method, target = await _read_request_line(stream)
                except (TimeoutError, ValueError, anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                    return
                parts = urlsplit(target)
                if parts.path != self.path:
                    await _respond(stream, 404, "Not found", "This address only receives the Salesforce sign-in.")
                    return
                if method != "GET":
                    await _respond(stream, 405, "Method not allowed", "The sign-in redirect is a GET.")
                    return
                if claimed:
                    await _respond(stream, 409, "Already answered", "This login already received its redirect.")
                    return
                claimed = True
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                outcome = await on_redirect(params)
                title = "Signed in" if outcome.ok else "Sign-in failed"
                try:
                    await _respond(stream, 200 if outcome.ok else 400, title, outcome.message)
                finally:
                    result = outcome
                    done.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, handle)
            await done.wait()
            tg.cancel_scope.cancel()
        assert result is not None
        return result


async def _read_request_line(stream: anyio.abc.SocketStream) -> tuple[str, str]:
    buffer = b""
    while b"\r\n\r\n" not in buffer and b"\n\n" not in buffer:
        if len(buffer) > _MAX_REQUEST_HEAD:
            raise ValueError("request head too large")
        buffer += await stream.receive()
    line = buffer.split(b"\n", 1)[0].decode("latin-1").strip()
    method, target, _version = line.split(" ", 2)
    return method.upper(), target


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - salesforce-flow-mcp</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>{title}</h1><p>{message}</p><p>You can close this tab.</p></body></html>
"""
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}


async def _respond(stream: anyio.abc.SocketStream, status: int, title: str, message: str) -> None:
    body = _PAGE.format(title=html.escape(title), message=html.escape(message)).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    try:
        await stream.send(head + body)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass  # the browser went away; the outcome stands
