"""`serve --transport http` is never open beyond loopback: a bearer token by default (issue 15 item 9), `--auth none`
only on loopback binds, and health/readiness endpoints that need no token.

The 401 answers follow RFC 6750 §3 (a `WWW-Authenticate: Bearer` challenge with `error="invalid_token"`), which the
MCP authorization specification (2025-11-25, "Authorization" section: "Error Handling") requires for a missing or
invalid token.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2
import pytest

from salesforce_flow_mcp.remote.binding import BindRefusedError, resolve_http_options
from tests.support import PROTOCOL_MODES

from .procs import Served, bearer_client, serve_http

pytestmark = pytest.mark.anyio
TOKEN = "a-test-bearer-token-of-32-chars!"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
SERVE = (sys.executable, "-m", "salesforce_flow_mcp", "serve")
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "mcp.example.com"])
def test_no_auth_beyond_loopback_is_refused(host: str) -> None:
    with pytest.raises(BindRefusedError, match="without authentication") as caught:
        resolve_http_options({"host": host, "port": 8765, "auth": "none"}, env={})
    assert "--auth token" in str(caught.value) and "--auth oauth" in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_no_auth_is_allowed_on_loopback(host: str) -> None:
    options = resolve_http_options({"host": host, "port": 8765, "auth": "none"}, env={})
    assert options.auth == "none" and options.token is None


def test_token_mode_is_the_default_and_generates_a_token() -> None:
    first = resolve_http_options({"host": "127.0.0.1", "port": 1}, env={})
    second = resolve_http_options({"host": "127.0.0.1", "port": 1}, env={})
    assert first.auth == "token" and first.token_generated
    assert first.token and second.token and first.token != second.token and len(first.token) >= 32


def test_token_from_the_environment_and_a_short_token_refused() -> None:
    options = resolve_http_options({"host": "0.0.0.0", "port": 1}, env={"SALESFORCE_FLOW_MCP_HTTP_TOKEN": TOKEN})
    assert options.token == TOKEN and not options.token_generated
    with pytest.raises(BindRefusedError, match="at least 16 characters"):
        resolve_http_options({"host": "127.0.0.1", "port": 1, "auth": "token", "http_token": "short"}, env={})


@pytest.mark.slow
def test_the_cli_refuses_a_public_bind_without_auth_before_connecting() -> None:
    done = subprocess.run(
        [*SERVE, "--demo", "--transport", "http", "--host", "0.0.0.0", "--auth", "none"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "refusing to serve 0.0.0.0 without authentication" in done.stderr


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Served:
    with serve_http(["--demo", "--http-token", TOKEN], tmp_path_factory.mktemp("token")) as served:
        yield served  # type: ignore[misc]


@pytest.mark.slow
async def test_requests_without_the_token_get_a_bearer_challenge(token_server: Served) -> None:
    async with httpx2.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer not-the-token-at-all-0000"}, {"Authorization": "Basic eDp5"}):
            answer = await http.post(token_server.url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})
            assert answer.status_code == 401
            challenge = answer.headers["www-authenticate"]
            assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
            assert "tools" not in answer.text


@pytest.mark.slow
@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_tools_with_the_token_in_both_eras(token_server: Served, mode: str) -> None:
    async with bearer_client(token_server.url, TOKEN, mode) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "flow_Route_Support_Case" in names
        result = await client.call_tool("flow_Route_Support_Case", {"priority": "Critical"})
        assert not result.is_error and result.structured_content["assignedQueue"] == "Tier 3 Escalations"


@pytest.mark.slow
async def test_health_and_readiness_need_no_token(token_server: Served) -> None:
    async with httpx2.AsyncClient(base_url=token_server.base_url) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        for _ in range(300):  # the demo org's first catalogue comes in within seconds
            ready = await http.get("/readyz")
            if ready.status_code == 200:
                break
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"flows": "the first flow catalogue is still loading"}
            await anyio.sleep(0.1)
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}


@pytest.mark.slow
async def test_dns_rebinding_protection_still_refuses_a_foreign_host(token_server: Served) -> None:
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            token_server.url,
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Host": "evil.example", "Authorization": f"Bearer {TOKEN}"},
        )
    assert answer.status_code in (400, 403, 421)


@pytest.mark.slow
async def test_a_generated_token_is_printed_and_works(tmp_path: Path) -> None:
    with serve_http(["--demo"], tmp_path) as served:
        found = re.search(r"MCP bearer token .*: (\S+)$", served.stderr(), re.MULTILINE)
        assert found, served.stderr()
        async with bearer_client(served.url, found.group(1), "legacy") as client:
            assert (await client.list_tools()).tools
        async with httpx2.AsyncClient() as http:
            assert (await http.post(served.url, json=INITIALIZE, headers=MCP_HEADERS)).status_code == 401


@pytest.mark.slow
async def test_no_auth_on_loopback_serves_without_a_token(tmp_path: Path) -> None:
    with serve_http(["--demo", "--auth", "none"], tmp_path) as served:
        async with bearer_client(served.url, None, "2026-07-28") as client:
            assert (await client.list_tools()).tools


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (["--demo"], {}, "org serve"),
        ([], {"SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com"}, "SALESFORCE_CLIENT_ID"),
        (
            [],
            {
                "SALESFORCE_CLIENT_ID": "x",
                "SALESFORCE_CLIENT_SECRET": "y",
                "SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com",
                "SALESFORCE_FLOW_MCP_STORE": "sqlite::memory:",
                "SALESFORCE_FLOW_MCP_STORE_KEY": "not-a-fernet-key",
            },
            "Fernet keys",
        ),
    ],
)
def test_oauth_mode_says_what_it_is_missing(extra: list[str], env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    done = subprocess.run(
        # Port 0: the default port may be taken on a shared machine, and "cannot listen" would hide the message.
        [*SERVE, "--transport", "http", "--auth", "oauth", "--port", "0", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
