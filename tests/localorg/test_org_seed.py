"""Seed dialect on the embedded org: /sobjects/Flow (list, query, get, patch) and /sobjects/FlowInterview."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.localorg.org_replies import the_error

pytestmark = pytest.mark.anyio
V = "/services/data/v59.0"


async def _flow_id(client: httpx2.AsyncClient, api_name: str) -> str:
    r = await client.get(f"{V}/sobjects/Flow", params={"q": f"SELECT Id FROM Flow WHERE ApiName = '{api_name}'"})
    [row] = r.json()["records"]
    return str(row["Id"])


async def test_list_without_q_gives_every_flow_latest_version(
    org_client: httpx2.AsyncClient, test_flows: dict[str, bytes]
) -> None:
    r = await org_client.get(f"{V}/sobjects/Flow")
    assert r.status_code == 200
    body = r.json()
    assert body["done"] is True and body["totalSize"] == len(test_flows)
    by_name = {rec["ApiName"]: rec for rec in body["records"]}
    assert set(by_name) == set(test_flows)
    greet = by_name["Greet"]
    assert greet["Id"].startswith("301") and greet["Label"] == "Greet"
    assert greet["ProcessType"] == "AutoLaunchedFlow" and greet["Status"] == "Active" and greet["VersionNumber"] == 1
    assert by_name["Draft_Only"]["Status"] == "Draft"


async def test_list_with_q_filters_orders_and_selects(org_client: httpx2.AsyncClient) -> None:
    q = "SELECT ApiName, Status FROM Flow WHERE Status = 'Active' AND ProcessType != 'Flow' ORDER BY ApiName DESC"
    r = await org_client.get(f"{V}/sobjects/Flow", params={"q": q})
    assert r.status_code == 200
    names = [rec["ApiName"] for rec in r.json()["records"]]
    assert names == ["Wait_Then_Flag", "On_Account_Save", "Make_Account", "Greet"]
    assert set(r.json()["records"][0]) == {"attributes", "ApiName", "Status"}


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Flow", "INVALID_FIELD"),
        ("SELECT Id FROM FlowInterview", "INVALID_TYPE"),
    ],
)
async def test_list_with_bad_q_is_400(org_client: httpx2.AsyncClient, q: str, code: str) -> None:
    r = await org_client.get(f"{V}/sobjects/Flow", params={"q": q})
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == code


async def test_get_flow_gives_the_seed_flow_definition(org_client: httpx2.AsyncClient) -> None:
    flow_id = await _flow_id(org_client, "Greet")
    r = await org_client.get(f"{V}/sobjects/Flow/{flow_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["Id"] == flow_id and body["ApiName"] == "Greet"
    assert body["Description"] == "Greets someone and doubles a number."
    for key in ("CreatedDate", "LastModifiedDate", "CreatedById", "LastModifiedById"):
        assert body[key]
    # 15-character form of the same Id works too
    assert (await org_client.get(f"{V}/sobjects/Flow/{flow_id[:15]}")).json()["Id"] == flow_id


@pytest.mark.parametrize("bad", ["3015g0000000999AAA", "not-an-id", "0015g0000000001AAA"])
async def test_get_unknown_flow_is_404(org_client: httpx2.AsyncClient, bad: str) -> None:
    r = await org_client.get(f"{V}/sobjects/Flow/{bad}")
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


async def test_patch_description_and_status(org_client: httpx2.AsyncClient) -> None:
    flow_id = await _flow_id(org_client, "Greet")
    r = await org_client.patch(f"{V}/sobjects/Flow/{flow_id}", json={"Description": "New words", "Status": "Obsolete"})
    assert r.status_code == 204 and r.content == b""
    body = (await org_client.get(f"{V}/sobjects/Flow/{flow_id}")).json()
    assert body["Description"] == "New words" and body["Status"] == "Obsolete"
    actions = (await org_client.get(f"{V}/actions/custom/flow")).json()["actions"]
    assert "Greet" not in [a["name"] for a in actions]
    describe = (await org_client.get(f"{V}/actions/custom/flow/Greet")).json()
    assert describe["description"] == "New words"

    assert (await org_client.patch(f"{V}/sobjects/Flow/{flow_id}", json={"Status": "Active"})).status_code == 204
    actions = (await org_client.get(f"{V}/actions/custom/flow")).json()["actions"]
    assert "Greet" in [a["name"] for a in actions]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Status": "Sleeping"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Status": "Draft"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"ApiName": "Other"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Colour": "red"}, "INVALID_FIELD"),
        ({"Description": 5}, "JSON_PARSER_ERROR"),
        ([], "JSON_PARSER_ERROR"),
    ],
)
async def test_patch_with_bad_body_is_400(org_client: httpx2.AsyncClient, body: Any, code: str) -> None:
    flow_id = await _flow_id(org_client, "Greet")
    r = await org_client.patch(f"{V}/sobjects/Flow/{flow_id}", json=body)
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == code


async def test_create_interview_that_finishes(org_client: httpx2.AsyncClient) -> None:
    body = {"FlowDefinitionView": {"ApiName": "Greet"}, "inputs": [{"name": "name", "value": "Bo"}]}
    r = await org_client.post(f"{V}/sobjects/FlowInterview", json=body)
    assert r.status_code == 201
    created = r.json()
    assert created["success"] is True and created["errors"] == [] and created["id"].startswith("0Fo")
    assert created["interviewStatus"] == "Finished" and created["outputValues"]["greeting"] == "Bo"
    # Salesforce keeps no FlowInterview row for a finished interview
    assert (await org_client.get(f"{V}/sobjects/FlowInterview/{created['id']}")).status_code == 404


async def test_paused_interview_can_be_read_and_deleted(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/sobjects/FlowInterview", json={"FlowDefinitionView": {"ApiName": "Ask_Name"}})
    assert r.status_code == 201
    created = r.json()
    assert created["interviewStatus"] == "Paused"
    interview_id = created["id"]

    got = await org_client.get(f"{V}/sobjects/FlowInterview/{interview_id}")
    assert got.status_code == 200
    record = got.json()
    assert record["attributes"] == {"type": "FlowInterview", "url": f"{V}/sobjects/FlowInterview/{interview_id}"}
    assert record["Id"] == interview_id and record["Guid"] == created["interviewGuid"]
    assert record["InterviewStatus"] == "Paused" and record["CurrentElement"] == "Ask"
    assert record["WasPausedFromScreen"] is True and record["PauseLabel"]
    assert record["HasFinished"] is False and record["GuidedFlowName"] == "Ask_Name"
    assert record["outputs"] == [{"name": "answer", "value": None}]
    assert record["Name"] and record["InterviewLabel"] and record["CreatedDate"]

    assert (await org_client.delete(f"{V}/sobjects/FlowInterview/{interview_id}")).status_code == 204
    again = await org_client.get(f"{V}/sobjects/FlowInterview/{interview_id}")
    assert again.status_code == 404 and again.json()[0]["errorCode"] == "NOT_FOUND"
    assert (await org_client.delete(f"{V}/sobjects/FlowInterview/{interview_id}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"FlowDefinitionView": {"ApiName": "Nope"}}, "NOT_FOUND"),
        ({"inputs": []}, "REQUIRED_FIELD_MISSING"),
        ({"FlowDefinitionView": {"ApiName": "Greet"}, "inputs": {"name": "x"}}, "JSON_PARSER_ERROR"),
        ({"FlowDefinitionView": {"ApiName": "Greet"}, "inputs": [{"value": 1}]}, "INVALID_INPUT"),
        ({"FlowDefinitionView": {"ApiName": "Greet"}, "inputs": [{"name": "count", "value": "x"}]}, "INVALID_INPUT"),
        ({"FlowDefinitionView": {"ApiName": "Make_Account"}}, "UNKNOWN_EXCEPTION"),
    ],
)
async def test_create_interview_errors_are_400(org_client: httpx2.AsyncClient, body: Any, code: str) -> None:
    r = await org_client.post(f"{V}/sobjects/FlowInterview", json=body)
    error = the_error(r, 400)
    assert error["errorCode"] == code and error["message"]


async def test_interview_id_of_other_object_is_404(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get(f"{V}/sobjects/FlowInterview/3015g0000000001AAA")
    assert r.status_code == 404
