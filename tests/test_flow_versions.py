"""update_flow changes exactly the version it names; get_flow reads back what it wrote; namespaces are kept.

Facts encoded here, from Salesforce's documentation:
- Metadata API, FlowDefinition (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_flowdefinition.htm):
  "To activate a flow, ... set the activeVersionNumber to the version number to activate. To deactivate an active
  flow version, set the activeVersionNumber to 0 (zero) or omit the value": 0 turns off the whole flow, whatever
  version was meant, so obsoleting a version that is not active must not send it.
- Tooling API, FlowDefinition (https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_flowdefinition.htm):
  the definition holds Description, ActiveVersionId, LatestVersionId, DeveloperName (no namespace) and NamespacePrefix;
  one definition has many Flow versions (Active, Obsolete, Draft).
- Tooling API, Flow (https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-flow.html):
  "You can describe information for a flow installed from a managed package but not its metadata."
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.recorded_org import RecordedOrg, recorded_stack
from tests.support import Stack, org_stack, text_of
from tests.test_flow_tools import tiny_flow

pytestmark = pytest.mark.anyio

FLOW = "Versioned_Echo"


async def ok(stack: Stack, tool: str, arguments: dict[str, Any] | None = None) -> Any:
    result = await stack.call(tool, arguments)
    assert not result.is_error, text_of(result)
    return result.structured_content


async def deploy(stack: Stack, name: str, *, activate: bool, label: str | None = None) -> None:
    params = {"name": name, "activate": "true" if activate else "false"}
    response = await stack.org.post("/__org/flows", params=params, content=tiny_flow(name, label or name))
    assert response.status_code == 201, response.text


async def three_versions(stack: Stack) -> dict[int, dict[str, Any]]:
    """Version 1 obsolete (it was active once), version 2 active, version 3 a newer draft."""
    await deploy(stack, FLOW, activate=True)
    await deploy(stack, FLOW, activate=True)
    await deploy(stack, FLOW, activate=False)
    return await versions(stack)


async def versions(stack: Stack, name: str = FLOW) -> dict[int, dict[str, Any]]:
    listed = await ok(stack, "list_flows", {"q": f"ApiName = '{name}'"})
    return {int(r["VersionNumber"]): r for r in listed["records"]}


async def statuses(stack: Stack) -> dict[int, str]:
    return {n: r["Status"] for n, r in (await versions(stack)).items()}


async def test_the_org_models_an_active_an_older_obsolete_and_a_newer_draft_version() -> None:
    async with org_stack() as stack:
        await three_versions(stack)
        assert await statuses(stack) == {1: "Obsolete", 2: "Active", 3: "Draft"}
        view = await ok(
            stack, "query_flows", {"q": f"SELECT IsActive, ActiveVersionId, LatestVersionId FROM FlowDefinitionView "
                                        f"WHERE ApiName = '{FLOW}'"},
        )  # fmt: skip
        (row,) = view["records"]
        assert row["IsActive"] is False and row["ActiveVersionId"] and row["ActiveVersionId"] != row["LatestVersionId"]


@pytest.mark.parametrize("version", [1, 3])
async def test_obsoleting_a_version_that_is_not_active_leaves_the_live_version_running(version: int) -> None:
    """The older obsolete version and the newer draft: nothing is sent that could turn off version 2."""
    async with org_stack() as stack:
        flows = await three_versions(stack)
        result = await ok(stack, "update_flow", {"flowId": flows[version]["Id"], "Status": "Obsolete"})
        assert result["changed"] is False and result["activeVersionNumber"] == 2
        assert f"version {version} is not the active version (version 2 is active" in result["message"]
        assert (await statuses(stack))[2] == "Active"
        assert not (await stack.call(f"flow_{FLOW}", {"question": "still on?"})).is_error


async def test_obsoleting_the_active_version_deactivates_the_flow() -> None:
    async with org_stack() as stack:
        flows = await three_versions(stack)
        result = await ok(stack, "update_flow", {"flowId": flows[2]["Id"], "Status": "Obsolete"})
        assert result["changed"] is True and result["activeVersionNumber"] is None
        assert result["previousActiveVersionNumber"] == 2 and "the flow is deactivated" in result["message"]
        assert "Active" not in (await statuses(stack)).values()
        assert f"flow_{FLOW}" not in {t.name for t in (await stack.mcp.list_tools()).tools}


@pytest.mark.parametrize("version", [1, 3])
async def test_activating_a_version_makes_exactly_it_active(version: int) -> None:
    async with org_stack() as stack:
        flows = await three_versions(stack)
        result = await ok(stack, "update_flow", {"flowId": flows[version]["Id"], "Status": "Active"})
        assert result["changed"] is True and result["activeVersionNumber"] == version
        assert f"activated version {version} (version 2 was active and becomes obsolete)" in result["message"]
        now = await statuses(stack)
        assert now[version] == "Active" and now[2] == "Obsolete"


async def test_activating_the_active_version_changes_nothing() -> None:
    async with org_stack() as stack:
        flows = await three_versions(stack)
        result = await ok(stack, "update_flow", {"flowId": flows[2]["Id"], "Status": "Active"})
        assert result["changed"] is False and "already the active version" in result["message"]


async def test_a_description_written_with_update_flow_is_read_back_by_get_flow() -> None:
    """The description goes on the definition; get_flow shows it beside the version's own and keeps the active one."""
    async with org_stack() as stack:
        flows = await three_versions(stack)
        result = await ok(stack, "update_flow", {"flowId": flows[3]["Id"], "Description": "Echoes the question"})
        assert result["changed"] is True and result["activeVersionNumber"] == 2
        for number in (2, 3):
            flow = await ok(stack, "get_flow", {"flowId": flows[number]["Id"]})
            assert flow["DefinitionDescription"] == "Echoes the question"
            assert flow["IsActiveVersion"] is (number == 2)
        assert (await statuses(stack))[2] == "Active", "a description edit keeps the active version"


# --- what goes to a real org, replayed -------------------------------------------------------------------------------

VERSION_ID, DEFINITION_ID = "301000000000003AAA", "300000000000001AAA"


def tooling_org(version_number: int, status: str, active: int) -> RecordedOrg:
    org = RecordedOrg()
    org.answer("GET", "/actions/custom/flow", 200, {"actions": []})
    org.answer("GET", "/query", 200, {"totalSize": 0, "done": True, "records": []})
    record = {
        "attributes": {"type": "Flow"},
        "Id": VERSION_ID,
        "VersionNumber": version_number,
        "Status": status,
        "DefinitionId": DEFINITION_ID,
        "Definition": {"attributes": {"type": "FlowDefinition"}, "DeveloperName": "Echo", "NamespacePrefix": None},
    }
    org.answer("GET", "/tooling/query", 200, {"size": 1, "totalSize": 1, "done": True, "records": [record]})
    metadata = {"activeVersionNumber": active or None, "description": "kept", "masterLabel": "Echo", "urls": None}
    org.answer("GET", f"/tooling/sobjects/FlowDefinition/{DEFINITION_ID}", 200, {"Metadata": metadata})
    org.answer("PATCH", f"/tooling/sobjects/FlowDefinition/{DEFINITION_ID}", 204, None)
    return org


def patches(org: RecordedOrg) -> list[Any]:
    return [
        json.loads(r.content) for r in org.requests_to("PATCH", f"/tooling/sobjects/FlowDefinition/{DEFINITION_ID}")
    ]


async def test_no_patch_is_sent_when_obsoleting_a_draft_on_a_real_org() -> None:
    org = tooling_org(3, "Draft", active=2)
    async with recorded_stack(org) as (mcp, _):
        result = await mcp.call_tool("update_flow", {"flowId": VERSION_ID, "Status": "Obsolete"})
        assert not result.is_error and result.structured_content["changed"] is False
        assert patches(org) == []


async def test_a_description_patch_keeps_the_active_version_and_the_other_metadata() -> None:
    """Leaving activeVersionNumber out of a Metadata PATCH would deactivate: the current one is sent."""
    org = tooling_org(3, "Draft", active=2)
    async with recorded_stack(org) as (mcp, _):
        await mcp.call_tool("update_flow", {"flowId": VERSION_ID, "Description": "new"})
        (body,) = patches(org)
        assert body["Metadata"]["activeVersionNumber"] == 2 and body["Metadata"]["description"] == "new"
        assert body["Metadata"]["masterLabel"] == "Echo"


async def test_obsoleting_the_active_version_sends_zero() -> None:
    org = tooling_org(2, "Active", active=2)
    async with recorded_stack(org) as (mcp, _):
        await mcp.call_tool("update_flow", {"flowId": VERSION_ID, "Status": "Obsolete"})
        assert patches(org)[0]["Metadata"]["activeVersionNumber"] == 0


async def test_an_unknown_flow_version_is_a_clear_error() -> None:
    org = tooling_org(2, "Active", active=2)
    org.answer("GET", "/tooling/query", 200, {"size": 0, "totalSize": 0, "done": True, "records": []})
    async with recorded_stack(org) as (mcp, _):
        result = await mcp.call_tool("update_flow", {"flowId": VERSION_ID, "Status": "Active"})
        assert result.is_error and f"no flow version has the Id {VERSION_ID}" in text_of(result)
        assert patches(org) == []


# --- namespaces ------------------------------------------------------------------------------------------------------


async def test_namespaced_flows_keep_their_namespace_in_list_flows_get_flow_and_conditions() -> None:
    async with org_stack() as stack:
        await deploy(stack, "acme__Packaged", activate=True)
        await deploy(stack, "Packaged", activate=True)  # the same developer name, without a namespace
        listed = {r["ApiName"]: r for r in (await ok(stack, "list_flows"))["records"]}
        assert {"acme__Packaged", "Packaged"} <= set(listed)
        only = await ok(stack, "list_flows", {"q": "ApiName = 'acme__Packaged'"})
        assert [r["ApiName"] for r in only["records"]] == ["acme__Packaged"]
        plain = await ok(stack, "list_flows", {"q": "ApiName = 'Packaged'"})
        assert [r["ApiName"] for r in plain["records"]] == ["Packaged"]
        others = await ok(stack, "list_flows", {"q": "ApiName != 'acme__Packaged' AND Status = 'Active'"})
        assert "acme__Packaged" not in {r["ApiName"] for r in others["records"]}
        liked = await ok(stack, "list_flows", {"q": "ApiName LIKE 'acme__Pack%'"})
        assert [r["ApiName"] for r in liked["records"]] == ["acme__Packaged"]
        listed_in = await ok(stack, "list_flows", {"q": "ApiName IN ('acme__Packaged', 'Route_Support_Case')"})
        assert sorted(r["ApiName"] for r in listed_in["records"]) == ["Route_Support_Case", "acme__Packaged"]
        not_in = await ok(stack, "list_flows", {"q": "ApiName NOT IN ('acme__Packaged') AND Label = 'Packaged'"})
        assert [r["ApiName"] for r in not_in["records"]] == ["Packaged"]
        literal = await ok(stack, "list_flows", {"q": "Label = 'ApiName IN (x)'"})
        assert literal["records"] == [], "text inside a literal is left alone"

        flow = await ok(stack, "get_flow", {"flowId": listed["acme__Packaged"]["Id"]})
        assert flow["ApiName"] == "acme__Packaged" and flow["NamespacePrefix"] == "acme"
        assert flow["ManageableState"] == "installed" and "metadata cannot be read" in flow["note"]
        ran = await stack.call("flow_acme__Packaged", {"question": "namespaced?"})
        assert not ran.is_error and ran.structured_content["answer"] == "namespaced?"


async def test_reading_the_metadata_of_a_managed_flow_is_not_a_crash() -> None:
    async with org_stack() as stack:
        await deploy(stack, "acme__Packaged", activate=True)
        (record,) = (await versions(stack, "acme__Packaged")).values()
        query = f"SELECT Id, Metadata FROM Flow WHERE Id = '{record['Id']}'"
        result = await stack.call("query_flows", {"q": query})
        assert not result.is_error, text_of(result)
        assert result.structured_content["records"][0]["Metadata"] is None


# --- interview ids ---------------------------------------------------------------------------------------------------


async def start_interview(stack: Stack, flow: str, **inputs: Any) -> Any:
    arguments = {
        "FlowDefinitionView": {"ApiName": flow},
        "inputs": [{"name": k, "value": v} for k, v in inputs.items()],
    }
    return await ok(stack, "create_flow_interview", arguments)


async def test_a_finished_interview_returns_no_record_id_and_says_why() -> None:
    async with org_stack() as stack:
        created = await start_interview(stack, "Create_Contact", lastName="Ng")
        assert created["id"] is None and created["interviewGuid"] and created["interviewStatus"] == "Finished"
        assert "no FlowInterview record" in created["message"]


async def test_a_paused_interview_returns_an_id_get_flow_interview_accepts() -> None:
    async with org_stack() as stack:
        created = await start_interview(stack, "Schedule_Follow_Up", subject="Hi")
        assert created["id"].startswith("0Fo") and "get_flow_interview" in created["message"]
        interview = await ok(stack, "get_flow_interview", {"interviewId": created["id"]})
        assert interview["Guid"] == created["interviewGuid"]
