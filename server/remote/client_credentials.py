"""The client-credentials grant (RFC 6749 §4.4) at our token endpoint, for the machine clients in machine.py.

The mcp SDK's token handler knows authorization_code, refresh_token and jwt-bearer only, so this ASGI layer in front
of the app answers `POST /token` with `grant_type=client_credentials` itself (everything else goes on, body intact).
The authorization-server metadata lists the grant (as_metadata.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi_json import BodyTooLargeError, header, oauth_error, read_body, replay, send_json
from .machine import MachineClient
from .provider import SCOPE, FlowAuthProvider, same_resource

TOKEN_PATH = "/token"


class ClientCredentialsGrant:
    def __init__(self, app: ASGIApp, provider: FlowAuthProvider, clients: Mapping[str, MachineClient]) -> None:
        self.app = app
        self.provider = provider
        self.clients = clients

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != TOKEN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)
        except BodyTooLargeError as exc:
            await send_json(send, 413, oauth_error("invalid_request", str(exc)))
            return
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            await self.app(scope, replay(body), send)
            return
        status, answer = await self._grant(form, header(scope, b"authorization"))
        await send_json(send, status, json.dumps(answer).encode())

    async def _grant(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return 401, oauth_error("invalid_client", "malformed Basic credentials")
            # RFC 6749 §2.3.1: both are form-urlencoded before they are joined
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self.clients.get(client_id or "")
        if client is None or not secret or not client.secret_matches(secret):
            return 401, oauth_error("invalid_client", "unknown client or wrong secret")
        requested = (form.get("scope") or SCOPE).split()
        if any(s != SCOPE for s in requested):
            return 400, oauth_error("invalid_scope", f"the only scope is {SCOPE!r}")
        resource = form.get("resource")
        if resource and not same_resource(resource, self.provider.resource_url):
            return 400, oauth_error(
                "invalid_target", f"this server issues tokens only for {self.provider.resource_url}"
            )
        # RFC 6749 §4.4.3: no refresh token; the client asks again with its credentials
        token = await self.provider.issue_tokens(client.client_id, [SCOPE], client.subject, with_refresh=False)
        return 200, token.model_dump(mode="json", exclude_none=True)
