"""The authorization server MCP clients talk to (the mcp SDK's OAuthAuthorizationServerProvider): client
registration, authorization codes, and our own opaque access and refresh tokens, all in the store.

What the MCP authorization specification asks of it (2025-11-25,
https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization), and where it happens:
- Tokens are audience-bound (RFC 8707): every token records the resource it was issued for, always this server's
  MCP endpoint; an authorization request naming another resource is refused with `invalid_target`, and the bearer
  middleware refuses a token recorded for another resource (AuthSettings.validate_token_resource).
- No token passthrough: MCP clients never see a Salesforce token and a Salesforce token is no bearer token here;
  the user's Salesforce tokens stay in the store (grants.py), keyed by the subject our tokens carry.
- The user's sign-in is delegated to Salesforce (signin.py): `authorize` sends the browser there, and the code
  we issue once Salesforce sends it back names the Salesforce user as its subject.
- Clients register by client ID metadata document (client_documents.py), or dynamically (RFC 7591).
- Tokens are stored under their SHA-256 (store.hashed), sealed; codes are single-use (Store.take).
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from .client_documents import ClientDocumentError, ClientDocuments, is_document_url
from .grants import SalesforceGrants
from .machine import MACHINE_SUBJECT_PREFIX
from .store import SealedRecords, hashed

logger = logging.getLogger(__name__)

ACCESS_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600
CODE_LIFETIME = 600  # RFC 6749 §4.1.2: at most 10 minutes
SCOPE = "flows"


class McpAccessToken(AccessToken):
    refresh_key: str | None = None


class McpRefreshToken(RefreshToken):
    access_key: str | None = None


class FlowAuthProvider:
    """OAuthAuthorizationServerProvider[AuthorizationCode, McpRefreshToken, McpAccessToken] over the store."""

    def __init__(
        self,
        records: SealedRecords,
        grants: SalesforceGrants,
        resource_url: str,
        signin: Any,
        documents: ClientDocuments | None = None,
    ) -> None:
        self.records = records
        self.grants = grants
        self.resource_url = resource_url
        self.signin = signin  # signin.SalesforceSignIn: starts the upstream leg
        self.documents = documents  # client ID metadata documents (None: dynamic registration only)

    # -- clients (client ID metadata documents; RFC 7591 dynamic registration) ----------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        """The SDK's /authorize, /token and /revoke handlers all come here for the client."""
        if self.documents is not None and is_document_url(client_id):
            try:
                return await self.documents.client(client_id)
            except ClientDocumentError as exc:  # /authorize has said why already (ClientDocumentCheck)
                logger.warning("%s", exc)
                return None
        data = await self.records.get(f"client:{client_id}")
        return OAuthClientInformationFull.model_validate(data) if data else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.records.put(f"client:{client_info.client_id}", client_info.model_dump(mode="json"))

    # -- authorization ------------------------------------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource is not None and not same_resource(params.resource, self.resource_url):
            raise AuthorizeError("invalid_target", f"this server issues tokens only for {self.resource_url}")
        url: str = await self.signin.start(client, params)
        return url

    async def issue_code(self, client_id: str, params: dict[str, Any], subject: str) -> str:
        """Called by the sign-in callback once Salesforce has signed the user in."""
        code = secrets.token_urlsafe(32)
        grant = AuthorizationCode(
            code="",
            scopes=params.get("scopes") or [SCOPE],
            expires_at=time.time() + CODE_LIFETIME,
            client_id=client_id,
            code_challenge=params["code_challenge"],
            redirect_uri=params["redirect_uri"],
            redirect_uri_provided_explicitly=params["redirect_uri_provided_explicitly"],
            resource=self.resource_url,
            subject=subject,
        )
        await self.records.put(hashed("code", code), grant.model_dump(mode="json"), ttl=CODE_LIFETIME)
        return code

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        data = await self._held_by(client, "code", authorization_code)
        return AuthorizationCode.model_validate({**data, "code": authorization_code}) if data else None

    async def _held_by(self, client: OAuthClientInformationFull, kind: str, secret: str) -> dict[str, Any] | None:
        """A stored code or refresh token, if it exists and was issued to this client (RFC 6749 §4.1.3, §6)."""
        data = await self.records.get(hashed(kind, secret))
        return data if data is not None and data.get("client_id") == client.client_id else None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        # take(): of two exchanges racing with one code, one wins (RFC 6749 §4.1.2: a code is used once)
        if await self.records.take(hashed("code", authorization_code.code)) is None:
            raise TokenError("invalid_grant", "authorization code already used or expired")
        return await self.issue_tokens(client.client_id, authorization_code.scopes, authorization_code.subject)

    async def issue_tokens(
        self, client_id: str, scopes: list[str], subject: str | None, *, with_refresh: bool = True
    ) -> OAuthToken:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32) if with_refresh else None
        access_key, refresh_key = hashed("access", access), hashed("refresh", refresh) if refresh else None
        now = int(time.time())
        granted: dict[str, Any] = {"token": "", "client_id": client_id, "scopes": scopes, "resource": self.resource_url}
        token = McpAccessToken(
            **granted, subject=subject, expires_at=now + ACCESS_TOKEN_LIFETIME, refresh_key=refresh_key
        )
        await self.records.put(access_key, token.model_dump(mode="json"), ttl=ACCESS_TOKEN_LIFETIME)
        if refresh is not None and refresh_key is not None:
            stored = McpRefreshToken(
                **granted, subject=subject, expires_at=now + REFRESH_TOKEN_LIFETIME, access_key=access_key
            )
            await self.records.put(refresh_key, stored.model_dump(mode="json"), ttl=REFRESH_TOKEN_LIFETIME)
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=ACCESS_TOKEN_LIFETIME,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )

    # -- refresh (rotated on every use, RFC 9700 §2.2.2) --------------------------------------------------------
    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> McpRefreshToken | None:
        data = await self._held_by(client, "refresh", refresh_token)
        return McpRefreshToken.model_validate({**data, "token": refresh_token}) if data else None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: McpRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        if await self.records.take(hashed("refresh", refresh_token.token)) is None:
            raise TokenError("invalid_grant", "refresh token already used or revoked")
        if refresh_token.access_key:
            await self.records.delete(refresh_token.access_key)
        if refresh_token.subject and await self.grants.load(refresh_token.subject) is None:
            raise TokenError("invalid_grant", "the Salesforce sign-in behind this token has ended: sign in again")
        return await self.issue_tokens(client.client_id, scopes or refresh_token.scopes, refresh_token.subject)

    # -- the resource server's side ----------------------------------------------------------------------------
    async def load_access_token(self, token: str) -> McpAccessToken | None:
        data = await self.records.get(hashed("access", token))
        if data is None:
            return None
        loaded = McpAccessToken.model_validate({**data, "token": token})
        if loaded.expires_at is not None and loaded.expires_at < time.time():
            return None
        return loaded

    async def exchange_identity_assertion(self, client: OAuthClientInformationFull, params: Any) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "identity assertions (SEP-990) are not accepted here")

    # -- sign-out (RFC 7009 revocation) -------------------------------------------------------------------------
    async def revoke_token(self, token: McpAccessToken | McpRefreshToken) -> None:
        """Revokes the pair, and the Salesforce sign-in behind it (the user signs out of this server)."""
        if isinstance(token, McpAccessToken):
            await self.records.delete(hashed("access", token.token))
            if token.refresh_key:
                await self.records.delete(token.refresh_key)
        else:
            await self.records.delete(hashed("refresh", token.token))
            if token.access_key:
                await self.records.delete(token.access_key)
        if token.subject and not token.subject.startswith(MACHINE_SUBJECT_PREFIX):
            await self.grants.sign_out(token.subject)


def same_resource(a: str, b: str) -> bool:
    """RFC 8707 resource indicators compared as the SDK's bearer middleware does: a trailing slash aside."""
    return a.rstrip("/") == b.rstrip("/")
