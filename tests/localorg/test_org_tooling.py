"""Salesforce dialect, Tooling API: /tooling/query over Flow and FlowDefinition, Flow and FlowDefinition by Id,
activation by Flow.Status and by FlowDefinition Metadata.activeVersionNumber, and flow versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from tests.localorg.org_replies import the_error

pytestmark = pytest.mark.anyio
V = "/services/data/v59.0"


async def tooling(client: httpx2.AsyncClient, q: str) -> dict[str, Any]:
    r = await client.get(f"{V}/tooling/query", params={"q": q})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def deploy(client: httpx2.AsyncClient, name: str, xml: bytes, activate: str | None = None) -> dict[str, Any]:
    params = {"name": name} | ({"activate": activate} if activate else {})
    r = await client.post("/__org/flows", params=params, content=xml)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_query_flow_with_relationship_field(org_client: httpx2.AsyncClient) -> None:
    body = await tooling(
        org_client,
        "SELECT Id, Definition.DeveloperName, MasterLabel, ProcessType, Status, VersionNumber FROM Flow "
        "WHERE Definition.DeveloperName = 'Greet'",
    )
    assert body["size"] == 1 and body["totalSize"] == 1 and body["done"] is True
    assert body["entityTypeName"] == "Flow" and body["queryLocator"] is None
    [rec] = body["records"]
    assert rec["attributes"]["type"] == "Flow"
    assert rec["attributes"]["url"] == f"{V}/tooling/sobjects/Flow/{rec['Id']}"
    assert rec["Definition"]["DeveloperName"] == "Greet"
    assert rec["Definition"]["attributes"]["type"] == "FlowDefinition"
    assert (rec["MasterLabel"], rec["ProcessType"], rec["Status"], rec["VersionNumber"]) == (
        "Greet",
        "AutoLaunchedFlow",
        "Active",
        1,
    )


async def test_query_flow_definition(org_client: httpx2.AsyncClient) -> None:
    body = await tooling(
        org_client,
        "SELECT Id, DeveloperName, ActiveVersionId, LatestVersionId, NamespacePrefix, MasterLabel FROM FlowDefinition "
        "WHERE DeveloperName IN ('Greet', 'Draft_Only') ORDER BY DeveloperName",
    )
    assert body["entityTypeName"] == "FlowDefinition"
    draft, greet = body["records"]
    assert draft["DeveloperName"] == "Draft_Only" and draft["ActiveVersionId"] is None
    assert draft["LatestVersionId"].startswith("301")
    assert greet["ActiveVersionId"] == greet["LatestVersionId"] and greet["Id"].startswith("300")
    assert greet["NamespacePrefix"] is None and greet["MasterLabel"] == "Greet"


async def test_metadata_only_for_a_single_row(org_client: httpx2.AsyncClient) -> None:
    one = await tooling(org_client, "SELECT Id, FullName, Metadata FROM Flow WHERE Definition.DeveloperName = 'Greet'")
    [rec] = one["records"]
    assert rec["FullName"] == "Greet-1"
    meta = rec["Metadata"]
    assert meta["label"] == "Greet" and meta["processType"] == "AutoLaunchedFlow" and meta["status"] == "Active"
    assert {v["name"] for v in meta["variables"]} == {"name", "count", "greeting", "total"}
    assert isinstance(meta["assignments"], list)

    r = await org_client.get(f"{V}/tooling/query", params={"q": "SELECT Id, Metadata FROM Flow"})
    error = the_error(r, 400)
    assert error["errorCode"] == "MALFORMED_QUERY" and "no more than one row" in error["message"]


async def test_flow_is_tooling_only(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get(f"{V}/query", params={"q": "SELECT Id FROM Flow"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_TYPE"
    r = await org_client.get(f"{V}/tooling/query", params={"q": "SELECT Id FROM FlowInterview"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_TYPE"


async def test_get_tooling_flow_and_definition_by_id(org_client: httpx2.AsyncClient) -> None:
    [rec] = (await tooling(org_client, "SELECT Id, DefinitionId FROM Flow WHERE Definition.DeveloperName = 'Greet'"))[
        "records"
    ]
    flow = (await org_client.get(f"{V}/tooling/sobjects/Flow/{rec['Id']}")).json()
    assert flow["Id"] == rec["Id"] and flow["DefinitionId"] == rec["DefinitionId"]
    assert flow["Status"] == "Active" and flow["FullName"] == "Greet-1" and flow["Metadata"]["label"] == "Greet"
    assert flow["attributes"]["url"] == f"{V}/tooling/sobjects/Flow/{rec['Id']}"
    definition = (await org_client.get(f"{V}/tooling/sobjects/FlowDefinition/{rec['DefinitionId']}")).json()
    assert definition["DeveloperName"] == "Greet" and definition["Metadata"]["activeVersionNumber"] == 1
    assert (await org_client.get(f"{V}/tooling/sobjects/FlowDefinition/{rec['Id']}")).status_code == 404


async def test_versions_and_activation(org_client: httpx2.AsyncClient, make_flow: Callable[..., bytes]) -> None:
    v2 = make_flow("Greet v2", status="Draft", description="Second version")
    deployed = await deploy(org_client, "Greet", v2)
    assert deployed["versionNumber"] == 2 and deployed["status"] == "Draft"
    definition_id = deployed["definitionId"]

    versions_q = f"SELECT VersionNumber, Status FROM Flow WHERE DefinitionId = '{definition_id}' ORDER BY VersionNumber"
    rows = (await tooling(org_client, versions_q))["records"]
    assert [(r["VersionNumber"], r["Status"]) for r in rows] == [(1, "Active"), (2, "Draft")]

    # Flow.Status = Active on version 2 activates it; version 1 becomes Obsolete.
    r = await org_client.patch(f"{V}/tooling/sobjects/Flow/{deployed['id']}", json={"Status": "Active"})
    assert r.status_code == 204
    rows = (await tooling(org_client, versions_q))["records"]
    assert [r["Status"] for r in rows] == ["Obsolete", "Active"]
    assert (await org_client.get(f"{V}/actions/custom/flow/Greet")).json()["label"] == "Greet v2"

    # FlowDefinition Metadata.activeVersionNumber = 1 goes back to version 1 and sets the description.
    url = f"{V}/tooling/sobjects/FlowDefinition/{definition_id}"
    r = await org_client.patch(url, json={"Metadata": {"activeVersionNumber": 1, "description": "Back to one"}})
    assert r.status_code == 204
    definition = (await org_client.get(url)).json()
    assert definition["Metadata"]["activeVersionNumber"] == 1 and definition["Description"] == "Back to one"
    assert definition["ActiveVersionId"] != deployed["id"]

    # Leaving activeVersionNumber out deactivates the flow (as Salesforce does).
    assert (await org_client.patch(url, json={"Metadata": {"description": "Off"}})).status_code == 204
    definition = (await org_client.get(url)).json()
    assert definition["ActiveVersionId"] is None and definition["Metadata"]["activeVersionNumber"] is None
    actions = (await org_client.get(f"{V}/actions/custom/flow")).json()["actions"]
    assert "Greet" not in [a["name"] for a in actions]
    view_q = "SELECT IsActive, Description FROM FlowDefinitionView WHERE ApiName = 'Greet'"
    views = (await org_client.get(f"{V}/query", params={"q": view_q})).json()["records"]
    assert views[0]["IsActive"] is False and views[0]["Description"] == "Off"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Metadata": {"activeVersionNumber": 7}}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Metadata": {"activeVersionNumber": "one"}}, "JSON_PARSER_ERROR"),
        ({"Metadata": "x"}, "JSON_PARSER_ERROR"),
        ({}, "REQUIRED_FIELD_MISSING"),
        ({"DeveloperName": "x"}, "INVALID_FIELD"),
    ],
)
async def test_bad_definition_patch_is_400(org_client: httpx2.AsyncClient, body: Any, code: str) -> None:
    [rec] = (await tooling(org_client, "SELECT Id FROM FlowDefinition WHERE DeveloperName = 'Greet'"))["records"]
    r = await org_client.patch(f"{V}/tooling/sobjects/FlowDefinition/{rec['Id']}", json=body)
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == code


async def test_tooling_flow_status_accepts_draft(org_client: httpx2.AsyncClient) -> None:
    [rec] = (await tooling(org_client, "SELECT Id FROM Flow WHERE Definition.DeveloperName = 'Greet'"))["records"]
    r = await org_client.patch(f"{V}/tooling/sobjects/Flow/{rec['Id']}", json={"Status": "Draft"})
    assert r.status_code == 204
    flow = (await org_client.get(f"{V}/tooling/sobjects/Flow/{rec['Id']}")).json()
    assert flow["Status"] == "Draft"


async def test_deploy_hook_rejects_bad_xml(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post("/__org/flows", params={"name": "Bad"}, content=b"<Flow><unclosed></Flow>")
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_INPUT"
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Flow>&a;</Flow>'
    r = await org_client.post("/__org/flows", params={"name": "Evil"}, content=evil)
    assert r.status_code == 400
    r = await org_client.post("/__org/flows", params={"name": "bad name"}, content=b"<Flow/>")
    assert r.status_code == 400
