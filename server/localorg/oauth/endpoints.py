"""The embedded org as an OAuth 2.0 server: `/services/oauth2/authorize|token|revoke`, as Salesforce serves them.

- authorize (GET): a login-and-approval page (a username field, Allow/Deny, a form POST) for `response_type=code`.
  "End users log in to Salesforce to authenticate themselves" and then grant access (web server flow,
  https://developer.salesforce.com/docs/atlas.en-us.chatterapi.meta/chatterapi/intro_oauth_web_server_flow.htm);
  the embedded org has no passwords, so the login is the username of an active User (prefilled from the documented
  `login_hint` parameter, else the admin user). POST: 302 to `redirect_uri?code=...&state=...`, or
  `?error=access_denied&error_description=...&state=...`. A bad client or redirect URI gets an error page, never
  a redirect. Public clients (no secret) must send a PKCE S256 `code_challenge`.
- token (POST form): see grants.py. Errors: 400 `{"error", "error_description"}`.
- revoke (POST form `token=`, or GET `?token=`): 200; an unknown token gives 400 `{"error": "invalid_token"}`.

Connected apps come from connected_apps.py.
"""

from __future__ import annotations

import base64
import binascii
import html
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp, connected_apps
from salesforce_flow_mcp.localorg.oauth.grants import (
    CODE_LIFETIME,
    AuthorizationCode,
    OAuthFailure,
    TokenIssuer,
)
from salesforce_flow_mcp.localorg.oauth.single_use import SingleUse
from salesforce_flow_mcp.localorg.store.state import OrgState

AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"
REVOKE_PATH = "/services/oauth2/revoke"
MAX_FORM_BYTES = 64 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_PAGE_HEADERS = {**_NO_STORE, "X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


@dataclass(frozen=True)
class _PendingApproval:
    app: ConnectedApp
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    scopes: tuple[str, ...]
    expires_at: float


def oauth_routes(state: OrgState) -> list[BaseRoute]:
    server = _OAuthServer(state)
    return [
        Route(AUTHORIZE_PATH, server.authorize, methods=["GET", "POST"]),
        Route(TOKEN_PATH, server.token, methods=["POST"]),
        Route(REVOKE_PATH, server.revoke, methods=["GET", "POST"]),
    ]


class _OAuthServer:
    def __init__(self, state: OrgState) -> None:
        self.state = state
        self.apps = connected_apps(state)
        self.codes: SingleUse[AuthorizationCode] = SingleUse(key_bytes=32)
        # Authorization requests waiting for Allow/Deny, keyed by a random id the approval form carries.
        self.approvals: SingleUse[_PendingApproval] = SingleUse(key_bytes=24)
        self.issuer = TokenIssuer(state, self.apps, self.codes)

    # -- authorize -----------------------------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._decide(request)
        params = dict(request.query_params)
        app = self.apps.get(params.get("client_id"))
        if app is None:
            return _error_page("invalid_client_id", "client identifier invalid")
        redirect_uri = params.get("redirect_uri") or (app.callback_urls[0] if app.callback_urls else "")
        if not redirect_uri or not app.callback_allowed(redirect_uri):
            return _error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        client_state = params.get("state")

        def fail(error: str, description: str) -> Response:
            return _redirect(redirect_uri, client_state, error=error, description=description)

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "response type not supported")
        challenge = params.get("code_challenge") or None
        if (params.get("code_challenge_method") or "S256") != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if challenge is not None and not 43 <= len(challenge) <= 128:
            return fail("invalid_request", "invalid code_challenge")
        if challenge is None and app.is_public:
            return fail("invalid_request", "missing required code challenge")
        requested = tuple(params.get("scope", "").split()) or app.scopes
        scopes = tuple(s for s in requested if s in app.scopes or s in ("full", "openid", "id")) or app.scopes
        expires = time.time() + CODE_LIFETIME
        request_id = self.approvals.add(_PendingApproval(app, redirect_uri, client_state, challenge, scopes, expires))
        username: str = params.get("login_hint") or ""
        if not username:
            username = await self.state.call(self._admin_username)
        return HTMLResponse(_approval_page(app, username, scopes, request_id), headers=_PAGE_HEADERS)

    async def _decide(self, request: Request) -> Response:
        form = await _read_form(request)
        if form is None:
            return _error_page("invalid_request", "the approval form is malformed or too large")
        pending = self.approvals.take(form.get("request_id", ""))
        if pending is None:
            return _error_page("invalid_request", "this approval request expired or was already answered; start again")
        if form.get("decision") != "allow":
            return _redirect(
                pending.redirect_uri, pending.state, error="access_denied", description="end-user denied authorization"
            )
        user_id = self.state.user_id
        if form.get("username"):
            found = await self.state.call(self._active_user_id, form["username"])
            if found is None:
                return _error_page("invalid_request", "no active user has that username; start again")
            user_id = found
        code = self.codes.add(
            AuthorizationCode(
                client_id=pending.app.client_id,
                redirect_uri=pending.redirect_uri,
                code_challenge=pending.code_challenge,
                user_id=user_id,
                scopes=pending.scopes,
                expires_at=time.time() + CODE_LIFETIME,
            )
        )
        return _redirect(pending.redirect_uri, pending.state, code=code)

    def _active_user_id(self, username: str) -> str | None:
        for user in self.state.records.rows("User"):
            name = user.get("Username")
            if isinstance(name, str) and name.lower() == username.strip().lower() and user.get("IsActive", True):
                return str(user["Id"])
        return None

    def _admin_username(self) -> str:
        user = self.state.records.get("User", self.state.user_id) or {}
        return str(user.get("Username") or self.state.user_id)

    # -- token ---------------------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        form = await _read_form(request)
        if form is None:
            return _oauth_error(OAuthFailure("invalid_request", "the body must be a form of at most 64 KB"))
        try:
            basic = _basic_auth(request.headers.get("authorization"))
            body = await self.issuer.grant(form, basic, str(request.base_url))
        except OAuthFailure as failure:
            return _oauth_error(failure)
        return JSONResponse(body, headers=_NO_STORE)

    # -- revoke --------------------------------------------------------------------------------------------------
    async def revoke(self, request: Request) -> Response:
        form = dict(request.query_params) if request.method == "GET" else await _read_form(request)
        token = (form or {}).get("token", "")
        if not token:
            return _oauth_error(OAuthFailure("invalid_token", "the token parameter is missing"))
        revoked = await self.state.call(self.state.sessions.revoke, token)
        if not revoked:
            return _oauth_error(OAuthFailure("invalid_token", "invalid token"))
        return Response(status_code=200, headers=_NO_STORE)


async def _read_form(request: Request) -> dict[str, str] | None:
    """An urlencoded body as a dict (the last value of a repeated name wins); None when too large or not text."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return None


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthFailure("invalid_client", "malformed Authorization header") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthFailure("invalid_client", "malformed Authorization header")
    return client_id, secret


def _oauth_error(failure: OAuthFailure) -> Response:
    return JSONResponse(failure.body(), status_code=400, headers=_NO_STORE)


def _redirect(redirect_uri: str, client_state: str | None, **values: Any) -> Response:
    params: list[tuple[str, str]] = []
    if "code" in values:
        params.append(("code", values["code"]))
    else:
        params += [("error", values["error"]), ("error_description", values["description"])]
    if client_state is not None:
        params.append(("state", client_state))
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302, headers=_NO_STORE)


_STYLE = "font-family: sans-serif; max-width: 36em; margin: 4em auto"


def _error_page(error: str, description: str) -> Response:
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OAuth error</title></head>'
        f'<body style="{_STYLE}"><h1>error={html.escape(error)}</h1>'
        f"<p>error_description={html.escape(description)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=400, headers=_PAGE_HEADERS)


def _approval_page(app: ConnectedApp, username: str, scopes: tuple[str, ...], request_id: str) -> str:
    items = "".join(f"<li>{html.escape(scope)}</li>" for scope in scopes)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Allow access?</title></head>'
        f'<body style="{_STYLE}"><h1>Allow access?</h1>'
        f"<p><strong>{html.escape(app.label)}</strong> is asking to access the embedded Salesforce org:</p>"
        f"<ul>{items}</ul>"
        f'<form method="post" action="{AUTHORIZE_PATH}">'
        f'<label>Username <input type="text" name="username" value="{html.escape(username)}"></label> '
        f'<input type="hidden" name="request_id" value="{html.escape(request_id)}">'
        '<button type="submit" name="decision" value="allow" id="oaapprove">Allow</button> '
        '<button type="submit" name="decision" value="deny" id="oadeny">Deny</button>'
        "</form></body></html>"
    )
