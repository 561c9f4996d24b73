"""GET /query on the embedded org: flow views, interviews and records, SOQL errors, and pagination."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.localorg.org_replies import the_error

pytestmark = pytest.mark.anyio
V = "/services/data/v59.0"


async def query(client: httpx2.AsyncClient, q: str, **headers: str) -> httpx2.Response:
    return await client.get(f"{V}/query", params={"q": q}, headers=headers)


def seed_accounts(state: Any, count: int) -> None:
    with state.lock:
        for i in range(count):
            state.records.insert("Account", {"Name": f"Account {i:04d}", "NumberOfEmployees": i % 7})


async def test_flow_definition_view(org_client: httpx2.AsyncClient) -> None:
    r = await query(
        org_client,
        "SELECT ApiName, Label, ProcessType, IsActive, ActiveVersionId, LatestVersionId, DurableId "
        "FROM FlowDefinitionView WHERE ProcessType = 'AutoLaunchedFlow' ORDER BY ApiName LIMIT 2",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["done"] is True and body["totalSize"] == 2 and "nextRecordsUrl" not in body
    draft, greet = body["records"]
    assert draft["ApiName"] == "Draft_Only" and draft["IsActive"] is False and draft["ActiveVersionId"] is None
    assert greet["ApiName"] == "Greet" and greet["IsActive"] is True
    assert greet["attributes"] == {
        "type": "FlowDefinitionView",
        "url": f"{V}/sobjects/FlowDefinitionView/{greet['DurableId']}",
    }


async def test_flow_version_view(org_client: httpx2.AsyncClient) -> None:
    fields = "DurableId, FlowDefinitionViewId, Status, VersionNumber, Label"
    r = await query(org_client, f"SELECT {fields} FROM FlowVersionView WHERE Label LIKE 'gr%'")
    [row] = r.json()["records"]
    assert row["DurableId"].startswith("301") and row["FlowDefinitionViewId"].startswith("300")
    assert (row["Status"], row["VersionNumber"], row["Label"]) == ("Active", 1, "Greet")


async def test_flow_interview_query(org_client: httpx2.AsyncClient) -> None:
    for _ in range(2):
        await org_client.post(f"{V}/actions/custom/flow/Wait_Then_Flag", json={"inputs": [{}]})
    r = await query(org_client, "SELECT Id, Name, Guid, InterviewStatus, PauseLabel FROM FlowInterview")
    records = r.json()["records"]
    assert len(records) == 2 and all(rec["InterviewStatus"] == "Paused" for rec in records)
    count = await query(org_client, "SELECT COUNT() FROM FlowInterview WHERE InterviewStatus = 'Paused'")
    assert count.json() == {"totalSize": 2, "done": True, "records": []}


async def test_records_where_order_limit_offset(org_client: httpx2.AsyncClient, org_state: Any) -> None:
    seed_accounts(org_state, 10)
    r = await query(
        org_client,
        "SELECT Name, NumberOfEmployees FROM Account WHERE (NumberOfEmployees >= 2 AND NumberOfEmployees <= 4) "
        "OR Name = 'account 0009' ORDER BY NumberOfEmployees DESC, Name ASC LIMIT 3 OFFSET 1",
    )
    assert r.status_code == 200
    names = [rec["Name"] for rec in r.json()["records"]]
    # employees: 4 -> 0004; 3 -> 0003; 2 -> 0002, 0009 (i=9 -> 2); ordered desc then by name; skip the first
    assert names == ["Account 0003", "Account 0002", "Account 0009"]
    r = await query(
        org_client, "SELECT Id FROM Account WHERE Name NOT IN ('Account 0000', 'Account 0001') AND NOT Name LIKE '%5'"
    )
    assert r.json()["totalSize"] == 7


async def test_pagination_across_three_batches(org_client: httpx2.AsyncClient, org_state: Any) -> None:
    seed_accounts(org_state, 450)
    first = await query(
        org_client, "SELECT Name FROM Account ORDER BY Name", **{"Sforce-Query-Options": "batchSize=200"}
    )
    body = first.json()
    assert body["totalSize"] == 450 and body["done"] is False and len(body["records"]) == 200
    seen = [rec["Name"] for rec in body["records"]]
    next_url = body["nextRecordsUrl"]
    assert next_url.startswith(f"{V}/query/01g") and next_url.endswith("-200")
    pages = 1
    while not body["done"]:
        r = await org_client.get(body["nextRecordsUrl"])
        assert r.status_code == 200
        body = r.json()
        assert body["totalSize"] == 450
        seen += [rec["Name"] for rec in body["records"]]
        pages += 1
    assert pages == 3 and "nextRecordsUrl" not in body
    assert seen == [f"Account {i:04d}" for i in range(450)]


async def test_batch_size_is_clamped_to_200_and_default_2000(org_client: httpx2.AsyncClient, org_state: Any) -> None:
    seed_accounts(org_state, 250)
    small = await query(org_client, "SELECT Id FROM Account", **{"Sforce-Query-Options": "batchSize=5"})
    assert len(small.json()["records"]) == 200
    default = await query(org_client, "SELECT Id FROM Account")
    assert default.json()["done"] is True and len(default.json()["records"]) == 250


@pytest.mark.parametrize("locator", ["01g5g0000000001AAA-200", "garbage", "01g5g0000000001AAA-x"])
async def test_unknown_query_locator_is_400(org_client: httpx2.AsyncClient, locator: str) -> None:
    r = await org_client.get(f"{V}/query/{locator}")
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


@pytest.mark.parametrize(
    ("q", "code", "fragment"),
    [
        (None, "MALFORMED_QUERY", "A query string has to be specified"),
        ("", "MALFORMED_QUERY", "A query string has to be specified"),
        ("SELECT Id FROM", "MALFORMED_QUERY", "unexpected token: <EOF>"),
        ("SELEC Id FROM Account", "MALFORMED_QUERY", "Row:1:Column:1"),
        ("SELECT Id FROM Account WHERE Name = 'x' AND", "MALFORMED_QUERY", "<EOF>"),
        ("SELECT Id FROM Nope", "INVALID_TYPE", "sObject type 'Nope' is not supported."),
        (
            "SELECT Bogus FROM FlowDefinitionView",
            "INVALID_FIELD",
            "No such column 'Bogus' on entity 'FlowDefinitionView'",
        ),
        ("SELECT Owner.Name FROM FlowInterview", "INVALID_FIELD", "Didn't understand relationship 'Owner'"),
        ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "2000"),
        ("SELECT Id, COUNT() FROM Account", "MALFORMED_QUERY", "COUNT()"),
    ],
)
async def test_query_errors(org_client: httpx2.AsyncClient, q: str | None, code: str, fragment: str) -> None:
    params = {} if q is None else {"q": q}
    r = await org_client.get(f"{V}/query", params=params)
    error = the_error(r, 400)
    assert error["errorCode"] == code and fragment in error["message"]


async def test_query_field_names_are_case_insensitive_and_canonical(org_client: httpx2.AsyncClient) -> None:
    r = await query(org_client, "select apiname from flowdefinitionview where apiname = 'GREET'")
    assert r.json()["records"] == [{"attributes": r.json()["records"][0]["attributes"], "ApiName": "Greet"}]
    assert r.json()["records"][0]["attributes"]["type"] == "FlowDefinitionView"
