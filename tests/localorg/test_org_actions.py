"""Invocable flow actions on the embedded org: list, describe, invoke (single, bulk, partial failure, pauses)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.localorg.org_replies import the_error

pytestmark = pytest.mark.anyio
V = "/services/data/v59.0"


async def test_custom_actions_map_points_at_flow_actions(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get(f"{V}/actions/custom")
    assert r.status_code == 200
    assert r.json()["flow"] == "/services/data/v59.0/actions/custom/flow"


async def test_list_has_only_active_invocable_flows(
    org_client: httpx2.AsyncClient, invocable_active: list[str]
) -> None:
    r = await org_client.get(f"{V}/actions/custom/flow")
    assert r.status_code == 200
    actions = r.json()["actions"]
    assert [a["name"] for a in actions] == sorted(invocable_active, key=str.lower)
    greet = next(a for a in actions if a["name"] == "Greet")
    assert greet == {"label": "Greet", "name": "Greet", "type": "FLOW", "url": f"{V}/actions/custom/flow/Greet"}


async def test_list_urls_follow_the_request_version(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get("/services/data/v62.0/actions/custom/flow")
    assert all(a["url"].startswith("/services/data/v62.0/") for a in r.json()["actions"])


async def test_describe_gives_inputs_and_outputs(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get(f"{V}/actions/custom/flow/Greet")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Greet" and body["type"] == "FLOW"
    assert {p["name"] for p in body["inputs"]} == {"name", "count"}
    outputs = {p["name"] for p in body["outputs"]}
    assert {"greeting", "total", "Flow__InterviewStatus", "Flow__InterviewGuid"} <= outputs


@pytest.mark.parametrize("name", ["No_Such_Flow", "Ask_Name", "On_Account_Save", "bad-name!"])
async def test_describe_unknown_or_not_invocable_is_404(org_client: httpx2.AsyncClient, name: str) -> None:
    r = await org_client.get(f"{V}/actions/custom/flow/{name}")
    error = the_error(r, 404)
    assert error["errorCode"] == "NOT_FOUND" and error["message"]


async def test_invoke_returns_outputs_with_interview_status_and_guid(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Greet", json={"inputs": [{"name": "Ann", "count": 21}]})
    assert r.status_code == 200
    [item] = r.json()
    assert item["actionName"] == "Greet"
    assert item["isSuccess"] is True and item["errors"] is None
    assert item["invocationId"] is None and item["sortOrder"] == -1 and item["version"] == 1
    outputs = item["outputValues"]
    assert outputs["greeting"] == "Ann" and outputs["total"] == 42
    assert outputs["Flow__InterviewStatus"] == "Finished"
    assert isinstance(outputs["Flow__InterviewGuid"], str) and outputs["Flow__InterviewGuid"]


BULK = [{"accountName": "Acme"}, {"accountName": ""}, {"accountName": "Globex"}, "not an object"]


async def _bulk_invoke(client: httpx2.AsyncClient) -> tuple[list[dict[str, Any]], list[str]]:
    r = await client.post(f"{V}/actions/custom/flow/Make_Account", json={"inputs": BULK})
    assert r.status_code == 400  # any failed input: 400 with the whole array (facts 3, two third-party reports)
    q = await client.get(f"{V}/query", params={"q": "SELECT Name FROM Account ORDER BY Name"})
    return r.json(), [rec["Name"] for rec in q.json()["records"]]


async def test_bulk_invoke_with_a_failure_rolls_back_every_input_by_default(org_client: httpx2.AsyncClient) -> None:
    """All inputs share one transaction; with InvocableActionSettings.isPartialSaveAllowed false (the org's default:
    Metadata API InvocableActionSettings, "if one invocable action fails, Salesforce rolls back other invocable
    actions in the same transaction and the entire transaction fails") nothing is saved."""
    results, names = await _bulk_invoke(org_client)
    assert [x["isSuccess"] for x in results] == [False, False, False, False]
    assert all(x["outputValues"] is None for x in results)
    [error] = results[1]["errors"]
    assert error["statusCode"] == "UNKNOWN_EXCEPTION" and "REQUIRED_FIELD_MISSING" in error["message"]
    assert error["fields"] == []
    assert results[3]["errors"][0]["statusCode"] == "INVALID_INPUT"
    assert [r["errors"][0]["statusCode"] for r in (results[0], results[2])] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"] * 2
    assert names == []


async def test_bulk_invoke_with_partial_save_keeps_the_good_inputs(
    flows_dir: Path, client_for: Callable[..., httpx2.AsyncClient]
) -> None:
    """isPartialSaveAllowed true: "rolls back only the invocable actions that fail to execute" (Metadata API,
    InvocableActionSettings); `OrgState.create(partial_save=True)`."""
    from salesforce_flow_mcp.localorg.store.state import OrgState

    state = OrgState.create(":memory:", flows_dir, partial_save=True)
    try:
        async with client_for(state, None) as client:
            results, names = await _bulk_invoke(client)
    finally:
        state.close()
    assert [x["isSuccess"] for x in results] == [True, False, True, False]
    assert names == ["Acme", "Globex"]


async def test_invalid_input_value_names_the_variable(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Greet", json={"inputs": [{"count": "many"}]})
    assert r.status_code == 400
    [item] = r.json()
    assert item["errors"][0]["statusCode"] == "INVALID_INPUT" and "count" in item["errors"][0]["message"]


async def test_paused_interview_is_waiting_and_stored(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Wait_Then_Flag", json={"inputs": [{}]})
    assert r.status_code == 200
    outputs = r.json()[0]["outputValues"]
    assert outputs["Flow__InterviewStatus"] == "Waiting"
    guid = outputs["Flow__InterviewGuid"]
    q = await org_client.get(
        f"{V}/query",
        params={"q": f"SELECT Id, InterviewStatus, CurrentElement FROM FlowInterview WHERE Guid = '{guid}'"},
    )
    [row] = q.json()["records"]
    assert row["InterviewStatus"] == "Paused" and row["CurrentElement"] == "Wait_A_Day"
    assert row["Id"].startswith("0Fo")


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "JSON_PARSER_ERROR"), ({"inputs": {"name": "x"}}, "INVALID_INPUT"), ([1, 2], "JSON_PARSER_ERROR")],
)
async def test_body_without_inputs_array_is_400(org_client: httpx2.AsyncClient, body: Any, code: str) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Greet", json=body)
    error = the_error(r, 400)
    assert error["errorCode"] == code and error["message"]


async def test_too_many_inputs_is_refused_before_running(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Make_Account", json={"inputs": [{"accountName": "A"}] * 201})
    error = the_error(r, 400)
    assert error["errorCode"] == "LIMIT_EXCEEDED" and "200" in error["message"]
    q = await org_client.get(f"{V}/query", params={"q": "SELECT COUNT() FROM Account"})
    assert q.json()["totalSize"] == 0


async def test_empty_inputs_runs_nothing(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Greet", json={"inputs": []})
    assert r.status_code == 200 and r.json() == []


async def test_invoke_unknown_flow_is_404(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Nope", json={"inputs": [{}]})
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


async def test_demo_flows_are_listed_and_describable(demo_org_client: httpx2.AsyncClient) -> None:
    listed = (await demo_org_client.get(f"{V}/actions/custom/flow")).json()["actions"]
    assert listed, "the shipped demo flows include invocable ones"
    for action in listed:
        r = await demo_org_client.get(action["url"])
        assert r.status_code == 200 and r.json()["name"] == action["name"]
