"""One MCP tool per invocable flow, through the official mcp client: calls, failures, selection, size policy,
the describe cache, a slow org, and the catalogue kept current with notifications in both protocol eras."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import anyio
import pytest

from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from tests.localorg.flow_builders import assign, flow_xml, ref, var
from tests.support import PROTOCOL_MODES, Stack, org_stack, text_of

pytestmark = pytest.mark.anyio

DEMO_FLOW_TOOLS = {
    "flow_Create_Account_Without_Name",
    "flow_Create_Contact",
    "flow_Quote_Discount_Calculator",
    "flow_Route_Support_Case",
    "flow_Schedule_Follow_Up",
    "flow_Total_Order_Lines",
}
# The demo's Quote_Discount_Calculator flow's input variables.
QUOTE_INPUTS = {"quoteName", "quantity", "unitPrice", "isPreferredCustomer", "validUntil", "productCodes", "account"}
# Their metadata shows no record write and no action (tests/test_flow_effects.py derives it for each demo flow).
READ_ONLY_DEMO_FLOWS = {"flow_Quote_Discount_Calculator", "flow_Route_Support_Case", "flow_Total_Order_Lines"}


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_each_invocable_flow_is_a_tool_and_a_call_returns_its_outputs(mode: str) -> None:
    async with org_stack(mode) as stack:
        tools = {t.name: t for t in (await stack.mcp.list_tools()).tools}
        assert {n for n in tools if n.startswith("flow_")} == DEMO_FLOW_TOOLS
        quote = tools["flow_Quote_Discount_Calculator"]
        assert set(quote.input_schema["properties"]) == QUOTE_INPUTS
        # 10 x 25 = 250, preferred: 10% off.
        result = await stack.call(
            "flow_Quote_Discount_Calculator",
            {
                "quantity": 10,
                "unitPrice": 25,
                "isPreferredCustomer": True,
                "productCodes": ["A", "B"],
                "quoteName": "Q-7",
                "account": {"attributes": {"type": "Account"}, "Name": "Acme Corp"},
            },
        )
        assert not result.is_error, text_of(result)
        outputs = result.structured_content
        assert quote.output_schema is None  # the outputs are named in the description
        assert "discountedTotal (number)" in (quote.description or "")
        assert outputs["discountedTotal"] == 225 and outputs["isDiscounted"] is True and outputs["productCount"] == 2
        assert outputs["Flow__InterviewStatus"] == "Finished"


async def test_a_flow_fault_is_a_tool_error_with_salesforce_status_and_message() -> None:
    async with org_stack() as stack:
        result = await stack.call("flow_Create_Account_Without_Name", {"industry": "Energy"})
        assert result.is_error
        assert "Flow Create_Account_Without_Name failed: UNKNOWN_EXCEPTION" in text_of(result)
        assert "Required fields are missing: [Name]" in text_of(result)


async def test_bad_arguments_are_refused_before_the_flow_runs() -> None:
    async with org_stack() as stack:
        before = await stack.usage()
        for arguments, says in [
            ({"quantity": "ten"}, "'ten' is not of type 'number'"),
            ({"nope": 1}, "Additional properties are not allowed ('nope' was unexpected)"),
            ({"validUntil": 20241231}, "is not of type 'string'"),
            ({"productCodes": "A"}, "is not of type 'array'"),
        ]:
            result = await stack.call("flow_Quote_Discount_Calculator", arguments)
            assert result.is_error and says in text_of(result), text_of(result)
        assert await stack.usage() == before


async def test_a_rest_error_reaches_the_agent_and_the_next_call_works() -> None:
    async with org_stack() as stack:
        body = '[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]'
        await stack.hook("/__org/fail", {"status": 403, "count": 1, "body": body, "contentType": "application/json"})
        result = await stack.call("flow_Route_Support_Case", {})
        assert (
            result.is_error
            and "REQUEST_LIMIT_EXCEEDED" in text_of(result)
            and "wait before retrying" in text_of(result)
        )
        assert not (await stack.call("flow_Quote_Discount_Calculator", {"quantity": 1, "unitPrice": 1})).is_error


async def test_a_batch_with_a_failing_record_reports_every_record() -> None:
    async with org_stack() as stack:
        result = await stack.call(
            "invoke_flow",
            {
                "flowApiName": "Quote_Discount_Calculator",
                "inputs": [
                    {"quantity": 2, "unitPrice": 5},
                    {"quantity": "many"},  # Salesforce rejects this record: HTTP 400 with the full array
                    {"quantity": 1, "unitPrice": 3},
                ],
            },
        )
        assert result.is_error, "a failed record makes the call an error"
        # One transaction, partial save off (the embedded org's default, as Metadata API InvocableActionSettings
        # documents): the failed record rolls the other two back, and every record says what happened to it.
        assert "3 of 3 flow invocations failed" in text_of(result) and "record 1: INVALID_INPUT" in text_of(result)
        first, failed, third = result.structured_content["outputs"]
        assert not failed["isSuccess"] and failed["errors"][0]["statusCode"] == "INVALID_INPUT"
        for rolled_back in (first, third):
            assert not rolled_back["isSuccess"]
            assert rolled_back["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


async def test_include_and_exclude_globs() -> None:
    async with org_stack(include_flows=("Quote_*", "Route_*", "Create_*"), exclude_flows=("Create_Account*",)) as s:
        assert {n for n in await s.tool_names() if n.startswith("flow_")} == {
            "flow_Quote_Discount_Calculator",
            "flow_Route_Support_Case",
            "flow_Create_Contact",
        }


async def test_read_only_keeps_the_tools_of_flows_that_change_nothing() -> None:
    """--read-only: a flow tool only where the flow's metadata shows no record write and no action (its readOnlyHint
    is true, tools/flow_effects.py); the others and invoke_flow are hidden, and a call to one says why."""
    async with org_stack(read_only=True) as stack:
        names = await stack.tool_names()
        flows = {n for n in names if n.startswith("flow_")}
        assert flows == READ_ONLY_DEMO_FLOWS and "invoke_flow" not in names
        assert "--read-only" in stack.running.flows.policy
        listed = {t.name: t for t in (await stack.mcp.list_tools()).tools}
        assert all(listed[n].annotations and listed[n].annotations.read_only_hint for n in flows)
        ran = await stack.call("flow_Route_Support_Case", {"subject": "Down", "priority": "High"})
        assert not ran.is_error, ran
        refused = await stack.call("flow_Create_Contact", {"lastName": "Lovelace"})
        assert refused.is_error and "--read-only hides the tools of flows that may change the org" in text_of(refused)
    # More read-only flows than the limit: none (search_flows would find flows only invoke_flow runs, hidden here).
    async with org_stack(read_only=True, max_flow_tools=2) as stack:
        assert not any(n.startswith("flow_") or n == "search_flows" for n in await stack.tool_names())
        assert "more than the limit of 2" in stack.running.flows.policy
    # The seed dialect reads no metadata: no flow is known to change nothing, so none has a tool.
    async with org_stack(dialect="seed", read_only=True) as stack:
        assert not any(n.startswith("flow_") for n in await stack.tool_names())


async def test_above_the_limit_a_search_tool_replaces_one_tool_per_flow() -> None:
    async with org_stack(max_flow_tools=3) as stack:
        names = await stack.tool_names()
        assert not any(n.startswith("flow_") for n in names)
        assert {"search_flows", "invoke_flow"} <= names
        assert "more than the limit of 3" in stack.running.flows.policy
        found = (await stack.call("search_flows", {"query": "discount quote"})).structured_content
        assert [f["flowApiName"] for f in found["flows"]] == ["Quote_Discount_Calculator"]
        assert "unitPrice" in {i["name"] for i in found["flows"][0]["inputs"]}
        everything = (await stack.call("search_flows", {"limit": 50})).structured_content
        assert everything["totalMatches"] == 6


def tiny_flow(name: str, label: str) -> str:
    """An active flow that answers its `question` input as its `answer` output."""
    body = assign("Echo", [("answer", "Assign", ref("question"))]) + var("answer", "String", out=True)
    return flow_xml(label, body=body + var("question", "String", inp=True), start="Echo").decode()


async def deploy(stack: Stack, name: str, label: str | None = None) -> None:
    response = await stack.org.post(
        "/__org/flows", params={"name": name, "activate": "true"}, content=tiny_flow(name, label or name)
    )
    assert response.status_code == 201, response.text


async def test_describes_go_through_composite_batch_and_the_disk_cache(tmp_path: Path) -> None:
    state = OrgState.create(":memory:", None, access_token=DEMO_ACCESS_TOKEN)
    async with org_stack(state=state, cache_dir=str(tmp_path), max_flow_tools=100) as stack:
        for i in range(60):
            await deploy(stack, f"Echo_{i:03d}")
        summary = (await stack.call("refresh_flows")).structured_content
        assert summary["invocableFlows"] == 66 and summary["toolListChanged"] is True
        stats = stack.running.flows.loader.last_stats
        # The 6 demo flows came from the cache filled at startup; 60 new ones in ceil(60/25) composite batches, and
        # their metadata in as many Tooling composite requests (one call each, 25 versions in each).
        assert stats.described == 60 and stats.metadata_requests == math.ceil(60 / 25)
        assert stats.requests == 2 + math.ceil(60 / 25) + math.ceil(60 / 25)
        assert "flow_Echo_059" in await stack.tool_names()
    # A restart against the same org: every describe comes from the cache.
    async with org_stack(state=state, cache_dir=str(tmp_path), max_flow_tools=100) as stack:
        stats = stack.running.flows.loader.last_stats
        # Describes and metadata summaries both come from the cache, by version: no describe, no metadata read.
        assert (stats.listed, stats.described, stats.metadata_requests, stats.requests) == (66, 0, 0, 2)
        result = await stack.call("flow_Echo_042", {"question": "cached?"})
        assert result.structured_content["answer"] == "cached?"
        # A new version of one flow: only that one is described again.
        await deploy(stack, "Echo_042", "Echo 42, version 2")
        await stack.call("refresh_flows")
        assert stack.running.flows.loader.last_stats.described == 1
        tools = {t.name: t for t in (await stack.mcp.list_tools()).tools}
        assert tools["flow_Echo_042"].title == "Echo 42, version 2"


async def test_a_slow_org_does_not_hold_up_the_handshake() -> None:
    state = OrgState.create(":memory:", None, access_token=DEMO_ACCESS_TOKEN)
    async with org_stack(wait_for_flows=False) as probe:
        pass  # (only to reach the hook with the same token below)
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(getattr(message, "root", message), "method", "") == "notifications/tools/list_changed":
            changed.set()

    import httpx2

    from salesforce_flow_mcp.localorg.app import create_org_app

    app = create_org_app(state)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1") as org:
        await org.post("/__org/latency", json={"ms": 400}, headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"})
    async with org_stack(
        state=state, wait_for_flows=False, catalogue_wait=0.05, client_options={"message_handler": on_message}
    ) as stack:
        # The handshake is done (we are inside the session) and tools/list answers without the flow tools.
        names = await stack.tool_names()
        assert "list_flows" in names and not any(n.startswith("flow_") for n in names)
        with anyio.fail_after(30):
            await changed.wait()
        assert DEMO_FLOW_TOOLS <= await stack.tool_names()
    del probe


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_activating_a_flow_notifies_connected_clients(mode: str) -> None:
    notified = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(getattr(message, "root", message), "method", "") == "notifications/tools/list_changed":
            notified.set()

    async with org_stack(mode, refresh_interval=0.2, client_options={"message_handler": on_message}) as stack:
        assert "flow_Welcome_Email_Draft" not in await stack.tool_names()
        if mode == "legacy":
            await deploy(stack, "Brand_New_Flow", "Brand New Flow")
            with anyio.fail_after(30):
                await notified.wait()  # the interval refresh saw it
        else:
            async with stack.mcp.listen(tools_list_changed=True) as subscription:
                await deploy(stack, "Brand_New_Flow", "Brand New Flow")
                with anyio.fail_after(30):
                    event = await subscription.__anext__()
                assert type(event).__name__ == "ToolsListChanged"
        names = await stack.tool_names()
        assert "flow_Brand_New_Flow" in names

        # Activating the draft demo flow through update_flow refreshes the catalogue at once.
        flows = (await stack.call("list_flows", {"q": "Status = 'Draft'"})).structured_content["records"]
        draft = next(r for r in flows if r["ApiName"] == "Welcome_Email_Draft")
        assert not (await stack.call("update_flow", {"flowId": draft["Id"], "Status": "Active"})).is_error
        assert "flow_Welcome_Email_Draft" in await stack.tool_names()
        await stack.call("update_flow", {"flowId": draft["Id"], "Status": "Obsolete"})
        assert "flow_Welcome_Email_Draft" not in await stack.tool_names()


async def test_null_for_an_input_means_leave_it_unset() -> None:
    async with org_stack() as stack:
        result = await stack.call(
            "flow_Quote_Discount_Calculator", {"quantity": 2, "unitPrice": 3, "account": None, "validUntil": None}
        )
        assert not result.is_error, text_of(result)
        assert result.structured_content["discountedTotal"] == 6
