"""`serve --transport http --auth none`: the same server over streamable HTTP on loopback, in both protocol eras
(the default bearer-token mode and the refusals are in tests/remote/test_http_auth.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client

from tests.support import PROTOCOL_MODES

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SERVE = (sys.executable, "-m", "salesforce_flow_mcp", "serve")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def mcp_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [*SERVE, "--demo", "--transport", "http", "--port", str(port), "--auth", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(300):  # up to 30 s for the process to listen
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode() if process.stderr else "exited") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_tools_over_streamable_http(mcp_url: str, mode: str) -> None:
    async with Client(mcp_url, mode=mode) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"invoke_flow", "flow_Route_Support_Case"} <= names
        result = await client.call_tool("flow_Route_Support_Case", {"priority": "Critical"})
        assert not result.is_error and result.structured_content["assignedQueue"] == "Tier 3 Escalations"


async def test_dns_rebinding_protection_refuses_a_foreign_host_header(mcp_url: str) -> None:
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            mcp_url,
            headers={"Host": "evil.example", "Content-Type": "application/json", "Accept": "application/json"},
            content=b"{}",
        )
    assert answer.status_code in (400, 403, 421)


@pytest.mark.slow
@pytest.mark.parametrize("mode", PROTOCOL_MODES)
@pytest.mark.parametrize("action", ["accept", "decline"])
async def test_confirmation_over_streamable_http(mcp_url: str, mode: str, action: str) -> None:
    """Elicitation on the HTTP transport: mid-call on the request's stream (2025-11-25), or the input-required round
    trip (2026-07-28), whose sealed requestState must survive the trip through the client."""
    import mcp_types as types

    asked: list[str] = []

    async def user(ctx: object, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return types.ElicitResult(action="accept", content={"confirm": True})
        return types.ElicitResult(action="decline")

    contact = {"firstName": "Ada", "lastName": f"Http{mode}{action}".replace("-", ""), "email": "ada@example.com"}
    async with Client(mcp_url, mode=mode, elicitation_callback=user) as client:
        result = await client.call_tool("flow_Create_Contact", contact)
    assert asked == ["Run flow Create_Contact for 1 record on the embedded org?"]
    if action == "accept":
        assert not result.is_error and result.structured_content["contactId"].startswith("003")
    else:
        assert result.is_error and "Nothing was sent to the org" in result.content[0].text  # type: ignore[union-attr]
