"""What a flow-action answer means, the same on every invoke path: flow tools, invoke_flow, create_flow_interview.

Documented shapes (Actions Developer Guide, "Invoking Actions",
https://developer.salesforce.com/docs/atlas.en-us.api_action.meta/api_action/actions_intro_invoking.htm, and the REST
API Developer Guide, "Status Codes and Error Responses",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
- success: an array with one item per input, `isSuccess: true`, `errors: null`, `outputValues`;
- a failed input: `isSuccess: false`, `errors: [{"statusCode", "message", "fields"}]`; with other inputs that
  succeeded the status is 400 and the array holds them all (reported by sfdx-mass-action-scheduler issues #15, #69);
- a request Salesforce cannot process at all (a body it cannot parse): 400 with the REST API's error array
  `[{"message", "errorCode"}]` and no per-input item.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from salesforce_flow_mcp.salesforce.action_answers import read_action_answer
from salesforce_flow_mcp.salesforce.client import Reply
from salesforce_flow_mcp.salesforce.errors import SalesforceAPIError, UnexpectedResponse
from tests.localorg.flow_builders import flow_xml, ref, var
from tests.recorded_org import RecordedOrg, action, describe, recorded_stack
from tests.support import org_stack, text_of

pytestmark = pytest.mark.anyio

FLOW = "Create_Contact"
INVOKE = f"/actions/custom/flow/{FLOW}"
PARSER_ERROR = [{"message": "Unexpected character ('}' (code 125))", "errorCode": "JSON_PARSER_ERROR"}]
SUCCESS_ITEM = {
    "actionName": FLOW,
    "errors": None,
    "isSuccess": True,
    "outputValues": {"contactId": "003000000000001AAA", "Flow__InterviewStatus": "Finished"},
}
FAILED_ITEM = {
    "actionName": FLOW,
    "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]"}],
    "isSuccess": False,
    "outputValues": None,
}


def recorded(invoke_status: int, invoke_body: Any) -> RecordedOrg:
    org = RecordedOrg()
    org.answer("GET", "/actions/custom/flow", 200, {"actions": [action(FLOW)]})
    org.answer("GET", "/query", 200, {"totalSize": 0, "done": True, "records": []})
    inputs = [{"name": "lastName", "type": "STRING", "required": True, "maxOccurs": 1}]
    org.answer(
        "POST",
        "/composite/batch",
        200,
        {"hasErrors": False, "results": [{"statusCode": 200, "result": describe(FLOW, inputs)}]},
    )
    org.answer("POST", INVOKE, invoke_status, invoke_body)
    return org


CALLS = {
    "flow tool": (f"flow_{FLOW}", {"lastName": "Doe"}),
    "invoke_flow": ("invoke_flow", {"flowApiName": FLOW, "inputs": [{"lastName": "Doe"}]}),
    "create_flow_interview": (
        "create_flow_interview",
        {"FlowDefinitionView": {"ApiName": FLOW}, "inputs": [{"name": "lastName", "value": "Doe"}]},
    ),
}


@pytest.mark.parametrize("path", list(CALLS))
async def test_a_request_level_error_reaches_the_agent_with_its_code_and_message(path: str) -> None:
    """400 `[{"message", "errorCode"}]`: every path reports JSON_PARSER_ERROR and the message, never 'no message'."""
    org = recorded(400, PARSER_ERROR)
    async with recorded_stack(org) as (mcp, _):
        tool, arguments = CALLS[path]
        result = await mcp.call_tool(tool, arguments)
        assert result.is_error
        text = text_of(result)
        assert "JSON_PARSER_ERROR" in text and "Unexpected character" in text, text
        assert "without a message" not in text
        assert len(org.requests_to("POST", INVOKE)) == 1


@pytest.mark.parametrize("path", list(CALLS))
async def test_a_request_level_error_from_the_embedded_org_over_http(path: str) -> None:
    """The same documented error array, answered by the embedded org over real HTTP (its failure hook)."""
    async with org_stack() as stack:
        body = json.dumps(PARSER_ERROR)
        prefix = f"/services/data/v{stack.salesforce.api_version}{INVOKE}"
        await stack.hook("/__org/fail", {"status": 400, "count": 1, "body": body, "pathPrefix": prefix})
        tool, arguments = CALLS[path]
        result = await stack.call(tool, arguments)
        assert result.is_error
        assert "JSON_PARSER_ERROR: Unexpected character" in text_of(result), text_of(result)


@pytest.mark.parametrize("path", list(CALLS))
async def test_errors_null_on_success(path: str) -> None:
    """The documented success item carries `"errors": null`: a success on every path."""
    async with recorded_stack(recorded(200, [SUCCESS_ITEM])) as (mcp, _):
        tool, arguments = CALLS[path]
        result = await mcp.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        assert "003000000000001AAA" in json.dumps(result.structured_content)


async def test_a_400_with_mixed_items_keeps_every_result_and_names_the_failed_one() -> None:
    """Partial failure: 400 and the full per-input array; the successful record's result is kept."""
    async with recorded_stack(recorded(400, [SUCCESS_ITEM, FAILED_ITEM])) as (mcp, _):
        arguments = {"flowApiName": FLOW, "inputs": [{"lastName": "Doe"}, {}]}
        result = await mcp.call_tool("invoke_flow", arguments)
        assert result.is_error
        assert "1 of 2" in text_of(result) and "record 1: REQUIRED_FIELD_MISSING" in text_of(result)
        outputs = result.structured_content["outputs"]
        assert [o["isSuccess"] for o in outputs] == [True, False]


async def test_a_failed_item_on_a_flow_tool_names_its_status_code() -> None:
    async with recorded_stack(recorded(400, [FAILED_ITEM])) as (mcp, _):
        result = await mcp.call_tool(f"flow_{FLOW}", {"lastName": "Doe"})
        assert result.is_error
        assert "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]" in text_of(result)


def reply(status: int, body: Any) -> Reply:
    raw = json.dumps(body).encode()
    return Reply(status, body, None, raw, "application/json")


def test_success_items_with_an_empty_errors_list_are_successes() -> None:
    """Some orgs send `"errors": []` on success items (mass-action-scheduler #69): accepted like null."""
    answer = read_action_answer(reply(200, [{**SUCCESS_ITEM, "errors": []}]), 1)
    assert answer.failed == []


def test_the_request_level_array_raises_with_salesforces_code() -> None:
    with pytest.raises(SalesforceAPIError) as caught:
        read_action_answer(reply(400, PARSER_ERROR), 1)
    assert caught.value.error_code == "JSON_PARSER_ERROR" and caught.value.status == 400


@pytest.mark.parametrize("body", [{}, [], [{"actionName": FLOW}], "ok"])
def test_a_success_status_with_an_undocumented_body_is_unexpected(body: Any) -> None:
    with pytest.raises(UnexpectedResponse):
        read_action_answer(reply(200, body), 1)


def test_a_result_count_that_does_not_match_the_inputs_is_unexpected() -> None:
    with pytest.raises(UnexpectedResponse, match="2 results for 1 inputs"):
        read_action_answer(reply(200, [SUCCESS_ITEM, SUCCESS_ITEM]), 1)


ACCOUNT_FLOW = flow_xml(
    "Create Named Account",
    body=(
        "<recordCreates><name>Create</name><label>Create</label>"
        "<assignRecordIdToReference>accountId</assignRecordIdToReference>"
        f"<inputAssignments><field>Name</field><value>{ref('accountName')}</value></inputAssignments>"
        "<object>Account</object></recordCreates>"
        + var("accountId", "String", out=True)
        + var("accountName", "String", inp=True)
    ),
    start="Create",
).decode()


async def test_several_inputs_share_one_transaction_and_the_result_says_so() -> None:
    """Metadata API, InvocableActionSettings
    (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_invocableactionsettings.htm):
    with isPartialSaveAllowed false "if one invocable action fails, Salesforce rolls back other invocable actions in
    the same transaction"; with true it "tries three times to execute invocable actions that run successfully and
    rolls back only" the failed ones. The result never says the other records were surely saved."""
    from salesforce_flow_mcp.tools.operations import SHARED_TRANSACTION

    async with org_stack() as stack:
        deployed = await stack.org.post("/__org/flows", params={"name": "Create_Named_Account"}, content=ACCOUNT_FLOW)
        assert deployed.status_code == 201, deployed.text
        arguments = {"flowApiName": "Create_Named_Account", "inputs": [{"accountName": "Acme"}, {}]}
        result = await stack.call("invoke_flow", arguments)
        assert result.is_error and "of 2 flow invocations failed" in text_of(result)
        assert SHARED_TRANSACTION in text_of(result)
        tool = next(t for t in (await stack.mcp.list_tools()).tools if t.name == "invoke_flow")
        assert "one Salesforce transaction" in (tool.description or "")


async def test_the_shared_transaction_note_on_a_replayed_mixed_400() -> None:
    from salesforce_flow_mcp.tools.operations import SHARED_TRANSACTION

    async with recorded_stack(recorded(400, [SUCCESS_ITEM, FAILED_ITEM])) as (mcp, _):
        result = await mcp.call_tool("invoke_flow", {"flowApiName": FLOW, "inputs": [{"lastName": "Doe"}, {}]})
        assert SHARED_TRANSACTION in text_of(result)
