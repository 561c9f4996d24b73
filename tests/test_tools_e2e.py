"""Every operation tool through the official mcp client, in both protocol eras and both route dialects.

The server reaches a fresh embedded org over HTTP (ASGI transport); results are checked against the seed spec's
shapes, the tool's outputSchema (the client validates it too) and the values a person reads off the demo flows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.tools.operations import OPERATION_TOOLS
from salesforce_flow_mcp.tools.schemas import _inline_refs, seed_components
from tests.support import DIALECTS, PROTOCOL_MODES, Stack, org_stack
from tests.test_flow_tools import QUOTE_INPUTS

pytestmark = pytest.mark.anyio

COMBINATIONS = [(mode, dialect) for mode in PROTOCOL_MODES for dialect in DIALECTS]
INVOCABLE_DEMO_FLOWS = {
    "Quote_Discount_Calculator",
    "Route_Support_Case",
    "Create_Contact",
    "Create_Account_Without_Name",
}


@pytest.fixture(params=COMBINATIONS, ids=[f"{m}-{d}" for m, d in COMBINATIONS])
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    mode, dialect = request.param
    async with org_stack(mode, dialect) as s:
        yield s


def assert_seed_shape(component: str, value: Any) -> None:
    """The seed's own schema (not our relaxed one), with nulls allowed where Salesforce leaves a field empty."""
    components = seed_components()
    schema = _inline_refs(components[component], components)
    errors = [e for e in Draft202012Validator(schema).iter_errors(value) if e.instance is not None]
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


async def ok(stack: Stack, tool: str, arguments: dict[str, Any] | None = None) -> Any:
    result = await stack.call(tool, arguments)
    assert not result.is_error, result.content
    # tools/list carries no outputSchema (the description says what comes back); the result still has the shape
    # of the seed's component, relaxed the way real Salesforce answers need.
    rows = {row.name: row for row in OPERATION_TOOLS}
    if tool in rows:
        Draft202012Validator(rows[tool].output).validate(result.structured_content)
    return result.structured_content


async def test_list_and_describe_invocable_flows(stack: Stack) -> None:
    listed = await ok(stack, "list_invocable_flows")
    assert_seed_shape("InvocableActionList", listed)
    assert {a["name"] for a in listed["actions"]} >= INVOCABLE_DEMO_FLOWS
    assert all(a["type"] == "FLOW" for a in listed["actions"])
    # A screen flow and a draft flow are not actions.
    assert "Customer_Onboarding_Screens" not in {a["name"] for a in listed["actions"]}

    described = await ok(stack, "get_invocable_flow_metadata", {"flowApiName": "Quote_Discount_Calculator"})
    assert_seed_shape("InvocableFlowMetadata", described)
    inputs = {p["name"]: p for p in described["inputs"]}
    assert set(inputs) == QUOTE_INPUTS
    assert inputs["productCodes"]["maxOccurs"] > 1 and inputs["quantity"]["maxOccurs"] == 1
    assert inputs["account"]["type"] == "SOBJECT" and inputs["account"]["sobjectType"] == "Account"
    assert inputs["unitPrice"]["type"] == "CURRENCY" and inputs["isPreferredCustomer"]["type"] == "BOOLEAN"
    outputs = {p["name"] for p in described["outputs"]}
    assert {"discountedTotal", "discountPercent", "isDiscounted", "productCount", "Flow__InterviewStatus"} <= outputs


async def test_invoke_flow_returns_one_result_per_record(stack: Stack) -> None:
    result = await ok(
        stack,
        "invoke_flow",
        {
            "flowApiName": "Quote_Discount_Calculator",
            "inputs": [
                # 10 x 25 = 250, preferred customer: 10% off -> 225
                {
                    "quoteName": "Q-1",
                    "quantity": 10,
                    "unitPrice": 25,
                    "isPreferredCustomer": True,
                    "productCodes": ["A", "B"],
                    "account": {"attributes": {"type": "Account"}, "Name": "Acme Corp"},
                },
                # 120 x 4.5 = 540, not preferred but 100 units or more: 5% off -> 513
                {"quoteName": "Q-2", "quantity": 120, "unitPrice": 4.5, "isPreferredCustomer": False},
            ],
        },
    )
    assert_seed_shape("InvokeFlowResponse", result)
    first, second = result["outputs"]
    assert first["isSuccess"] and second["isSuccess"]
    assert first["outputValues"]["discountedTotal"] == 225
    assert first["outputValues"]["isDiscounted"] is True and first["outputValues"]["productCount"] == 2
    assert second["outputValues"]["discountedTotal"] == 513
    assert first["outputValues"]["Flow__InterviewStatus"] == "Finished"


async def test_decision_flow(stack: Stack) -> None:
    described = await ok(stack, "get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"})
    assert described["inputs"], "Route_Support_Case takes inputs"


async def test_list_get_and_update_flows(stack: Stack) -> None:
    listed = await ok(stack, "list_flows")
    assert_seed_shape("FlowListResponse", listed)
    by_name = {r["ApiName"]: r for r in listed["records"]}
    assert set(by_name) >= INVOCABLE_DEMO_FLOWS | {"Customer_Onboarding_Screens"}
    assert listed["totalSize"] == len(listed["records"]) and listed["done"] is True

    active = await ok(stack, "list_flows", {"q": "Status = 'Active'"})
    assert active["records"] and all(r["Status"] == "Active" for r in active["records"])
    assert len(active["records"]) < len(listed["records"]), "the demo org has a draft flow"

    quote = by_name["Quote_Discount_Calculator"]
    flow = await ok(stack, "get_flow", {"flowId": quote["Id"]})
    assert_seed_shape("FlowDefinition", flow)
    assert (flow["Id"], flow["ApiName"], flow["Label"]) == (
        quote["Id"],
        "Quote_Discount_Calculator",
        "Quote Discount Calculator",
    )
    assert flow["ProcessType"] == "AutoLaunchedFlow" and flow["Status"] == "Active" and flow["VersionNumber"] == 1

    assert (await ok(stack, "update_flow", {"flowId": quote["Id"], "Description": "Prices quotes (v2)"}))["success"]
    # Real orgs keep the description on the FlowDefinition (the salesforce dialect PATCHes it there), so read it back
    # from FlowDefinitionView, which both dialects serve.
    described = await ok(
        stack,
        "query_flows",
        {"q": "SELECT Description FROM FlowDefinitionView WHERE ApiName = 'Quote_Discount_Calculator'"},
    )
    assert described["records"][0]["Description"] == "Prices quotes (v2)"
    flow = await ok(stack, "get_flow", {"flowId": quote["Id"]})
    assert flow["Status"] == "Active", "a description edit keeps the flow active"

    await ok(stack, "update_flow", {"flowId": quote["Id"], "Status": "Obsolete"})
    names = {a["name"] for a in (await ok(stack, "list_invocable_flows"))["actions"]}
    assert "Quote_Discount_Calculator" not in names
    await ok(stack, "update_flow", {"flowId": quote["Id"], "Status": "Active"})
    names = {a["name"] for a in (await ok(stack, "list_invocable_flows"))["actions"]}
    assert "Quote_Discount_Calculator" in names


async def test_interview_lifecycle(stack: Stack) -> None:
    created = await ok(
        stack,
        "create_flow_interview",
        {
            "FlowDefinitionView": {"ApiName": "Schedule_Follow_Up"},
            "inputs": [{"name": "subject", "value": "Call Acme"}],
        },
    )
    assert_seed_shape("CreateResponse", {k: v for k, v in created.items() if k != "errors"})
    assert created["success"] is True and created["id"].startswith("0Fo")

    interview = await ok(stack, "get_flow_interview", {"interviewId": created["id"]})
    assert_seed_shape("FlowInterview", interview)
    assert interview["Id"] == created["id"] and interview["HasFinished"] is False
    assert interview["CurrentElement"]

    queried = await ok(stack, "query_flows", {"q": "SELECT Id, CurrentElement FROM FlowInterview"})
    assert_seed_shape("QueryResult", queried)
    assert created["id"] in {r["Id"] for r in queried["records"]}

    assert await ok(stack, "delete_flow_interview", {"interviewId": created["id"]}) == {"success": True}
    gone = await stack.call("get_flow_interview", {"interviewId": created["id"]})
    assert gone.is_error and "NOT_FOUND" in gone.content[0].text


async def test_query_flows(stack: Stack) -> None:
    result = await ok(stack, "query_flows", {"q": "SELECT ApiName, Label FROM FlowDefinitionView ORDER BY ApiName"})
    names = [r["ApiName"] for r in result["records"]]
    assert names == sorted(names) and "Quote_Discount_Calculator" in names
    assert result["totalSize"] == len(names) and result["done"] is True
