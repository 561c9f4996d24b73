"""Progress and cancellation through the official mcp client, in both protocol eras: invoke_flow with many records,
refresh_flows and the first catalogue load report progress when the caller gives a progress token; a cancelled call
sends no further request, and the one already sent is not sent again. Requests are counted at the embedded org.

invoke_flow sends its records in one request by default: Salesforce runs them in one transaction, all or none
(Metadata API, InvocableActionSettings.isPartialSaveAllowed; the embedded org follows it), so progress reports the
request sent and then the time waited. Batches (--invoke-batch-size) are opt-in and each commits on its own."""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
import pytest

from tests.support import PROTOCOL_MODES, org_stack

pytestmark = pytest.mark.anyio

RECORDS = [{"quantity": i + 1, "unitPrice": 2} for i in range(39)]
INVOKE = {"flowApiName": "Quote_Discount_Calculator", "inputs": RECORDS}


class Steps:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_invoke_flow_with_39_records_reports_progress_while_the_org_works(mode: str) -> None:
    async with org_stack(mode, progress_interval=0.1) as stack:
        await stack.hook("/__org/latency", {"ms": 500})
        steps = Steps()
        before = await stack.usage()
        result = await stack.mcp.call_tool("invoke_flow", INVOKE, progress_callback=steps)
        assert not result.is_error and len(result.structured_content["outputs"]) == 39
        assert await stack.usage() - before == 1, "one request: one transaction, as without progress"
        assert steps.seen[0] == (0, None, "39 record(s) sent to the org in one request")
        assert len(steps.seen) >= 2 and steps.seen[1][2].startswith("still waiting for the org")
        values = [p for p, _, _ in steps.seen]
        assert values == sorted(values) and len(set(values)) == len(values), "progress only increases"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_invoke_flow_in_batches_reports_each_batch(mode: str) -> None:
    async with org_stack(mode, invoke_batch_size=10) as stack:
        steps = Steps()
        before = await stack.usage()
        result = await stack.mcp.call_tool("invoke_flow", INVOKE, progress_callback=steps)
        assert not result.is_error
        outputs = result.structured_content["outputs"]
        assert [o["outputValues"]["discountedTotal"] for o in outputs] == [(i + 1) * 2 for i in range(39)]
        assert [(p, t) for p, t, _ in steps.seen] == [(0, 39), (10, 39), (20, 39), (30, 39), (39, 39)]
        assert steps.seen[-1][2] == "39 of 39 records"
        assert await stack.usage() - before == 4, "four batches of at most 10 records: four requests"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_without_a_progress_token_invoke_flow_stays_one_request(mode: str) -> None:
    async with org_stack(mode) as stack:
        before = await stack.usage()
        result = await stack.mcp.call_tool("invoke_flow", INVOKE)
        assert not result.is_error and len(result.structured_content["outputs"]) == 39
        assert await stack.usage() - before == 1


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_failures_are_numbered_across_batches_and_only_their_batch_rolls_back(mode: str) -> None:
    async with org_stack(mode, invoke_batch_size=10) as stack:
        records = [*RECORDS[:25], {"quantity": "many"}, *RECORDS[26:]]
        result = await stack.mcp.call_tool("invoke_flow", {**INVOKE, "inputs": records}, progress_callback=Steps())
        assert result.is_error
        text = result.content[0].text
        assert "10 of 39 flow invocations failed" in text and "record 25: INVALID_INPUT" in text
        outputs = result.structured_content["outputs"]
        assert len(outputs) == 39
        assert [i for i, o in enumerate(outputs) if not o["isSuccess"]] == list(range(20, 30)), "its batch only"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_refresh_flows_reports_progress(mode: str) -> None:
    async with org_stack(mode) as stack:
        steps = Steps()
        result = await stack.mcp.call_tool("refresh_flows", {}, progress_callback=steps)
        assert not result.is_error
        assert steps.seen, "progress while the catalogue reloads"
        assert all("invocable flows listed" in m or "describe requests answered" in m for _, _, m in steps.seen if m)
        assert steps.seen[-1][0] == steps.seen[-1][1], "the last step completes the total"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_tools_list_during_startup_reports_the_catalogue_load(mode: str) -> None:
    async with org_stack(mode, wait_for_flows=False) as stack:
        await stack.hook("/__org/latency", {"ms": 50})
        steps = Steps()
        request = types.ListToolsRequest(params=types.PaginatedRequestParams())
        tools = await stack.mcp.session.send_request(request, types.ListToolsResult, progress_callback=steps)
        assert any(t.name.startswith("flow_") for t in tools.tools)
        assert steps.seen and steps.seen[-1][0] == steps.seen[-1][1]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_a_cancelled_call_sends_no_further_batch_and_nothing_twice(mode: str) -> None:
    async with org_stack(mode, invoke_batch_size=10) as stack:
        await stack.hook("/__org/latency", {"ms": 300})
        before = await stack.usage()
        first_batch_done = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            if progress >= 10:
                first_batch_done.set()

        async with anyio.create_task_group() as group:

            async def call() -> Any:
                await stack.mcp.call_tool("invoke_flow", INVOKE, progress_callback=on_progress)

            group.start_soon(call)
            await first_batch_done.wait()  # the second batch is on the wire now
            group.cancel_scope.cancel()
        calls = stack.running.server.tool_calls
        assert calls is not None
        (job,) = calls.long_calls.jobs.values()
        with anyio.fail_after(30):
            await job.done.wait()  # the batch in flight finishes in the background
        assert job.stop.is_set()
        sent = await stack.usage() - before
        assert 1 <= sent <= 2, "the first batch and the one in flight; no further batch after the cancel"
        assert job.sent[0] == 10 * sent
