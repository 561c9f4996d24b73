"""A full sign-in by client ID metadata document: the official mcp client (`OAuthClientProvider(client_metadata_url=
...)`) against `serve --auth oauth`, the document on an https server with a self-signed certificate, the person
signed in through the embedded org's login page; and the refusals /authorize answers, each naming what is wrong.

Followed: MCP 2025-11-25 "Client ID Metadata Documents"
(https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents): clients
use a document when the authorization-server metadata says `client_id_metadata_document_supported`, else dynamic
registration, which stays; draft-ietf-oauth-client-id-metadata-document ("Authorization Server Metadata", "Client ID
Metadata Document", "SSRF Attacks": loopback only for a server that itself runs on loopback, as here); RFC 6749
§4.1.2.1 (an invalid client or redirect URI is reported to the person, not redirected to).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from cryptography.fernet import Fernet

from .browser import CLIENT_REDIRECT, MemoryStorage, oauth_client
from .document_server import Answer, DocumentServer, document_server
from .live_org import live_org
from .procs import Served, free_port, serve_http
from .test_oauth import ALICE, BOB, oauth_env

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
DOCUMENT = "/oauth/client-metadata.json"


@dataclass
class Setup:
    server: Served
    documents: DocumentServer


@contextmanager
def server_with_documents(tmp: Path) -> Iterator[Setup]:
    """`serve --auth oauth` on the embedded org (Alice and Bob), trusting an https document server on loopback."""
    with live_org() as org, document_server(tmp) as documents:
        org.add_user(ALICE, "Alice")
        org.add_user(BOB, "Bob")
        port = free_port()
        org.register_team_app(f"http://127.0.0.1:{port}/oauth/salesforce/callback")
        env = {
            **oauth_env(org, tmp / "remote.db", Fernet.generate_key().decode()),
            "SSL_CERT_FILE": documents.ca_file,  # trust the document server's self-signed certificate
            "SALESFORCE_FLOW_MCP_CIMD_ALLOW_LOOPBACK": "1",
        }
        with serve_http(["--auth", "oauth"], tmp, env, port=port) as served:
            yield Setup(served, documents)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with server_with_documents(tmp_path_factory.mktemp("cimd")) as ready:
        yield ready


def client_document(url: str, **fields: object) -> dict[str, object]:
    return {
        "client_id": url,
        "client_name": "Flow desk",
        "redirect_uris": [CLIENT_REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        **fields,
    }


async def test_the_metadata_says_documents_are_supported_and_registration_stays(setup: Setup) -> None:
    async with httpx2.AsyncClient(base_url=setup.server.base_url) as http:
        metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["client_id_metadata_document_supported"] is True
    assert metadata["registration_endpoint"] == setup.server.base_url + "/register"


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_person_signs_in_with_a_client_registered_by_its_document(setup: Setup, mode: str) -> None:
    path = f"{DOCUMENT}?{mode}"
    url = setup.documents.put_document(path, client_document(setup.documents.url(path)))
    storage = MemoryStorage()
    async with oauth_client(setup.server.url, ALICE, mode, storage, client_metadata_url=url) as client:
        result = await client.call_tool("flow_Who_Am_I", {})
    assert not result.is_error and result.structured_content["username"] == ALICE
    assert storage.client is not None and storage.client.client_id == url  # no dynamic registration
    assert storage.client.client_secret is None
    assert setup.documents.hits[path] == 1  # fetched at /authorize, from the cache at /token


async def test_a_client_without_a_document_still_registers_dynamically(setup: Setup) -> None:
    storage = MemoryStorage()
    async with oauth_client(setup.server.url, BOB, "legacy", storage) as client:
        result = await client.call_tool("flow_Who_Am_I", {})
    assert result.structured_content["username"] == BOB
    assert storage.client is not None and not storage.client.client_id.startswith("https://")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("mismatched client_id", "must be exactly its own URL"),
        ("redirect not listed", "is not among the redirect_uris of the client metadata document"),
        ("not https", "it must use https"),
        ("private address", "10.20.30.40, a private, loopback, link-local or other special-use address"),
        ("too large", "is larger than 5120 bytes"),
        ("not json", "is not JSON"),
    ],
)
async def test_authorize_refuses_a_bad_document_and_says_why(setup: Setup, case: str, message: str) -> None:
    path = "/refused/" + case.replace(" ", "-") + ".json"
    url = setup.documents.url(path)
    redirect = CLIENT_REDIRECT
    if case == "mismatched client_id":
        setup.documents.put_document(path, client_document("https://flow-desk.example/oauth/client-metadata.json"))
    elif case == "redirect not listed":
        setup.documents.put_document(path, client_document(url))
        redirect = "http://localhost:9999/elsewhere"
    elif case == "not https":
        url = url.replace("https://", "http://")
    elif case == "private address":
        url = "https://10.20.30.40/oauth/client-metadata.json"
    elif case == "too large":
        setup.documents.put_document(path, client_document(url, logo_uri="https://x.example/" + "l" * 6000))
    elif case == "not json":
        setup.documents.answers[path] = Answer(b"<!doctype html><title>Flow desk</title>")
    params = {
        "response_type": "code",
        "client_id": url,
        "redirect_uri": redirect,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "state": "s-1",
    }
    async with httpx2.AsyncClient(base_url=setup.server.base_url) as http:
        answer = await http.get("/authorize", params=params)
    assert answer.status_code == 400, answer.text  # told to the person, never redirected
    assert answer.json()["error"] == "invalid_request"
    assert message in answer.json()["error_description"]
