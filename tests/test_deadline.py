"""One deadline per tool call, retries included, and a bound on the requests in flight to the org.

MCP clients give up on a request after 60 s (the TypeScript SDK's DEFAULT_REQUEST_TIMEOUT_MSEC = 60000 in
src/shared/protocol.ts, which hosts inherit), so every call answers before that, by default after at most 45 s.
Salesforce runs at most 25 requests of 20 s or longer per production org at once (5 in Developer Edition) and refuses
more with REQUEST_LIMIT_EXCEEDED (Salesforce Developer Limits and Allocations Quick Reference, API Request Limits and
Allocations: https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html).
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_flow_mcp.config import Settings, load_settings
from salesforce_flow_mcp.salesforce.client import RequestSlots, RetryPolicy
from tests.robust_support import rig
from tests.support import text_of

pytestmark = pytest.mark.anyio

STALL = {"ms": 30_000}  # the org takes 30 s over every request: far beyond the deadlines below


async def test_a_stalled_read_answers_at_the_deadline_and_says_nothing_changed() -> None:
    async with rig(call_timeout=0.5) as r:
        await r.hook("/__org/latency", STALL)
        result = await r.mcp.call_tool("list_invocable_flows", {})
        text = text_of(result)
        assert result.is_error and "TIMEOUT" in text and "did not answer within 0.5 s" in text
        assert "nothing was changed" in text and "may have run" not in text


async def test_a_flow_run_still_running_at_the_deadline_is_answered_then_and_never_sent_twice() -> None:
    """A write is not cut off at the deadline (Salesforce would run it anyway): the caller is answered then, told
    not to send it again and how to find its outcome, and the one POST finishes in the background."""
    async with rig(call_timeout=0.5) as r:
        await r.hook("/__org/latency", {"ms": 2_000})
        before = await r.usage()
        arguments = {"flowApiName": "Create_Contact", "inputs": [{"lastName": "Slow"}]}
        result = await r.mcp.call_tool("invoke_flow", arguments)
        text = text_of(result)
        assert result.is_error and "still running on the org after 0.5 s" in text
        assert "will not be sent again" in text and "FlowInterview" in text and "records it writes" in text
        assert "retry" not in text.lower() and "try again" not in text.lower()
        assert await r.usage() == before + 1, "the POST went out once"
        await r.hook("/__org/latency", {"ms": 0})


async def test_the_deadline_covers_retries() -> None:
    slow_retries = RetryPolicy(backoff=(30.0, 30.0))  # a retry after 30 s would answer far too late
    async with rig(call_timeout=0.5, retry=slow_retries) as r:
        body = {"status": 503, "count": 10, "body": "Server busy", "contentType": "text/plain"}
        await r.hook("/__org/fail", body)
        before = await r.usage()
        result = await r.mcp.call_tool("list_invocable_flows", {})
        assert result.is_error and "did not answer within 0.5 s" in text_of(result)
        assert await r.usage() == before + 1, "the retry was cut by the deadline"


def stall_patches(app: ASGIApp) -> ASGIApp:
    """A slow org for PATCH only: the reads of update_flow answer, its write does not."""

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH":
            await anyio.sleep(3)
        await app(scope, receive, send)

    return front


async def test_a_write_cut_by_the_deadline_says_it_may_have_been_made() -> None:
    """Where nothing answers for the write in the background (a bare server, no lifespan), the deadline cuts it and
    says what may have happened, and how to check, instead of "retry"."""

    async with rig(front=stall_patches, call_timeout=0.5) as r:
        flows = await r.mcp.call_tool("list_flows", {})
        flow_id = flows.structured_content["records"][0]["Id"]
        catalogue = r.running.catalogue
        result = await catalogue.call("update_flow", {"flowId": flow_id, "Description": "slow"})
        text = text_of(result)
        assert result.is_error and "TIMEOUT" in text and "PATCH /services/data" in text
        assert "The change may have been made: read the flow with get_flow" in text
        assert "retry" not in text.lower() and "try again" not in text.lower()


class InFlightCounter:
    """An ASGI layer in front of the org that records how many requests it holds at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.now = 0
        self.most = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


async def test_requests_in_flight_to_the_org_are_bounded() -> None:
    counters: list[InFlightCounter] = []

    def front(app: ASGIApp) -> ASGIApp:
        counters.append(InFlightCounter(app))
        return counters[-1]

    async with rig(front=front, slots=RequestSlots(3)) as r:
        await r.hook("/__org/latency", {"ms": 50})
        results: list[Any] = []

        async def one() -> None:
            results.append(await r.mcp.call_tool("list_invocable_flows", {}))

        async with anyio.create_task_group() as group:
            for _ in range(12):
                group.start_soon(one)
    assert len(results) == 12 and not any(res.is_error for res in results)
    assert counters[0].most == 3, "three at once, never more"


def test_deadline_and_bound_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_CALL_TIMEOUT", "20")
    monkeypatch.setenv("SALESFORCE_MAX_IN_FLIGHT", "4")
    settings = load_settings({})
    assert (settings.call_timeout, settings.max_in_flight) == (20.0, 4)
    monkeypatch.delenv("SALESFORCE_CALL_TIMEOUT")
    monkeypatch.delenv("SALESFORCE_MAX_IN_FLIGHT")
    assert (Settings().call_timeout, Settings().max_in_flight) == (45.0, 10)
    with pytest.raises(ValueError):
        RequestSlots(0)


class SlowRefresh:
    """Credentials whose refresh takes a while (a token endpoint under load) and rotates the refresh token."""

    instance_url = "https://example.my.salesforce.com"

    def __init__(self) -> None:
        self.rotated = False

    async def access_token(self) -> str:
        return "expired-token"

    async def refresh(self, rejected_token: str) -> str:
        await anyio.sleep(0.5)
        self.rotated = True  # the new refresh token is saved only if this line is reached
        return "new-token"


async def test_a_refresh_in_progress_is_not_cut_off_by_the_deadline() -> None:
    """A rotated refresh token invalidates the old one (Salesforce Help, OAuth 2.0 Refresh Token Flow: "The previous
    refresh token is automatically invalidated"), so a refresh cut off mid-way would lose the login."""
    import httpx2

    from salesforce_flow_mcp.salesforce.client import SalesforceClient
    from salesforce_flow_mcp.salesforce.deadline import call_deadline
    from salesforce_flow_mcp.salesforce.errors import CallDeadlineExceeded

    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    transport = httpx2.MockTransport(lambda request: httpx2.Response(401, json=expired))
    credentials = SlowRefresh()
    client = SalesforceClient(credentials, transport=transport)
    with pytest.raises(CallDeadlineExceeded):
        async with call_deadline(0.1):
            await client.get("/limits")
    assert credentials.rotated, "the refresh finished, and its rotated token with it"
    await client.aclose()
