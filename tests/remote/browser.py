"""An MCP client that signs in with OAuth as the official SDK does (discovery, registration, PKCE), and a browser
stand-in that walks the redirects and the embedded org's login page as a person would."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

CLIENT_REDIRECT = "http://localhost:3030/callback"


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")


class Browser:
    """Follows the authorization redirects: our /authorize -> the org's login page (logs in as `username`, presses
    Allow) -> our Salesforce callback -> the MCP client's redirect URI, whose code and state it keeps (and, with
    `deliver`, opens, for a client that listens there itself)."""

    def __init__(self, username: str, redirect_uri: str = CLIENT_REDIRECT, *, deliver: bool = False) -> None:
        self.username = username
        self.redirect_uri = redirect_uri
        self.deliver = deliver
        self.result: AuthorizationCodeResult | None = None
        self.visited: list[str] = []

    async def open(self, url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
            while not url.startswith(self.redirect_uri):
                self.visited.append(url)
                page = await http.get(url)
                if page.status_code in (302, 303):
                    url = page.headers["location"]
                    continue
                assert page.status_code == 200, page.text
                form = _Inputs()
                form.feed(page.text)
                parts = urlsplit(url)
                answer = await http.post(
                    f"{parts.scheme}://{parts.netloc}{form.action}",
                    content=urlencode({**form.fields, "username": self.username, "decision": "allow"}),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert answer.status_code == 302, answer.text
                url = answer.headers["location"]
            if self.deliver:
                delivered = await http.get(url)
                assert delivered.status_code < 400, delivered.text
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert "code" in query, f"the sign-in ended without a code: {query}"
        self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"))

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def oauth_client(
    url: str, username: str, mode: str, storage: MemoryStorage | None = None, *, client_metadata_url: str | None = None
) -> Client:
    """With `client_metadata_url` the SDK registers by that client ID metadata document where the server supports
    them (else dynamically)."""
    browser = Browser(username)
    provider = OAuthClientProvider(
        url,
        OAuthClientMetadata(redirect_uris=[CLIENT_REDIRECT], client_name=f"test client of {username}"),  # type: ignore[list-item]
        storage or MemoryStorage(),
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=client_metadata_url,
    )
    http = httpx2.AsyncClient(auth=provider, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode=mode)  # type: ignore[arg-type]
