"""Prompts and completions through the official mcp client, in both protocol eras: the three prompts and their
arguments, completed from the org (flow names, picklist inputs and values, interview Ids, trigger objects)."""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from tests.recorded_org import RecordedOrg, action, describe, recorded_stack
from tests.support import PROTOCOL_MODES, Stack, org_stack

pytestmark = pytest.mark.anyio


def prompt(name: str) -> types.PromptReference:
    return types.PromptReference(type="ref/prompt", name=name)


async def complete(stack: Stack | Any, ref: Any, name: str, value: str, **context: str) -> list[str]:
    client = stack.mcp if isinstance(stack, Stack) else stack
    result = await client.complete(ref, {"name": name, "value": value}, context_arguments=context or None)
    return list(result.completion.values)


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_the_prompts_are_listed_and_rendered(mode: str) -> None:
    async with org_stack(mode) as stack:
        listed = {p.name: p for p in (await stack.mcp.list_prompts()).prompts}
        assert set(listed) == {"run_flow_safely", "why_did_interview_fail", "automation_on_object"}
        assert [a.name for a in listed["run_flow_safely"].arguments or []] == ["flowApiName", "input", "value"]
        run = await stack.mcp.get_prompt("run_flow_safely", {"flowApiName": "Route_Support_Case"})
        text = run.messages[0].content.text  # type: ignore[union-attr]
        assert "salesforce-flow://flows/Route_Support_Case" in text and "embedded org" in text and "yes" in text
        link = run.messages[1].content
        assert isinstance(link, types.ResourceLink) and link.uri == "salesforce-flow://flows/Route_Support_Case"
        failed = await stack.mcp.get_prompt("why_did_interview_fail", {"interviewId": "0Fo000000000001CAA"})
        text = failed.messages[0].content.text  # type: ignore[union-attr]
        assert "FROM FlowInterview WHERE Id = '0Fo000000000001CAA'" in text and "62.0" in text
        on_case = await stack.mcp.get_prompt("automation_on_object", {"objectName": "Case"})
        assert "TriggerObjectOrEventLabel = 'Case'" in on_case.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "arguments", "says"),
    [
        ("no_such_prompt", {}, "Unknown prompt"),
        ("run_flow_safely", {}, "needs flowApiName"),
        ("automation_on_object", {"objectName": "Case' OR Name != '"}, "not a valid name"),
        ("why_did_interview_fail", {"interviewId": "../../x"}, "not a valid name"),
    ],
)
async def test_bad_prompt_arguments_are_clear_errors(name: str, arguments: dict[str, str], says: str) -> None:
    async with org_stack("legacy") as stack:
        with pytest.raises(MCPError, match=says):
            await stack.mcp.get_prompt(name, arguments)
        assert (await stack.mcp.list_prompts()).prompts, "still serving"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_flow_names_complete_for_prompts_and_the_resource_template(mode: str) -> None:
    async with org_stack(mode) as stack:
        assert await complete(stack, prompt("run_flow_safely"), "flowApiName", "Cre") == [
            "Create_Account_Without_Name",
            "Create_Contact",
        ]
        template = types.ResourceTemplateReference(type="ref/resource", uri="salesforce-flow://flows/{ApiName}")
        assert await complete(stack, template, "ApiName", "route") == ["Route_Support_Case"]
        assert await complete(stack, template, "ApiName", "discount") == ["Quote_Discount_Calculator"], "by a word"
        assert await complete(stack, prompt("run_flow_safely"), "nothing_here", "x") == []


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_interview_ids_and_trigger_objects_complete_from_the_org(mode: str) -> None:
    async with org_stack(mode) as stack:
        created = await stack.call("create_flow_interview", {"FlowDefinitionView": {"ApiName": "Schedule_Follow_Up"}})
        interview = created.structured_content["id"]
        assert await complete(stack, prompt("why_did_interview_fail"), "interviewId", interview[:5]) == [interview]
        objects = await complete(stack, prompt("automation_on_object"), "objectName", "")
        assert isinstance(objects, list)  # the demo flows are autolaunched: no trigger objects, and no error


async def test_picklist_inputs_and_their_values_complete_from_the_describe() -> None:
    """A real org's describe of a flow action lists a picklist input's values (REST API Developer Guide, Actions:
    the describe's `inputs[].picklistValues`); replayed from that documented shape."""
    org = RecordedOrg()
    org.answer("GET", "/actions/custom/flow", 200, {"actions": [action("Set_Case_Priority")]})
    org.answer("GET", "/query", 200, {"totalSize": 0, "done": True, "records": []})
    values = [{"value": v, "label": v, "active": True, "defaultValue": False} for v in ("Critical", "High", "Low")]
    inputs = [
        {"name": "priority", "type": "PICKLIST", "required": True, "maxOccurs": 1, "picklistValues": values},
        {"name": "caseId", "type": "REFERENCE", "required": True, "maxOccurs": 1, "picklistValues": None},
    ]
    described = describe("Set_Case_Priority", inputs)
    org.answer(
        "POST", "/composite/batch", 200, {"hasErrors": False, "results": [{"statusCode": 200, "result": described}]}
    )
    org.answer("GET", "/actions/custom/flow/Set_Case_Priority", 200, described)
    async with recorded_stack(org) as (mcp, _):
        ref = prompt("run_flow_safely")
        assert await complete(mcp, ref, "input", "", flowApiName="Set_Case_Priority") == ["priority"]
        assert await complete(mcp, ref, "value", "", flowApiName="Set_Case_Priority", input="priority") == [
            "Critical",
            "High",
            "Low",
        ]
        assert await complete(mcp, ref, "value", "h", flowApiName="Set_Case_Priority", input="priority") == ["High"]
        before = len(org.requests_to("GET", "/actions/custom/flow/Set_Case_Priority"))
        assert before == 1, "typing completes from one describe"
        assert await complete(mcp, ref, "input", "", flowApiName="Not_A_Flow") == [], "unknown flows ask nothing"
        assert len(org.requests_to("GET", "/actions/custom/flow/Set_Case_Priority")) == 1
