"""Client ID metadata documents, fetched from a real https server on loopback with a self-signed certificate: the URL
rules, the SSRF guards, the document checks, the size and time limits, and the cache.

Rules followed (each test names its own): draft-ietf-oauth-client-id-metadata-document
(https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/), sections "Client Identifier URL",
"Client ID Metadata Document", "Credential and Key Material Restrictions", "Client Information Discovery" (200 only,
no redirects), "Metadata Caching", "Server Side Request Forgery (SSRF) Attacks", "Maximum Response Size" (5
kilobytes recommended); as MCP 2025-11-25 "Client ID Metadata Documents" requires of authorization servers
(https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents). Cache
lifetimes: RFC 9111 §5.2.2.1 (max-age), §5.2.2.5 (no-store), §5.3 (Expires, an invalid one meaning expired).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from cryptography.fernet import Fernet

from salesforce_flow_mcp.remote.client_documents import (
    CACHE_DEFAULT,
    CACHE_MAX,
    ClientDocumentError,
    ClientDocuments,
    allowed_address,
    cache_seconds,
    checked_url,
)
from salesforce_flow_mcp.remote.sealing import Sealer
from salesforce_flow_mcp.remote.store import SealedRecords, SqliteStore

from .document_server import Answer, DocumentServer, document_server

pytestmark = pytest.mark.anyio
REDIRECT = "http://localhost:3030/callback"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DocumentServer]:
    with document_server(tmp_path) as server:
        monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
        yield server


@pytest.fixture
async def documents() -> AsyncIterator[ClientDocuments]:
    records = SealedRecords(SqliteStore(":memory:"), Sealer([Fernet.generate_key().decode()]))
    yield ClientDocuments(records, "flows", allow_loopback=True)
    await records.store.aclose()


def document(url: str, **fields: object) -> dict[str, object]:
    return {"client_id": url, "client_name": "Test client", "redirect_uris": [REDIRECT], **fields}


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://client.example/metadata.json", "must use https"),
        ("https://user:pw@client.example/metadata.json", "must not hold a user name"),
        ("https://client.example/", "must have a path"),
        ("https://client.example", "must have a path"),
        ("https://client.example/a/../metadata.json", "must not have . or .. path segments"),
        ("https://client.example/metadata.json#x", "must not have a fragment"),
    ],
)
def test_the_client_identifier_url_rules(url: str, rule: str) -> None:
    """Draft section "Client Identifier URL": https, no userinfo, a path, no dot segments, no fragment (a root path
    is NOT RECOMMENDED; refused here, as the mcp SDK's client also never offers one)."""
    with pytest.raises(ClientDocumentError, match="not a client ID metadata document URL") as caught:
        checked_url(url)
    assert rule in str(caught.value)
    assert checked_url("https://client.example:8443/oauth/metadata.json?v=1").hostname == "client.example"


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_special_use_addresses_are_never_fetched_from(address: str) -> None:
    """Draft "SSRF Attacks": MUST NOT fetch from special-use addresses (RFC 6890), the cloud metadata address
    169.254.169.254 among them; loopback only with the development allowance."""
    ip = ipaddress.ip_address(address)
    assert not allowed_address(ip, allow_loopback=False)
    assert allowed_address(ip, allow_loopback=True) == (address in ("127.0.0.1", "::1"))
    assert allowed_address(ipaddress.ip_address("93.184.215.14"), allow_loopback=False)


def test_cache_lifetimes_follow_the_response_within_bounds() -> None:
    assert cache_seconds({"cache-control": "public, max-age=120"}) == 120
    assert cache_seconds({"cache-control": "max-age=31536000"}) == CACHE_MAX
    assert cache_seconds({"cache-control": "no-store"}) == 0
    assert cache_seconds({"cache-control": "no-cache, max-age=600"}) == 0
    assert cache_seconds({"expires": "Tue, 01 Dec 2026 10:10:00 GMT", "date": "Tue, 01 Dec 2026 10:00:00 GMT"}) == 600
    assert cache_seconds({"expires": "0"}) == 0
    assert cache_seconds({}) == CACHE_DEFAULT


async def test_a_document_registers_its_client_and_is_cached(
    served: DocumentServer, documents: ClientDocuments
) -> None:
    url = served.put_document("/client.json", document(served.url("/client.json")), **{"Cache-Control": "max-age=60"})
    client = await documents.client(url)
    assert client.client_id == url and [str(u) for u in client.redirect_uris or []] == [REDIRECT]
    assert client.token_endpoint_auth_method == "none" and client.scope == "flows"
    assert client.client_name == "Test client" and client.grant_types == ["authorization_code", "refresh_token"]
    assert (await documents.client(url)).client_id == url
    assert served.hits["/client.json"] == 1  # the second came from the cache


async def test_no_store_is_fetched_every_time(served: DocumentServer, documents: ClientDocuments) -> None:
    url = served.put_document("/fresh.json", document(served.url("/fresh.json")), **{"Cache-Control": "no-store"})
    await documents.client(url)
    await documents.client(url)
    assert served.hits["/fresh.json"] == 2


async def test_an_invalid_document_is_not_cached(served: DocumentServer, documents: ClientDocuments) -> None:
    """Draft "Metadata Caching": MUST NOT cache error responses or invalid documents."""
    url = served.url("/later.json")
    served.put_document("/later.json", document("https://elsewhere.example/x.json"), **{"Cache-Control": "max-age=600"})
    with pytest.raises(ClientDocumentError):
        await documents.client(url)
    served.put_document("/later.json", document(url))
    assert (await documents.client(url)).client_id == url


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("mismatch", "must be exactly its own URL"),
        ("no redirects", "has no redirect_uris"),
        ("secret", "only public clients"),
        ("auth method", "only public clients"),
        ("no code grant", "does not list the authorization_code grant"),
        ("array", "is not a JSON object"),
        ("not json", "is not JSON"),
        ("html", "not application/json"),
        ("too large", "larger than 5120 bytes"),
        ("redirect", "answered 302 (redirects are not followed)"),
        ("missing", "answered 404"),
    ],
)
async def test_each_refusal_says_what_is_wrong(
    served: DocumentServer, documents: ClientDocuments, answer: str, message: str
) -> None:
    """Draft "Client ID Metadata Document" (client_id equals the URL, by simple string comparison), "Credential and
    Key Material Restrictions" (no shared secret, no secret-based auth method), "Client Information Discovery" (200
    only; MUST NOT follow redirects), "Maximum Response Size" (5 kilobytes), RFC 7591 §2 (redirect_uris,
    grant_types)."""
    path = f"/{answer.replace(' ', '-')}.json"
    url = served.url(path)
    bodies = {
        "mismatch": document(url + "?other"),
        "no redirects": document(url, redirect_uris=[]),
        "secret": document(url, client_secret="s3cret"),
        "auth method": document(url, token_endpoint_auth_method="client_secret_basic"),
        "no code grant": document(url, grant_types=["client_credentials"]),
        "too large": document(url, client_name="x" * 6000),
    }
    if answer in bodies:
        served.put_document(path, bodies[answer])
    elif answer == "array":
        served.answers[path] = Answer(b"[]")
    elif answer == "not json":
        served.answers[path] = Answer(b"{not json")
    elif answer == "html":
        served.answers[path] = Answer(b"<html></html>", headers={"Content-Type": "text/html"})
    elif answer == "redirect":
        served.answers[path] = Answer(b"", 302, {"Location": served.url("/client.json")})
    with pytest.raises(ClientDocumentError, match="client metadata document at " + re.escape(url)) as caught:
        await documents.client(url)
    assert message in str(caught.value)
    assert served.hits.get("/client.json", 0) == 0  # the redirect was not followed


async def test_loopback_is_refused_without_the_allowance(served: DocumentServer) -> None:
    records = SealedRecords(SqliteStore(":memory:"), Sealer([Fernet.generate_key().decode()]))
    strict = ClientDocuments(records, "flows")
    url = served.put_document("/client.json", document(served.url("/client.json")))
    with pytest.raises(ClientDocumentError, match=re.escape("127.0.0.1, a private, loopback, link-local")) as caught:
        await strict.client(url)
    assert "SSRF" in str(caught.value) and served.hits["/client.json"] == 0  # refused before connecting
    with pytest.raises(ClientDocumentError, match=re.escape("10.1.2.3, a private")):
        await strict.client("https://10.1.2.3/client.json")
    await records.store.aclose()


async def test_a_slow_server_times_out(served: DocumentServer, documents: ClientDocuments) -> None:
    """A listener that accepts and never answers, and one that drips its document a byte at a time (each read well
    within httpx's per-read timeout): both end after the total time limit, with the reason."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        quick = ClientDocuments(documents.records, "flows", allow_loopback=True, timeout=0.5)
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/client.json"
        with pytest.raises(ClientDocumentError, match=r"cannot fetch the client metadata document.*within 0.5 s"):
            await quick.client(url)
    url = served.put_document("/drip.json", document(served.url("/drip.json")))
    served.drip["/drip.json"] = 0.2  # seconds between bytes: about 20 s for the whole document
    quick = ClientDocuments(documents.records, "flows", allow_loopback=True, timeout=1.0)
    with pytest.raises(ClientDocumentError, match=r"no complete answer within 1 s"):  # (a whole read: a valid client)
        await quick.client(url)


async def test_at_most_a_few_documents_are_fetched_at_once(served: DocumentServer, documents: ClientDocuments) -> None:
    """/authorize is open to anyone and each client_id URL costs this server an outbound fetch (draft "SSRF
    Attacks": the authorization server fetches what a client names): eight at once make at most two fetches at a
    time here, and a request that waits for a slot past the time limit is refused with the reason."""
    slow = ClientDocuments(documents.records, "flows", allow_loopback=True, timeout=3.0, concurrent=2)
    urls = [served.put_document(f"/slow{i}.json", document(served.url(f"/slow{i}.json"))) for i in range(8)]
    for i in range(8):
        served.drip[f"/slow{i}.json"] = 0.004  # about a second for each document
    outcomes: list[str] = []
    # Counted on this side: the server's handler threads end a little after the client is done with them (or gave
    # up), so their count overlaps the next fetch.
    running, most = 0, 0
    fetch = slow._fetch

    async def counted(url: str, parts: Any) -> Any:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return await fetch(url, parts)
        finally:
            running -= 1

    slow._fetch = counted  # type: ignore[method-assign]

    async def register(url: str) -> None:
        try:
            outcomes.append((await slow.client(url)).client_id or "")
        except ClientDocumentError as exc:
            outcomes.append(str(exc))

    async with anyio.create_task_group() as group:
        for url in urls:
            group.start_soon(register, url)
    assert most == 2
    assert sum(o in urls for o in outcomes) >= 2, outcomes  # the first two at least were fetched and registered
    assert all(o in urls or "within 3 s" in o for o in outcomes), outcomes


async def test_the_loopback_allowance_needs_a_loopback_bind(documents: ClientDocuments) -> None:
    """Draft "SSRF Attacks": the loopback relaxation only where the authorization server itself runs on loopback."""
    env = {"SALESFORCE_FLOW_MCP_CIMD_ALLOW_LOOPBACK": "1"}
    assert ClientDocuments.from_env(documents.records, "flows", env, loopback_bind=True).allow_loopback
    assert not ClientDocuments.from_env(documents.records, "flows", env, loopback_bind=False).allow_loopback
    assert not ClientDocuments.from_env(documents.records, "flows", {}, loopback_bind=True).allow_loopback
