"""Client ID metadata documents: a client whose `client_id` is an https URL is registered by the JSON document at
that URL, which this authorization server fetches, checks and caches. The registration the MCP authorization
specification prefers (2025-11-25, "Client ID Metadata Documents",
https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents), following
draft-ietf-oauth-client-id-metadata-document (sections named below). Dynamic registration stays for older clients.

- The URL ("Client Identifier URL"): https, no userinfo, a path other than `/`, no `.`/`..` segments, no fragment.
- The fetch ("Client Information Discovery", "SSRF Attacks", "Maximum Response Size"): only a 200 counts, redirects
  are not followed, at most DOCUMENT_LIMIT bytes (the draft recommends 5 kilobytes) within FETCH_TIMEOUT seconds, and
  never from a special-use address (RFC 6890: private, loopback, link-local, ...), checked on every address the name
  resolves to; the connection goes to the address that was checked (no second lookup to rebind). The draft allows
  loopback for development when the server itself runs on loopback: ENV_ALLOW_LOOPBACK, honoured only then. No
  proxy is used (it would resolve the name itself); `SSL_CERT_FILE` names the CAs to trust, as for the rest of
  the process.
- The document ("Client ID Metadata Document", "Credential and Key Material Restrictions"): a JSON object whose
  `client_id` equals the URL by simple string comparison, with `redirect_uris`; only public clients
  (`token_endpoint_auth_method` `none`, no `client_secret`): the draft forbids shared secrets, and key-based client
  authentication (`private_key_jwt`) is not offered here.
- The cache ("Metadata Caching"): a valid document is kept in the store (so replicas share it) for as long as its
  Cache-Control/Expires allow, at most CACHE_MAX; `no-store`/`no-cache` are honoured; errors and invalid documents
  are never cached.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import anyio
import httpx2
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi_json import BodyTooLargeError, oauth_error, read_body, replay, send_json
from .store import SealedRecords, hashed

logger = logging.getLogger(__name__)

AUTHORIZE_PATH = "/authorize"
ENV_ALLOW_LOOPBACK = "SALESFORCE_FLOW_MCP_CIMD_ALLOW_LOOPBACK"
DOCUMENT_LIMIT = 5 * 1024
FETCH_TIMEOUT = 5.0
CONCURRENT_FETCHES = 4  # document fetches at once per process: /authorize is open to anyone, the fetches are ours
CACHE_DEFAULT = 300.0  # seconds, when the document's response says nothing about caching
CACHE_MAX = 24 * 3600.0
GRANTS = ("authorization_code", "refresh_token")
SECRET_FIELDS = ("client_secret", "client_secret_expires_at")
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-store|no-cache)\b", re.IGNORECASE)
_IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ClientDocumentError(ValueError):
    """A client ID metadata document could not be used; the message names the URL, what is wrong and what to do."""


def is_document_url(client_id: str) -> bool:
    """Client IDs this server issues are random strings; a URL-shaped one is a metadata document's URL."""
    return client_id.lower().startswith(("https://", "http://"))


def checked_url(url: str) -> SplitResult:
    """The draft's rules for a Client Identifier URL, each refusal naming the rule."""
    parts = urlsplit(url)
    rules = (
        (parts.scheme == "https", "must use https"),
        (not parts.username and not parts.password and "@" not in parts.netloc, "must not hold a user name"),
        (bool(parts.hostname), "must name a host"),
        (parts.path not in ("", "/"), "must have a path (the document's own, not the site's root)"),
        (not {".", ".."} & set(parts.path.split("/")), "must not have . or .. path segments"),
        (not parts.fragment and "#" not in url, "must not have a fragment"),
    )
    broken = [why for ok, why in rules if not ok]
    if broken:
        raise ClientDocumentError(f"client_id {url!r} is not a client ID metadata document URL: it {broken[0]}")
    return parts


def allowed_address(address: _IpAddress, *, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast:  # ipaddress counts some multicast ranges as global
        return False
    return address.is_global or (allow_loopback and address.is_loopback)


def cache_seconds(headers: Mapping[str, str], now: float | None = None) -> float:
    """How long a fetched document may be kept: RFC 9111 freshness from Cache-Control max-age (else Expires minus
    Date), 0 for no-store/no-cache, CACHE_DEFAULT when the response says nothing; never over CACHE_MAX."""
    control = headers.get("cache-control", "")
    if _NO_CACHE.search(control):
        return 0.0
    found = _MAX_AGE.search(control)
    if found:
        return min(float(found.group(1)), CACHE_MAX)
    expires = headers.get("expires")
    if expires:
        try:
            until = email.utils.parsedate_to_datetime(expires).timestamp()
            date = headers.get("date")
            base = email.utils.parsedate_to_datetime(date).timestamp() if date else (now or time.time())
        except (TypeError, ValueError):
            return 0.0  # RFC 9111 §5.3: an invalid Expires means already expired
        return max(0.0, min(until - base, CACHE_MAX))
    return CACHE_DEFAULT


def client_from_document(url: str, document: Any, scope: str) -> OAuthClientInformationFull:
    """The registration a valid document stands for (the SDK's handlers check redirect URIs and grants on it)."""

    def refuse(why: str) -> ClientDocumentError:
        return ClientDocumentError(f"the client metadata document at {url} {why}")

    if not isinstance(document, dict):
        raise refuse("is not a JSON object")
    if document.get("client_id") != url:
        raise refuse(f"names client_id {document.get('client_id')!r}: it must be exactly its own URL, {url!r}")
    redirects = document.get("redirect_uris")
    if not isinstance(redirects, list) or not redirects or not all(isinstance(r, str) for r in redirects):
        raise refuse("has no redirect_uris (a non-empty list of URLs)")
    method = document.get("token_endpoint_auth_method", "none")
    if method != "none" or any(field in document for field in SECRET_FIELDS):
        raise refuse(
            f"declares token_endpoint_auth_method {method!r} or a client secret: only public clients ('none', "
            "with PKCE) can register by metadata document here"
        )
    grants = document.get("grant_types", list(GRANTS))
    if not isinstance(grants, list) or "authorization_code" not in grants:
        raise refuse("does not list the authorization_code grant in grant_types")
    try:
        return OAuthClientInformationFull(
            client_id=url,
            redirect_uris=redirects,  # type: ignore[arg-type]
            token_endpoint_auth_method="none",
            grant_types=[g for g in grants if g in GRANTS],
            response_types=["code"],
            scope=scope,
            client_name=document.get("client_name") if isinstance(document.get("client_name"), str) else None,
        )
    except ValidationError as exc:
        raise refuse(f"has a value this server cannot use: {exc.errors()[0]['msg']}") from None


@dataclass
class ClientDocuments:
    records: SealedRecords
    scope: str
    allow_loopback: bool = False  # only where the server itself listens on loopback (see the module docstring)
    timeout: float = FETCH_TIMEOUT
    limit: int = DOCUMENT_LIMIT
    concurrent: int = CONCURRENT_FETCHES
    _fetches: anyio.CapacityLimiter | None = field(default=None, init=False, repr=False)  # made in the event loop

    @classmethod
    def from_env(
        cls, records: SealedRecords, scope: str, env: Mapping[str, str], *, loopback_bind: bool
    ) -> ClientDocuments:
        wanted = env.get(ENV_ALLOW_LOOPBACK, "").strip().lower() in ("1", "true", "yes")
        if wanted and not loopback_bind:
            logger.warning("%s is ignored: the server does not listen on a loopback address", ENV_ALLOW_LOOPBACK)
        return cls(records, scope, allow_loopback=wanted and loopback_bind)

    async def client(self, url: str) -> OAuthClientInformationFull:
        """The client registered by the document at `url`, from the cache or fetched; ClientDocumentError if none."""
        key = hashed("client-document", url)
        cached = await self.records.get(key)
        if cached is not None:
            return OAuthClientInformationFull.model_validate(cached)
        document, ttl = await self.fetch(url)
        client = client_from_document(url, document, self.scope)
        if ttl > 0:
            await self.records.put(key, client.model_dump(mode="json"), ttl=ttl)
        return client

    async def fetch(self, url: str) -> tuple[Any, float]:
        """The document and how long it may be cached; all of it (lookup, connection, every byte) within the
        timeout, which httpx applies per read only (a server dripping a byte at a time would hold it for hours)."""
        parts = checked_url(url)
        if self._fetches is None:
            self._fetches = anyio.CapacityLimiter(self.concurrent)
        try:
            # The wait for a fetch slot counts too: a flood of /authorize requests naming documents gets timely
            # refusals instead of a queue of outbound requests.
            with anyio.fail_after(self.timeout):
                async with self._fetches:
                    return await self._fetch(url, parts)
        except TimeoutError:
            raise ClientDocumentError(
                f"cannot fetch the client metadata document at {url}: no complete answer within {self.timeout:g} s"
            ) from None

    async def _fetch(self, url: str, parts: SplitResult) -> tuple[Any, float]:
        host, port = parts.hostname or "", parts.port or 443
        address = await self._address(url, host, port)
        target = parts._replace(netloc=f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}")
        named = host != str(address) and host.strip("[]") != str(address)
        extensions = {"sni_hostname": host} if named else {}
        try:
            async with httpx2.AsyncClient(
                verify=_trust(), trust_env=False, follow_redirects=False, timeout=self.timeout
            ) as http:
                request = http.build_request(
                    "GET",
                    target.geturl(),
                    headers={"Host": parts.netloc, "Accept": "application/json"},
                    extensions=extensions,
                )
                response = await http.send(request, stream=True)
                try:
                    body = await self._read(url, response)
                finally:
                    await response.aclose()
        except httpx2.HTTPError as exc:
            raise ClientDocumentError(
                f"cannot fetch the client metadata document at {url}: {type(exc).__name__} {exc}"
            ) from None
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise ClientDocumentError(f"the client metadata document at {url} is not JSON") from None
        return document, cache_seconds(response.headers)

    async def _read(self, url: str, response: httpx2.Response) -> bytes:
        if response.status_code != 200:
            redirect = " (redirects are not followed)" if 300 <= response.status_code < 400 else ""
            raise ClientDocumentError(
                f"the client metadata document at {url} answered {response.status_code}{redirect}: it must answer "
                "200 with the JSON document"
            )
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
            raise ClientDocumentError(
                f"the client metadata document at {url} is served as {kind or 'no content type'!r}, not "
                "application/json"
            )
        body = b""
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.limit:
                raise ClientDocumentError(
                    f"the client metadata document at {url} is larger than {self.limit} bytes, the most this server "
                    "reads"
                )
        return body

    async def _address(self, url: str, host: str, port: int) -> _IpAddress:
        """The address to connect to, once every address the host resolves to has been checked."""
        try:
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ClientDocumentError(f"cannot resolve the host of client_id {url}: {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        refused = [a for a in addresses if not allowed_address(a, allow_loopback=self.allow_loopback)]
        if refused or not addresses:
            raise ClientDocumentError(
                f"client_id {url} resolves to {refused[0] if refused else 'no address'}, a private, loopback, "
                "link-local or other special-use address: client metadata documents are fetched only from public "
                f"addresses (SSRF protection; {ENV_ALLOW_LOOPBACK}=1 allows loopback for a loopback-only test server)"
            )
        return addresses[0]


def _trust() -> ssl.SSLContext:
    """The system's CAs, or SSL_CERT_FILE / SSL_CERT_DIR where set (trust_env=False leaves proxies out, not CAs)."""
    return ssl.create_default_context(
        cafile=os.environ.get("SSL_CERT_FILE") or None, capath=os.environ.get("SSL_CERT_DIR") or None
    )


class ClientDocumentCheck:
    """In front of the SDK's /authorize: for a metadata-document client_id, fetch and check the document first and
    answer what is wrong with it (the SDK's handler would say only "Client ID not found"). RFC 6749 §4.1.2.1: with
    an invalid client or redirect URI the error goes to the person, never to the redirect URI."""

    def __init__(self, app: ASGIApp, documents: ClientDocuments) -> None:
        self.app = app
        self.documents = documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != AUTHORIZE_PATH or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        raw = bytes(scope.get("query_string", b""))
        if scope["method"] == "POST":
            try:
                raw = await read_body(receive)
            except BodyTooLargeError as exc:
                await send_json(send, 413, oauth_error("invalid_request", str(exc)))
                return
            receive = replay(raw)
        params = dict(parse_qsl(raw.decode("utf-8", "replace")))
        problem = await self._problem(params.get("client_id", ""), params.get("redirect_uri"))
        if problem:
            await send_json(send, 400, oauth_error("invalid_request", problem))
            return
        await self.app(scope, receive, send)

    async def _problem(self, client_id: str, redirect_uri: str | None) -> str | None:
        if not is_document_url(client_id):
            return None
        try:
            client = await self.documents.client(client_id)
        except ClientDocumentError as exc:
            return str(exc)
        if redirect_uri is None:
            return None
        listed = [str(uri) for uri in client.redirect_uris or []]
        try:
            wanted = str(AnyUrl(redirect_uri))
        except ValidationError:
            wanted = redirect_uri
        if wanted not in listed:
            return (
                f"redirect_uri {redirect_uri!r} is not among the redirect_uris of the client metadata document at "
                f"{client_id} ({', '.join(listed)}): the document must list every redirect URI the client uses"
            )
        return None
