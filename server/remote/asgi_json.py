"""Small ASGI pieces the OAuth layers in front of the mcp SDK's routes share: reading a bounded request body and
handing it on intact, a header, a JSON answer, an OAuth error body (RFC 6749 §5.2)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

MAX_FORM = 64 * 1024


class BodyTooLargeError(ValueError):
    """The request body is over MAX_FORM bytes."""


async def read_body(receive: Receive, limit: int = MAX_FORM) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > limit:
            raise BodyTooLargeError(f"the request body is over {limit} bytes")
    return body


def replay(body: bytes) -> Receive:
    """A `receive` that hands the next app the body this layer has already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def oauth_error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}


async def send_json(send: Send, status: int, body: bytes | dict[str, Any], *, cors: bool = False) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if cors:
        headers.append((b"access-control-allow-origin", b"*"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
