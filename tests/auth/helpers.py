"""Helpers for the auth tests: the embedded org over an in-process ASGI transport, and a browser stand-in that reads
the approval page and submits its form as a browser would."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_flow_mcp.auth.credentials import Credentials, credentials_from_settings
from salesforce_flow_mcp.auth.token_store import StoredLogin, TokenStore
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApps, connected_apps
from salesforce_flow_mcp.localorg.oauth.endpoints import TOKEN_PATH
from salesforce_flow_mcp.localorg.store.state import OrgState

ORG_URL = "http://127.0.0.1"
FLOWS_PATH = "/services/data/v59.0/actions/custom/flow"  # any authorized GET of the org
CLI_CALLBACK = "http://localhost:1717/OauthRedirect"


class CountingApp:
    """Counts requests per (method, path) in front of the org, to see how often the token endpoint is asked."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counts[(scope["method"], scope["path"])] += 1
        await self.app(scope, receive, send)


@dataclass
class Org:
    state: OrgState
    app: CountingApp
    transport: httpx2.ASGITransport
    url: str = ORG_URL

    @property
    def apps(self) -> ConnectedApps:
        return connected_apps(self.state)

    @property
    def token_requests(self) -> int:
        return self.app.counts[("POST", TOKEN_PATH)]

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=self.transport, base_url=self.url)


def make_org(base_url: str = ORG_URL) -> Org:
    state = OrgState.create(base_url=base_url)
    app = CountingApp(create_org_app(state))
    return Org(state, app, httpx2.ASGITransport(app=app))


# -- a browser stand-in -------------------------------------------------------------------------------------------
class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}  # button text value -> (name, value)
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = a.get("action", ""), a.get("method", "get").lower()
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def click_through(org: Org, authorize_url: str, button: str = "Allow") -> str:
    """Open the authorize URL, press a button of the approval form, return the redirect's Location."""
    async with org.client() as browser:
        page = await browser.get(path_of(authorize_url))
        assert page.status_code == 200, page.text
        assert "text/html" in page.headers["content-type"]
        form = _FormReader()
        form.feed(page.text)
        assert form.method == "post" and form.action, "the approval page has a POST form"
        name, value = form.buttons[button]
        answer = await browser.post(
            form.action,
            content=urlencode({**form.fields, name: value}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def sign_in(org: Org, client_id: str = "PlatformCLI", client_secret: str | None = None) -> dict[str, Any]:
    """A whole authorization-code + PKCE sign-in over HTTP, as an OAuth client would do it; the token response."""
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CLI_CALLBACK,
            "state": "st",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    location = await click_through(org, f"{org.url}/services/oauth2/authorize?{query}")
    code = dict(pair.split("=", 1) for pair in urlsplit(location).query.split("&"))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLI_CALLBACK,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    async with org.client() as http:
        reply = await http.post(TOKEN_PATH, data=form)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def stored_sign_in(org: Org, store: TokenStore, profile: str = "default", **kwargs: Any) -> StoredLogin:
    """Sign in over HTTP and save the result as a profile (what `login` leaves behind)."""
    token = await sign_in(org, **kwargs)
    login = StoredLogin(
        profile=profile,
        instance_url=token["instance_url"],
        login_url=org.url,
        client_id=kwargs.get("client_id", "PlatformCLI"),
        client_secret=kwargs.get("client_secret"),
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        identity_url=token["id"],
    )
    store.save(login)
    return login


def stored_credentials(org: Org, store: TokenStore) -> Credentials:
    """What the server signs in with when nothing but a stored login (the default profile) is configured."""
    return credentials_from_settings(Settings(), http_transport=org.transport, store=store)


def token_settings(org: Org, token: dict[str, Any]) -> Settings:
    """A token from sign_in() given in the environment: the access token with the refresh token that renews it."""
    return Settings(
        instance_url=org.url,
        access_token=token["access_token"],
        refresh_token=token["refresh_token"],
        client_id="PlatformCLI",
        login_url=org.url,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def authorized_get(org: Org, token: str) -> httpx2.Response:
    async with org.client() as http:
        return await http.get(FLOWS_PATH, headers=bearer(token))


def assert_no_secrets(texts: Iterable[str], secrets_: Iterable[str | None]) -> None:
    """Every secret is absent from every captured text, and so is its distinctive middle part."""
    blob = "\n".join(texts)
    for secret in secrets_:
        if not secret:
            continue
        assert secret not in blob, "a secret leaked into captured output"
        middle = secret[len(secret) // 3 : len(secret) // 3 + 12]
        assert len(middle) < 12 or middle not in blob, "part of a secret leaked into captured output"
