"""The same tool calls give the same results whether routes follow the seed spec or a real org's API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import org_stack

pytestmark = pytest.mark.anyio

# Fields that legitimately differ between two fresh orgs or two dialects' raw records: timestamps, random GUIDs,
# record URLs (tooling vs data paths) and the raw Tooling fields kept beside the seed ones.
VOLATILE = {"attributes", "CreatedDate", "LastModifiedDate", "SystemModstamp", "Flow__InterviewGuid", "interviewGuid"}


def comparable(value: Any, keep: set[str] | None = None) -> Any:
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in VOLATILE and (keep is None or k in keep)}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


SEED_FLOW_FIELDS = {"Id", "ApiName", "Label", "ProcessType", "Status", "VersionNumber", "totalSize", "done", "records"}

SCRIPT: list[tuple[str, dict[str, Any], set[str] | None]] = [
    ("list_invocable_flows", {}, None),
    ("get_invocable_flow_metadata", {"flowApiName": "Quote_Discount_Calculator"}, None),
    ("get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"}, None),
    (
        "invoke_flow",
        {
            "flowApiName": "Quote_Discount_Calculator",
            "inputs": [{"quantity": 3, "unitPrice": 19.99, "isPreferredCustomer": True}],
        },
        None,
    ),
    ("invoke_flow", {"flowApiName": "Create_Account_Without_Name", "inputs": [{"industry": "Energy"}]}, None),
    ("list_flows", {"q": "Status = 'Active'"}, SEED_FLOW_FIELDS),
    ("list_flows", {"q": "ApiName = 'Route_Support_Case' OR Label LIKE 'Quote%'"}, SEED_FLOW_FIELDS),
    ("query_flows", {"q": "SELECT ApiName, Label, IsActive FROM FlowDefinitionView ORDER BY ApiName"}, None),
]


async def run_script(dialect: str) -> list[Any]:
    results = []
    async with org_stack("legacy", dialect) as stack:
        for tool, arguments, keep in SCRIPT:
            result = await stack.call(tool, arguments)
            body = result.structured_content if result.structured_content is not None else result.content[0].text
            if isinstance(body, dict) and keep:
                body = {**body, "records": [comparable(r, keep) for r in body.get("records", [])]}
                body = comparable(body, keep)
            results.append((tool, result.is_error, comparable(body)))
        flows = (await stack.call("list_flows")).structured_content["records"]
        quote = next(r for r in flows if r["ApiName"] == "Quote_Discount_Calculator")
        flow = (await stack.call("get_flow", {"flowId": quote["Id"]})).structured_content
        results.append(("get_flow", False, comparable(flow, SEED_FLOW_FIELDS | {"Description"})))
        created = await stack.call("create_flow_interview", {"FlowDefinitionView": {"ApiName": "Schedule_Follow_Up"}})
        interview = await stack.call("get_flow_interview", {"interviewId": created.structured_content["id"]})
        results.append(
            (
                "get_flow_interview",
                interview.is_error,
                comparable(interview.structured_content, {"Id", "CurrentElement", "HasFinished", "InterviewStatus"}),
            )
        )
    return results


async def test_seed_and_salesforce_dialects_agree() -> None:
    seed, salesforce = await run_script("seed"), await run_script("salesforce")
    assert len(seed) == len(salesforce) == len(SCRIPT) + 2
    for (tool, seed_error, seed_body), (_, sf_error, sf_body) in zip(seed, salesforce, strict=True):
        assert seed_error == sf_error, tool
        assert seed_body == sf_body, tool
    # The failing flow is an error in both, with Salesforce's status code.
    assert seed[4][1] is True
    assert {r["ApiName"] for r in seed[6][2]["records"]} == {"Route_Support_Case", "Quote_Discount_Calculator"}
