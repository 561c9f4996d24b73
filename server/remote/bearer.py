"""`--auth token`: one bearer token for the whole endpoint, checked by the mcp SDK's bearer middleware."""

from __future__ import annotations

import hmac

from mcp.server.auth.provider import AccessToken

TOKEN_CLIENT_ID = "http-token"


class SharedTokenVerifier:
    """A TokenVerifier (mcp.server.auth.provider) that accepts exactly one token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if not hmac.compare_digest(token.encode(), self._token):
            return None
        return AccessToken(token=token, client_id=TOKEN_CLIENT_ID, scopes=[])
