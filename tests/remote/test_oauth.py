"""`serve --transport http --auth oauth`: the MCP authorization model end to end, with the official mcp client's
OAuth support against our authorization server, and two people signed in through the embedded org's login page.

Specification followed: MCP 2025-11-25 "Authorization"
(https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization): protected-resource metadata
(RFC 9728) and its `resource_metadata` in the 401 challenge, authorization-server metadata (RFC 8414), dynamic
client registration (RFC 7591), PKCE (RFC 7636), audience-bound tokens (RFC 8707 resource indicators), "MCP servers
MUST NOT accept or transit any other tokens" (no token passthrough), revocation (RFC 7009).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client

from salesforce_flow_mcp.remote.provider import McpAccessToken
from salesforce_flow_mcp.remote.sealing import Sealer
from salesforce_flow_mcp.remote.store import SealedRecords, SqliteStore, hashed

from .browser import MemoryStorage, oauth_client
from .live_org import INTEGRATION_USER, TEAM_APP, TEAM_SECRET, LiveOrg, live_org
from .procs import Served, free_port, serve_http

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
ALICE, BOB = "alice@team.example", "bob@team.example"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
CI_USER, CI_SECRET, CI_APP_SECRET = "ci@team.example", "ci-agent-secret-0123456789", "ci-app-secret-0123456789"
REPORTING_SECRET = "reporting-secret-0123456789"
MACHINE_CLIENTS = [
    {
        "client_id": "ci-agent",
        "client_secret": "env:CI_AGENT_SECRET",
        "salesforce": {"grant": "client_credentials", "client_id": "CiApp", "client_secret": "env:CI_APP_SECRET"},
    },
    {
        "client_id": "reporting",
        "client_secret": "sha256:" + hashlib.sha256(REPORTING_SECRET.encode()).hexdigest(),
        "salesforce": {"grant": "server"},
    },
]
MACHINE_ENV = {"CI_AGENT_SECRET": CI_SECRET, "CI_APP_SECRET": CI_APP_SECRET}


@dataclass
class Team:
    org: LiveOrg
    server: Served
    store_path: Path
    key: str
    audit: Path


def oauth_env(org: LiveOrg, store: Path, key: str) -> dict[str, str]:
    return {
        "SALESFORCE_INSTANCE_URL": org.base_url,
        "SALESFORCE_LOGIN_URL": org.base_url,
        "SALESFORCE_CLIENT_ID": TEAM_APP,
        "SALESFORCE_CLIENT_SECRET": TEAM_SECRET,
        "SALESFORCE_FLOW_MCP_STORE": f"sqlite:{store}",
        "SALESFORCE_FLOW_MCP_STORE_KEY": key,
        "SALESFORCE_FLOW_MCP_HOME": str(store.parent / "home"),
        "SALESFORCE_FLOW_MCP_CACHE": "",
        "SALESFORCE_REFRESH_INTERVAL": "0",
    }


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    tmp = tmp_path_factory.mktemp("team")
    key = Fernet.generate_key().decode()
    with live_org() as org:
        org.add_user(ALICE, "Alice")
        org.add_user(BOB, "Bob")
        port = free_port()
        org.register_team_app(f"http://127.0.0.1:{port}/oauth/salesforce/callback")
        org.add_user(CI_USER, "Robot")
        org.register_app("CiApp", CI_APP_SECRET, CI_USER)
        store = tmp / "remote.db"
        machines = tmp / "machines.json"
        machines.write_text(json.dumps({"clients": MACHINE_CLIENTS}))
        env = {**oauth_env(org, store, key), **MACHINE_ENV, "SALESFORCE_FLOW_MCP_MACHINE_CLIENTS": str(machines)}
        audit = tmp / "audit.jsonl"
        with serve_http(["--auth", "oauth", "--audit-log", str(audit)], tmp, env, port=port) as served:
            yield Team(org, served, store, key, audit)


async def whoami(url: str, username: str, mode: str, storage: MemoryStorage | None = None) -> str:
    async with oauth_client(url, username, mode, storage) as client:
        result = await client.call_tool("flow_Who_Am_I", {})
        assert not result.is_error, result
        return str(result.structured_content["username"])


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_two_people_sign_in_and_each_runs_flows_as_themselves(team: Team, mode: str) -> None:
    assert await whoami(team.server.url, ALICE, mode) == ALICE
    assert await whoami(team.server.url, BOB, mode) == BOB


async def test_protected_resource_metadata_names_us_and_our_authorization_server(team: Team) -> None:
    async with httpx2.AsyncClient(base_url=team.server.base_url) as http:
        challenge = await http.post("/mcp", json=PING, headers=MCP_HEADERS)
        assert challenge.status_code == 401
        prm_url = f"{team.server.base_url}/.well-known/oauth-protected-resource/mcp"
        assert f'resource_metadata="{prm_url}"' in challenge.headers["www-authenticate"]  # RFC 9728 §5.1
        prm = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
        assert prm["resource"] == team.server.url
        assert prm["authorization_servers"] == [team.server.base_url]
        asm = (await http.get("/.well-known/oauth-authorization-server")).json()
        assert asm["issuer"] == team.server.base_url
        assert asm["code_challenge_methods_supported"] == ["S256"]
        assert {"registration_endpoint", "revocation_endpoint"} <= set(asm)


async def test_a_salesforce_token_is_not_a_bearer_token_here(team: Team) -> None:
    """No token passthrough: a perfectly good Salesforce token for the same org gets 401."""
    async with httpx2.AsyncClient(base_url=team.org.base_url) as http:
        granted = await http.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": TEAM_APP, "client_secret": TEAM_SECRET},
        )
    salesforce_token = granted.json()["access_token"]
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            team.server.url, json=PING, headers={**MCP_HEADERS, "Authorization": f"Bearer {salesforce_token}"}
        )
    assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["www-authenticate"]


async def _stored_token(team: Team, resource: str) -> str:
    """A token written straight into the server's store, as the authorization server would issue it."""
    token = base64.urlsafe_b64encode(Fernet.generate_key()).decode()[:43]
    records = SealedRecords(SqliteStore(str(team.store_path)), Sealer([team.key]))
    record = McpAccessToken(token="", client_id="someone", scopes=["flows"], resource=resource, subject=None)
    await records.put(hashed("access", token), record.model_dump(mode="json"), ttl=600)
    await records.store.aclose()
    return token


async def test_a_token_for_another_resource_is_refused(team: Team) -> None:
    """RFC 8707 audience: the same store may serve several MCP servers; a token issued for another one is refused
    (MCP authorization, "Token Audience Binding and Validation"). The control token, for this server, passes."""
    headers = {**MCP_HEADERS}
    async with httpx2.AsyncClient() as http:
        foreign = await _stored_token(team, "https://other-mcp.example/mcp")
        answer = await http.post(team.server.url, json=PING, headers={**headers, "Authorization": f"Bearer {foreign}"})
        assert answer.status_code == 401
        ours = await _stored_token(team, team.server.url)
        answer = await http.post(team.server.url, json=PING, headers={**headers, "Authorization": f"Bearer {ours}"})
        assert answer.status_code != 401


async def test_salesforce_tokens_are_encrypted_at_rest(team: Team) -> None:
    storage = MemoryStorage()
    assert await whoami(team.server.url, ALICE, "legacy", storage) == ALICE
    assert storage.tokens is not None
    salesforce_tokens = list(team.org.app.issued)
    raw = team.store_path.read_bytes() + _wal(team.store_path)
    assert salesforce_tokens
    for secret in [*salesforce_tokens, storage.tokens.access_token, storage.tokens.refresh_token or ""]:
        assert secret.encode() not in raw
    rows = sqlite3.connect(team.store_path).execute("SELECT key FROM kv").fetchall()
    assert all(not key.startswith(("access:", "refresh:")) or len(key.split(":")[1]) == 64 for (key,) in rows)


def _wal(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


async def test_concurrent_calls_on_an_expired_salesforce_session_refresh_once(team: Team) -> None:
    storage = MemoryStorage()
    assert await whoami(team.server.url, BOB, "legacy", storage) == BOB
    with team.org.state.lock:
        team.org.state.sessions.expire_all_access_tokens()
    before = team.org.token_requests
    async with oauth_client(team.server.url, BOB, "legacy", storage) as client:
        results: list[str] = []

        async def call() -> None:
            result = await client.call_tool("flow_Who_Am_I", {})
            assert not result.is_error, result
            results.append(str(result.structured_content["username"]))

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(call)
    assert results == [BOB] * 20
    assert team.org.token_requests - before == 1  # one refresh for 20 calls refused with the same token


async def test_sign_out_revokes_the_salesforce_sign_in(team: Team) -> None:
    storage = MemoryStorage()
    assert await whoami(team.server.url, ALICE, "legacy", storage) == ALICE
    assert storage.tokens is not None and storage.client is not None
    revokes = team.org.app.counts[("POST", "/services/oauth2/revoke")]
    async with httpx2.AsyncClient(base_url=team.server.base_url) as http:
        answer = await http.post(
            "/revoke",
            data={
                "token": storage.tokens.refresh_token,
                "client_id": storage.client.client_id,
                "client_secret": storage.client.client_secret or "",
            },
        )
        assert answer.status_code == 200, answer.text
        after = await http.post(
            "/mcp", json=PING, headers={**MCP_HEADERS, "Authorization": f"Bearer {storage.tokens.access_token}"}
        )
    assert after.status_code == 401
    assert team.org.app.counts[("POST", "/services/oauth2/revoke")] == revokes + 1


def machine_client(url: str, client_id: str, secret: str, mode: str = "legacy") -> Client:
    provider = ClientCredentialsOAuthProvider(
        url, MemoryStorage(), client_id, secret, scope="flows", issuer=url.removesuffix("/mcp")
    )
    http = httpx2.AsyncClient(auth=provider, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("client_id", "secret", "runs_as"),
    [("ci-agent", CI_SECRET, CI_USER), ("reporting", REPORTING_SECRET, INTEGRATION_USER)],
)
async def test_machine_clients_get_tokens_by_client_credentials_and_act_as_their_mapped_identity(
    team: Team, client_id: str, secret: str, runs_as: str
) -> None:
    """RFC 6749 §4.4 at our token endpoint, with the official client's ClientCredentialsOAuthProvider."""
    async with machine_client(team.server.url, client_id, secret, "2026-07-28") as client:
        result = await client.call_tool("flow_Who_Am_I", {})
        assert not result.is_error, result
        assert result.structured_content["username"] == runs_as


async def test_client_credentials_refusals_and_metadata(team: Team) -> None:
    async with httpx2.AsyncClient(base_url=team.server.base_url) as http:
        asm = (await http.get("/.well-known/oauth-authorization-server")).json()
        assert "client_credentials" in asm["grant_types_supported"]
        wrong = await http.post("/token", data={"grant_type": "client_credentials"}, auth=("ci-agent", "wrong-secret"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        unknown = await http.post(
            "/token", data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": CI_SECRET}
        )
        assert unknown.status_code == 401
        foreign = await http.post(
            "/token",
            data={"grant_type": "client_credentials", "resource": "https://other.example/mcp"},
            auth=("ci-agent", CI_SECRET),
        )
        assert foreign.status_code == 400 and foreign.json()["error"] == "invalid_target"
        good = await http.post("/token", data={"grant_type": "client_credentials"}, auth=("ci-agent", CI_SECRET))
        assert good.status_code == 200 and "refresh_token" not in good.json()  # RFC 6749 §4.4.3


async def test_the_audit_log_names_each_user_and_holds_no_secret(team: Team) -> None:
    storage = MemoryStorage()
    assert await whoami(team.server.url, BOB, "legacy", storage) == BOB
    assert await whoami(team.server.url, ALICE, "2026-07-28") == ALICE
    assert storage.tokens is not None
    entries = [json.loads(line) for line in team.audit.read_text().splitlines()]
    users = {e["user"] for e in entries if e["tool"] == "flow_Who_Am_I"}
    assert all(u.startswith("00D") and "/005" in u for u in users - {"client:ci-agent", "client:reporting"})
    assert len(users - {"client:ci-agent", "client:reporting"}) >= 2  # Alice's and Bob's subjects
    text = team.audit.read_text()
    for secret in [*team.org.app.issued, storage.tokens.access_token, CI_SECRET, TEAM_SECRET, team.key]:
        assert secret not in text


def test_the_mcp_inspector_cli_calls_a_tool_with_an_oauth_token(team: Team, tmp_path: Path) -> None:
    """The official MCP Inspector CLI (a client we did not write) on the OAuth-protected endpoint, with an access
    token our authorization server issued by the client-credentials grant (its own login: test_inspector_oauth.py)."""
    inspector = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "mcp-inspector"
    if shutil.which("node") is None or not inspector.exists():
        pytest.skip("node or the MCP Inspector (npm) is not installed")
    granted = httpx2.post(
        f"{team.server.base_url}/token", data={"grant_type": "client_credentials"}, auth=("ci-agent", CI_SECRET)
    )
    token = granted.json()["access_token"]
    base = [str(inspector), "--cli", "--transport", "http", "--server-url", team.server.url]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    done = subprocess.run(
        [*base, "--header", f"Authorization: Bearer {token}", "--method", "tools/call", "--tool-name", "flow_Who_Am_I"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["structuredContent"]["username"] == CI_USER
    refused = subprocess.run(
        [*base, "--header", "Authorization: Bearer not-a-token-of-ours", "--method", "tools/list"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        input="",
    )
    assert refused.returncode != 0
