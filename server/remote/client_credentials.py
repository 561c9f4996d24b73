"""The client-credentials grant (RFC 6749 §4.4) at our token endpoint, for the machine clients in machine.py.

The mcp SDK's token handler knows authorization_code, refresh_token and jwt-bearer only, so this ASGI layer in front
of the app answers `POST /token` with `grant_type=client_credentials` itself (everything else goes on, body intact),
and serves the authorization-server metadata (RFC 8414) with `client_credentials` among its grant types.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from mcp.server.auth.routes import build_metadata
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .machine import MachineClient
from .provider import SCOPE, FlowAuthProvider, same_resource

TOKEN_PATH = "/token"
METADATA_PATH = "/.well-known/oauth-authorization-server"
MAX_FORM = 64 * 1024


class ClientCredentialsGrant:
    def __init__(
        self, app: ASGIApp, provider: FlowAuthProvider, clients: Mapping[str, MachineClient], auth: AuthSettings
    ) -> None:
        self.app = app
        self.provider = provider
        self.clients = clients
        metadata = build_metadata(
            auth.issuer_url,
            auth.service_documentation_url,
            auth.client_registration_options or ClientRegistrationOptions(),
            auth.revocation_options or RevocationOptions(),
        )
        metadata.grant_types_supported = [*(metadata.grant_types_supported or []), "client_credentials"]
        self._metadata = metadata.model_dump_json(exclude_none=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == METADATA_PATH and scope["method"] == "GET":
            await _send_json(send, 200, self._metadata, cors=True)
            return
        if scope["type"] != "http" or scope["path"] != TOKEN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM:
                await _send_json(send, 413, _error("invalid_request", "the request body is too large"))
                return
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            await self.app(scope, _replay(body), send)
            return
        status, answer = await self._grant(form, _header(scope, b"authorization"))
        await _send_json(send, status, json.dumps(answer).encode())

    async def _grant(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return 401, _error("invalid_client", "malformed Basic credentials")
            # RFC 6749 §2.3.1: both are form-urlencoded before they are joined
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self.clients.get(client_id or "")
        if client is None or not secret or not client.secret_matches(secret):
            return 401, _error("invalid_client", "unknown client or wrong secret")
        requested = (form.get("scope") or SCOPE).split()
        if any(s != SCOPE for s in requested):
            return 400, _error("invalid_scope", f"the only scope is {SCOPE!r}")
        resource = form.get("resource")
        if resource and not same_resource(resource, self.provider.resource_url):
            return 400, _error("invalid_target", f"this server issues tokens only for {self.provider.resource_url}")
        # RFC 6749 §4.4.3: no refresh token; the client asks again with its credentials
        token = await self.provider.issue_tokens(client.client_id, [SCOPE], client.subject, with_refresh=False)
        return 200, token.model_dump(mode="json", exclude_none=True)


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send_json(send: Send, status: int, body: bytes | dict[str, Any], *, cors: bool = False) -> None:
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
