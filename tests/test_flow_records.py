"""Record inputs of flow tools: the tool schema says "an object" and names the sObject in words, and the server sends
each record with its `attributes.type`.

Salesforce's documented form of an sObject input carries `attributes.type` (Actions Developer Guide, "Apex Actions",
https://developer.salesforce.com/docs/atlas.en-us.api_action.meta/api_action/actions_obj_apex.htm:
`"objects": {"attributes": {"type": "Account"}, "Name": "Acme"}`); no page says whether a flow input may leave it
out, so the server always sends it (right under either reading) and an agent need not. The describe names a record
parameter's object in `sobjectType` (Actions Developer Guide, "Flow Actions"). These tests check the request the
server sends, through a transport double that keeps it (tests/recorded_org.py), and the embedded org's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from tests.localorg.flow_builders import assign, flow_xml, ref, var
from tests.recorded_org import RecordedOrg, action, describe, recorded_stack
from tests.support import org_stack, text_of

pytestmark = pytest.mark.anyio

FLOW = "Score_Account"
INVOKE = f"/actions/custom/flow/{FLOW}"
INPUTS = [
    {"name": "account", "type": "SOBJECT", "sobjectType": "Account", "maxOccurs": 1, "required": True},
    {"name": "contacts", "type": "SOBJECT", "sobjectType": "Contact", "maxOccurs": 2000, "required": False},
    {"name": "note", "type": "STRING", "maxOccurs": 1, "required": False},
]
FINISHED = {"Flow__InterviewStatus": "Finished"}


def succeeds(flow: str) -> Callable[[httpx2.Request], tuple[int, Any]]:
    """The documented success answer (Actions Developer Guide, Invoking Actions): one item per input, in order."""

    def answer(request: httpx2.Request) -> tuple[int, Any]:
        count = len(json.loads(request.content)["inputs"])
        return 200, [{"actionName": flow, "errors": None, "isSuccess": True, "outputValues": FINISHED}] * count

    return answer


def recorded() -> RecordedOrg:
    org = RecordedOrg()
    org.answer("GET", "/actions/custom/flow", 200, {"actions": [action(FLOW)]})
    org.answer("GET", "/query", 200, {"totalSize": 0, "done": True, "records": []})
    batch = {"hasErrors": False, "results": [{"statusCode": 200, "result": describe(FLOW, INPUTS)}]}
    org.answer("POST", "/composite/batch", 200, batch)
    org.answers[("POST", INVOKE)] = succeeds(FLOW)
    return org


def sent_inputs(org: RecordedOrg) -> list[dict[str, Any]]:
    """The inputs of the one request that ran the flow."""
    (request,) = org.requests_to("POST", INVOKE)
    inputs: list[dict[str, Any]] = json.loads(request.content)["inputs"]
    return inputs


async def test_the_schema_names_the_object_in_words_without_spelling_out_attributes() -> None:
    async with recorded_stack(recorded()) as (mcp, _):
        tool = next(t for t in (await mcp.list_tools()).tools if t.name == f"flow_{FLOW}")
    props = tool.input_schema["properties"]
    assert props["account"] == {"description": "Account record.", "type": "object"}
    assert props["contacts"] == {
        "description": "Contact records.",
        "type": "array",
        "items": {"type": "object"},
        "maxItems": 2000,
    }


async def test_records_are_sent_with_their_type_whether_or_not_the_agent_gave_it() -> None:
    org = recorded()
    arguments = {
        "account": {"Name": "Acme", "AnnualRevenue": 5},
        "contacts": [{"LastName": "Lovelace"}, {"attributes": {"type": "contact"}, "LastName": "Hopper"}, {}],
        "note": "vip",
    }
    async with recorded_stack(org) as (mcp, _):
        result = await mcp.call_tool(f"flow_{FLOW}", arguments)
    assert not result.is_error, text_of(result)
    (sent,) = sent_inputs(org)
    assert sent["account"] == {"attributes": {"type": "Account"}, "Name": "Acme", "AnnualRevenue": 5}
    assert sent["contacts"] == [
        {"attributes": {"type": "Contact"}, "LastName": "Lovelace"},
        {"attributes": {"type": "contact"}, "LastName": "Hopper"},  # the agent's own, same object: kept as given
        {"attributes": {"type": "Contact"}},
    ]
    assert sent["note"] == "vip"


async def test_attributes_without_a_type_get_one_and_keep_the_rest() -> None:
    org = recorded()
    account = {"attributes": {"url": "/services/data/v66.0/sobjects/Account/001000000000001AAA"}, "Name": "Acme"}
    async with recorded_stack(org) as (mcp, _):
        result = await mcp.call_tool(f"flow_{FLOW}", {"account": account})
    assert not result.is_error, text_of(result)
    (sent,) = sent_inputs(org)
    assert sent["account"]["attributes"] == {"url": account["attributes"]["url"], "type": "Account"}


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (
            {"account": {"attributes": {"type": "Contact"}, "LastName": "X"}},
            "account takes Account records, but its attributes.type is 'Contact'. Leave attributes out",
        ),
        (
            {"account": {"Name": "A"}, "contacts": [{"LastName": "A"}, {"attributes": {"type": "Lead"}}]},
            "contacts takes Contact records, but its attributes.type is 'Lead'",
        ),
        ({"account": {"attributes": {"type": 7}}}, "its attributes.type is 7"),
        ({"account": "Acme"}, "'Acme' is not of type 'object'"),
        ({"account": {"attributes": "Account"}}, "but its attributes is not an object. Leave attributes out"),
        ({"account": {"Name": "A"}, "contacts": ["Ada"]}, "'Ada' is not of type 'object'"),
        ({"account": {"Name": "A"}, "contacts": {"LastName": "A"}}, "is not of type 'array'"),
    ],
)
async def test_a_record_of_another_object_or_not_a_record_is_refused_before_anything_is_sent(
    arguments: dict[str, Any], says: str
) -> None:
    org = recorded()
    async with recorded_stack(org) as (mcp, _):
        result = await mcp.call_tool(f"flow_{FLOW}", arguments)
        again = await mcp.call_tool(f"flow_{FLOW}", {"account": {"Name": "Fine"}})
    assert result.is_error and says in text_of(result), text_of(result)
    assert f"Invalid arguments for flow_{FLOW}" in text_of(result)
    assert not again.is_error, "the server keeps serving"
    assert len(org.requests_to("POST", INVOKE)) == 1, "only the good call reached the org"


async def test_a_record_without_attributes_runs_in_the_embedded_org(tmp_path: Any) -> None:
    """End to end: the record an agent sends as plain fields reaches the flow as an Account."""
    body = (
        var("account", "SObject", inp=True, obj="Account")
        + var("name", "String", out=True)
        + assign("Read", [("name", "Assign", ref("account.Name"))])
    )
    (tmp_path / "Account_Name.flow-meta.xml").write_bytes(flow_xml("Account Name", body=body, start="Read"))
    async with org_stack(flows_dir=tmp_path) as stack:
        result = await stack.call("flow_Account_Name", {"account": {"Name": "Acme"}})
    assert not result.is_error, text_of(result)
    assert result.structured_content["name"] == "Acme"


@pytest.mark.parametrize("max_flow_tools", [29, 0])  # one tool per flow; above the limit (search_flows)
async def test_invoke_flow_types_the_records_of_a_flow_it_knows(max_flow_tools: int) -> None:
    """The same for invoke_flow, for a flow whose describe the catalogue holds; another flow's inputs go as given."""
    org = recorded()
    other = "/actions/custom/flow/Not_In_The_Catalogue"
    org.answers[("POST", other)] = succeeds("Not_In_The_Catalogue")
    inputs = [{"account": {"Name": "A"}}, {"account": {"Name": "B"}, "contacts": [{"LastName": "C"}]}]
    async with recorded_stack(org, max_flow_tools=max_flow_tools) as (mcp, _):
        result = await mcp.call_tool("invoke_flow", {"flowApiName": FLOW, "inputs": inputs})
        unknown = await mcp.call_tool("invoke_flow", {"flowApiName": "Not_In_The_Catalogue", "inputs": inputs})
        wrong = [{"account": {"Name": "A"}}, {"account": {"attributes": {"type": "Lead"}}}]
        refused = await mcp.call_tool("invoke_flow", {"flowApiName": FLOW, "inputs": wrong})
    assert not result.is_error and not unknown.is_error, (text_of(result), text_of(unknown))
    first, second = sent_inputs(org)
    assert first == {"account": {"attributes": {"type": "Account"}, "Name": "A"}}
    assert second["contacts"] == [{"attributes": {"type": "Contact"}, "LastName": "C"}]
    (as_given,) = org.requests_to("POST", other)
    assert json.loads(as_given.content)["inputs"] == inputs
    assert refused.is_error
    says = "Invalid arguments for invoke_flow: inputs[1].account takes Account records, but its attributes.type is"
    assert f"{says} 'Lead'" in text_of(refused), text_of(refused)
    assert len(org.requests_to("POST", INVOKE)) == 1, "the refused call sent nothing"
