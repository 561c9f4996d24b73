"""The upstream leg of a sign-in: the browser goes from our /authorize to Salesforce (authorization code + PKCE with
the team's External Client App) and comes back to /oauth/salesforce/callback, where we exchange Salesforce's code,
keep the user's Salesforce tokens (grants.py) and send the browser on to the MCP client with our own code.

Salesforce's side follows the OAuth 2.0 web server flow with PKCE
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm): `code_challenge` with
S256 on the authorize request, `code_verifier` on the token request, `state` echoed on the redirect.
"""

from __future__ import annotations

import html
import logging
import secrets
from typing import TYPE_CHECKING

from mcp.server.auth.provider import AuthorizationParams, construct_redirect_uri
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..auth.errors import AuthError
from .grants import SalesforceGrants, UpstreamApp
from .store import SealedRecords, hashed

if TYPE_CHECKING:
    from .provider import FlowAuthProvider

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/salesforce/callback"
PENDING_LIFETIME = 600  # seconds a person has to sign in at Salesforce
SALESFORCE_SCOPES = "api refresh_token"
_NO_STORE = {"Cache-Control": "no-store"}


class SalesforceSignIn:
    def __init__(self, records: SealedRecords, grants: SalesforceGrants, upstream: UpstreamApp) -> None:
        self.records = records
        self.grants = grants
        self.upstream = upstream
        self.provider: FlowAuthProvider | None = None  # set once both exist

    async def start(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        pending = {
            "client_id": client.client_id,
            "verifier": verifier,
            "state": params.state,
            "scopes": params.scopes,
            "code_challenge": params.code_challenge,
            "redirect_uri": str(params.redirect_uri),
            "redirect_uri_provided_explicitly": params.redirect_uri_provided_explicitly,
        }
        await self.records.put(hashed("pending", state), pending, ttl=PENDING_LIFETIME)
        client_ = self.upstream.client()
        try:
            return client_.authorization_url(state=state, code_verifier=verifier, scope=SALESFORCE_SCOPES)
        finally:
            await client_.aclose()

    def routes(self) -> list[Route]:
        return [Route(CALLBACK_PATH, self.callback, methods=["GET"])]

    async def callback(self, request: Request) -> Response:
        state = request.query_params.get("state", "")
        pending = await self.records.take(hashed("pending", state)) if state else None
        if pending is None:
            return _page(400, "This sign-in expired or was already used. Start again from your MCP client.")
        redirect_uri, client_state = pending["redirect_uri"], pending["state"]
        if request.query_params.get("error"):
            # RFC 6749 §4.1.2.1: the MCP client hears that the user (or Salesforce) said no
            return _back(redirect_uri, client_state, error="access_denied", description="Salesforce sign-in refused")
        upstream = self.upstream.client()
        try:
            issued = await upstream.exchange_code(str(request.url), state=state, code_verifier=pending["verifier"])
            grant = await self.grants.save(issued)
        except AuthError as exc:
            logger.warning("a Salesforce sign-in failed: %s", exc)
            return _back(redirect_uri, client_state, error="access_denied", description=str(exc)[:200])
        finally:
            await upstream.aclose()
        if self.provider is None:
            raise RuntimeError("SalesforceSignIn.provider is not set")
        code = await self.provider.issue_code(pending["client_id"], pending, grant.subject)
        logger.info("signed in %s for MCP client %s", grant.subject, pending["client_id"])
        return RedirectResponse(construct_redirect_uri(redirect_uri, code=code, state=client_state), 302, _NO_STORE)


def _back(redirect_uri: str, state: str | None, *, error: str, description: str) -> Response:
    url = construct_redirect_uri(redirect_uri, error=error, error_description=description, state=state)
    return RedirectResponse(url, 302, _NO_STORE)


def _page(status: int, text: str) -> Response:
    body = f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign-in</title><p>{html.escape(text)}</p>'
    return HTMLResponse(body, status_code=status, headers=_NO_STORE)
