"""A slow flow (the embedded org's latency hook) crosses the long-call bound: the call answers that it is still
running on the org and how to find its outcome, the request goes on, is never sent again, and its outcome is read
from the call resource once it arrives. Both protocol eras; requests counted at the org."""

from __future__ import annotations

import json

import anyio
import mcp_types as types
import pytest

from tests.support import PROTOCOL_MODES, Stack, org_stack

pytestmark = pytest.mark.anyio

CONTACT = {"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"}


async def contacts(stack: Stack) -> int:
    await stack.hook("/__org/latency", {"ms": 0})
    found = await stack.salesforce.query("SELECT Id FROM Contact WHERE LastName = 'Hopper'")
    return int(found["totalSize"])


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_a_slow_flow_answers_still_running_and_finishes_once(mode: str) -> None:
    async with org_stack(mode, long_call_bound=0.3) as stack:
        await stack.hook("/__org/latency", {"ms": 1500})
        before = await stack.usage()
        result = await stack.call("flow_Create_Contact", CONTACT)
        text = result.content[0].text  # type: ignore[union-attr]
        assert result.is_error and "still running on the org" in text
        assert "will not be sent again, so do not call it again" in text and "FlowInterview" in text
        (link,) = [c for c in result.content if isinstance(c, types.ResourceLink)]
        assert link.uri.startswith("salesforce-flow://calls/")
        running = json.loads((await stack.mcp.read_resource(link.uri)).contents[0].text)  # type: ignore[union-attr]
        assert running["state"] == "running" and running["result"] is None
        calls = stack.running.server.tool_calls
        assert calls is not None
        with anyio.fail_after(30):
            await calls.long_calls.get(link.uri.rsplit("/", 1)[-1]).done.wait()  # type: ignore[union-attr]
        done = json.loads((await stack.mcp.read_resource(link.uri)).contents[0].text)  # type: ignore[union-attr]
        assert done["state"] == "finished"
        assert done["result"]["structuredContent"]["contactId"].startswith("003")
        assert await stack.usage() - before == 1, "the flow request, once"
        assert await contacts(stack) == 1, "the flow ran once"


async def test_a_fast_call_answers_normally_under_the_bound() -> None:
    async with org_stack("legacy", long_call_bound=30) as stack:
        result = await stack.call("flow_Create_Contact", CONTACT)
        assert not result.is_error and result.structured_content["contactId"].startswith("003")


@pytest.mark.parametrize(("reads_only", "expected"), [(True, "cancelled"), (False, "finished")])
async def test_a_cancelled_caller_stops_a_read_at_once_and_lets_a_write_finish(reads_only: bool, expected: str) -> None:
    """A read has nothing to lose and stops with its caller; a write already on the wire finishes (and is kept)."""
    from salesforce_flow_mcp.mcp_features.long_calls import Job, LongCalls

    calls = LongCalls(bound=30)
    started, release = anyio.Event(), anyio.Event()

    async def work(job: Job) -> types.CallToolResult:
        started.set()
        await release.wait()
        return types.CallToolResult(content=[types.TextContent(type="text", text="finished")])

    def still_running(job: Job) -> types.CallToolResult:
        raise AssertionError("the caller was cancelled before the bound")

    async with calls.running():
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: calls.run("t", work, still_running, reads_only=reads_only))
            await started.wait()
            group.cancel_scope.cancel()
        (job,) = calls.jobs.values()
        if not reads_only:
            assert not job.done.is_set() and job.stop.is_set(), "a write runs on, sending nothing further"
            release.set()
        with anyio.fail_after(5):
            await job.done.wait()
    assert job.result is not None
    assert expected in job.result.content[0].text  # type: ignore[union-attr]
