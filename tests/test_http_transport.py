"""`serve --transport http --auth none`: the same server over streamable HTTP on loopback, in both protocol eras
(the default bearer-token mode and the refusals are in tests/remote/test_http_auth.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client

from tests.remote.procs import serve_http
from tests.support import PROTOCOL_MODES

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server on a port it picks itself (--port 0) and prints: no race for a free port."""
    with serve_http(["--demo", "--auth", "none"], tmp_path_factory.mktemp("http")) as served:
        yield served.url


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
