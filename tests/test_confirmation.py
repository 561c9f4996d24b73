"""Confirm before changing the org: the official client's elicitation callback accepts, declines or cancels, in both
protocol eras (2025-11-25: an elicitation/create request mid-call; 2026-07-28: the InputRequiredResult round trip),
with the requests counted at the embedded org."""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from tests.support import PROTOCOL_MODES, org_stack, text_of

pytestmark = pytest.mark.anyio


class User:
    """An elicitation callback that answers as told and remembers what it was asked."""

    def __init__(self, action: str, confirm: bool = True) -> None:
        self.action = action
        self.confirm = confirm
        self.asked: list[str] = []

    async def __call__(self, ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams), "form mode"
        self.asked.append(params.message)
        if self.action == "accept":
            return types.ElicitResult(action="accept", content={"confirm": self.confirm})
        return types.ElicitResult(action=self.action)  # type: ignore[arg-type]


CONTACT = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
@pytest.mark.parametrize(
    ("action", "confirm", "runs"),
    [("accept", True, True), ("accept", False, False), ("decline", True, False), ("cancel", True, False)],
)
async def test_a_flow_that_writes_runs_only_when_the_user_accepts(mode: str, action: str, confirm: bool, runs: bool):
    user = User(action, confirm)
    async with org_stack(mode, client_options={"elicitation_callback": user}) as stack:
        before = await stack.usage()
        result = await stack.call("flow_Create_Contact", CONTACT)
        sent = await stack.usage() - before
        assert user.asked == ["Run flow Create_Contact for 1 record on the embedded org?"]
        if runs:
            assert not result.is_error, text_of(result)
            assert sent == 1, "one request: the flow ran once"
            assert result.structured_content["contactId"].startswith("003")
        else:
            assert result.is_error and sent == 0, "nothing was sent to the org"
            assert "Not run" in text_of(result) and "Nothing was sent to the org" in text_of(result)
            assert ("declined" if action != "cancel" else "cancelled") in text_of(result)


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_a_flow_tool_called_before_the_catalogue_is_in_is_still_asked_about(mode: str) -> None:
    """A 2026-07-28 client may call a flow tool at once; the call waits for the catalogue, not past the question."""
    user = User("decline")
    async with org_stack(mode, wait_for_flows=False, client_options={"elicitation_callback": user}) as stack:
        contacts = len(stack.state.records.rows("Contact"))
        result = await stack.call("flow_Create_Contact", CONTACT)
        assert result.is_error and "declined" in text_of(result), text_of(result)
        assert user.asked == ["Run flow Create_Contact for 1 record on the embedded org?"]
        assert len(stack.state.records.rows("Contact")) == contacts, "the flow did not run"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_the_question_names_the_flow_the_org_and_the_record_count(mode: str) -> None:
    user = User("decline")
    async with org_stack(mode, client_options={"elicitation_callback": user}) as stack:
        # Create_Contact creates records; Quote_Discount_Calculator only computes, so its metadata makes it
        # read-only (tools/flow_effects.py) and running it asks nothing.
        await stack.call("invoke_flow", {"flowApiName": "Quote_Discount_Calculator", "inputs": [{"quantity": 1}]})
        records = [{"lastName": "Lovelace"}] * 39
        await stack.call("invoke_flow", {"flowApiName": "Create_Contact", "inputs": records})
        created = await stack.call("create_flow_interview", {"FlowDefinitionView": {"ApiName": "Schedule_Follow_Up"}})
        await stack.call("delete_flow_interview", {"interviewId": "0Fo000000000001AAA"})
        await stack.call("update_flow", {"flowId": "301000000000001AAA", "Status": "Obsolete"})
        assert created.is_error
    assert user.asked == [
        "Run flow Create_Contact for 39 records on the embedded org?",
        "Start flow Schedule_Follow_Up with 0 input variable(s) on the embedded org?",
        "Delete paused flow interview 0Fo000000000001AAA (it cannot be resumed) on the embedded org?",
        "Deactivate flow version 301000000000001AAA (for every user) on the embedded org?",
    ]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_reads_are_not_asked_about_unless_confirm_always(mode: str) -> None:
    user = User("decline")
    async with org_stack(mode, client_options={"elicitation_callback": user}) as stack:
        assert not (await stack.call("list_invocable_flows")).is_error
        assert user.asked == []
    async with org_stack(mode, confirm="always", client_options={"elicitation_callback": user}) as stack:
        before = await stack.usage()
        assert (await stack.call("list_invocable_flows")).is_error
        assert await stack.usage() == before
        assert (await stack.call("get_invocable_flow_metadata", {"flowApiName": "Create_Contact"})).is_error
        assert user.asked == [
            "Call list_invocable_flows on the embedded org?",
            "Call get_invocable_flow_metadata on the embedded org?",
        ]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_confirm_never_and_clients_without_elicitation_run_as_before(mode: str) -> None:
    user = User("decline")
    async with org_stack(mode, confirm="never", client_options={"elicitation_callback": user}) as stack:
        assert not (await stack.call("flow_Create_Contact", CONTACT)).is_error
    assert user.asked == []
    async with org_stack(mode) as stack:  # no elicitation callback: the client declares no elicitation capability
        before = await stack.usage()
        assert not (await stack.call("flow_Create_Contact", CONTACT)).is_error
        assert await stack.usage() - before == 1


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_bad_arguments_are_refused_before_anyone_is_asked(mode: str) -> None:
    user = User("accept")
    async with org_stack(mode, client_options={"elicitation_callback": user}) as stack:
        result = await stack.call("flow_Quote_Discount_Calculator", {"quantity": "ten"})
        assert result.is_error and "'ten' is not of type 'number'" in text_of(result)
    assert user.asked == []


async def test_the_embedded_org_is_not_production() -> None:
    user = User("decline")
    async with org_stack(
        "legacy", confirm="never", confirm_production=True, client_options={"elicitation_callback": user}
    ) as stack:
        assert not (await stack.call("flow_Create_Contact", CONTACT)).is_error
    assert user.asked == []


async def test_modern_answers_count_only_for_the_question_this_server_asked() -> None:
    """2026-07-28: an accept the server never asked for (no requestState, or one it did not seal) runs nothing."""
    async with org_stack("2026-07-28", client_options={"elicitation_callback": User("accept")}) as stack:
        before = await stack.usage()
        accept = {"confirm": types.ElicitResult(action="accept", content={"confirm": True})}
        session = stack.mcp.session
        unasked = await session.call_tool(
            "flow_Create_Contact", CONTACT, input_responses=accept, allow_input_required=True
        )
        assert isinstance(unasked, types.InputRequiredResult), "asked first"
        assert unasked.input_requests and "confirm" in unasked.input_requests
        assert unasked.request_state and "confirm" not in unasked.request_state, "sealed, not readable"
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await session.call_tool(
                "flow_Create_Contact",
                CONTACT,
                input_responses=accept,
                request_state="salesforce-flow-mcp/confirm/v1",
                allow_input_required=True,
            )
        with pytest.raises(MCPError, match="Invalid or expired requestState"):  # bound to the same arguments
            await session.call_tool(
                "flow_Create_Contact",
                {**CONTACT, "lastName": "Byron"},
                input_responses=accept,
                request_state=unasked.request_state,
                allow_input_required=True,
            )
        assert await stack.usage() == before
        answered = await session.call_tool(
            "flow_Create_Contact",
            CONTACT,
            input_responses=accept,
            request_state=unasked.request_state,
            allow_input_required=True,
        )
        assert isinstance(answered, types.CallToolResult) and not answered.is_error
        assert await stack.usage() - before == 1


def organization_org(is_sandbox: bool | None, status: int = 200) -> Any:
    """A real org, mocked with the documented query response of the Organization object (SOQL and SOSL Reference,
    query result shape; Object Reference, Organization.IsSandbox)."""
    import httpx2

    from salesforce_flow_mcp.auth.credentials import StaticCredentials
    from salesforce_flow_mcp.salesforce.client import SalesforceClient

    queries: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        queries.append(request.url.params.get("q", ""))
        if status != 200:
            return httpx2.Response(
                status, json=[{"message": "sObject type 'Organization' is not supported.", "errorCode": "INVALID_TYPE"}]
            )
        record = {
            "attributes": {"type": "Organization", "url": "/services/data/v59.0/sobjects/Organization/00D"},
            "IsSandbox": is_sandbox,
            "OrganizationType": "Enterprise Edition",
        }
        return httpx2.Response(200, json={"totalSize": 1, "done": True, "records": [record]})

    client = SalesforceClient(
        StaticCredentials("https://acme.my.salesforce.com", "00Dx!token"), transport=httpx2.MockTransport(answer)
    )
    return client, queries


@pytest.mark.parametrize(
    ("is_sandbox", "status", "production", "label"),
    [
        (False, 200, True, "production org acme.my.salesforce.com"),
        (True, 200, False, "sandbox acme.my.salesforce.com"),
        (None, 400, None, "org acme.my.salesforce.com (production or not: unknown)"),
    ],
)
async def test_production_is_told_by_organization_is_sandbox(is_sandbox: Any, status: int, production: Any, label: str):
    from salesforce_flow_mcp.mcp_features.confirmation import ConfirmPolicy
    from salesforce_flow_mcp.mcp_features.org_kind import OrgKindProbe

    client, queries = organization_org(is_sandbox, status)
    probe = OrgKindProbe(client, demo=False)
    kind = await probe.kind()
    await probe.kind()
    await client.aclose()
    assert (kind.production, kind.label) == (production, label)
    assert queries == ["SELECT IsSandbox, OrganizationType FROM Organization LIMIT 1"], "asked once"
    rule = ConfirmPolicy("never", production=True)
    # Production, or unknown (the safe reading), asks even for reads; a sandbox only as --confirm says.
    assert rule.should_ask(writes=False, on_production=kind.maybe_production) is (production is not False)


async def test_confirm_production_asks_even_for_reads_on_a_production_org() -> None:
    """A real production org (replayed: the Organization query answers IsSandbox false, Object Reference,
    Organization): with --confirm never --confirm-production a read is asked about; declined, it is not sent."""
    from mcp import Client

    from salesforce_flow_mcp.config import Settings
    from salesforce_flow_mcp.runtime import assemble
    from tests.recorded_org import RecordedOrg, action, describe

    org = RecordedOrg()

    def query(request: Any) -> tuple[int, Any]:
        soql = request.url.params.get("q", "")
        if "FROM Organization" in soql:
            record = {
                "attributes": {"type": "Organization"},
                "IsSandbox": False,
                "OrganizationType": "Enterprise Edition",
            }
            return 200, {"totalSize": 1, "done": True, "records": [record]}
        return 200, {"totalSize": 0, "done": True, "records": []}

    org.answers[("GET", "/query")] = query
    org.answer("GET", "/actions/custom/flow", 200, {"actions": [action("Route_Case")]})
    org.answer(
        "POST",
        "/composite/batch",
        200,
        {"hasErrors": False, "results": [{"statusCode": 200, "result": describe("Route_Case")}]},
    )
    client = org.client()
    running = assemble(client, Settings(cache_dir="", refresh_interval=0, confirm="never", confirm_production=True))
    user = User("decline")
    try:
        assert running.flows is not None
        await running.flows.refresh()
        async with Client(running.server, mode="legacy", elicitation_callback=user) as mcp:
            sent_before = len(org.sent)
            result = await mcp.call_tool("list_invocable_flows", {})
            organization_queries = [r for r in org.sent[sent_before:] if "Organization" in r.url.params.get("q", "")]
            assert len(organization_queries) == 1, "asked once"
            assert len(org.sent) - sent_before == 1, "the list itself was not sent"
            await mcp.call_tool("list_invocable_flows", {})
            assert len(org.sent) - sent_before == 1, "the answer is kept; declined again, nothing sent"
    finally:
        await client.aclose()
    assert result.is_error and "Nothing was sent to the org" in text_of(result)
    assert user.asked[0] == "Call list_invocable_flows on production org recorded.my.salesforce.com?"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_a_flow_new_since_the_last_refresh_is_asked_about_too(mode: str) -> None:
    """Calling a flow tool the server does not know yet makes it re-read the org; the call is then confirmed first."""
    from tests.support import REPO

    source = (REPO / "server" / "localorg" / "demo_flows" / "Create_Contact.flow-meta.xml").read_bytes()
    user = User("decline")
    async with org_stack(mode, client_options={"elicitation_callback": user}) as stack:
        deployed = await stack.org.post("/__org/flows", params={"name": "Create_Contact_Again"}, content=source)
        assert deployed.status_code == 201, deployed.text
        contacts = (await stack.salesforce.query("SELECT Id FROM Contact"))["totalSize"]
        result = await stack.call("flow_Create_Contact_Again", CONTACT)
        invoked = [line for line in user.asked if "Create_Contact_Again" in line]
        assert invoked == ["Run flow Create_Contact_Again for 1 record on the embedded org?"]
        assert result.is_error and "Nothing was sent to the org" in text_of(result)
        assert (await stack.salesforce.query("SELECT Id FROM Contact"))["totalSize"] == contacts, "no Contact made"
