"""The embedded org's HTTP behaviour: auth, API versions, Salesforce error shapes for every failure kind,
Sforce-Limit-Info and /limits, the test hooks, and /composite/batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN
from tests.localorg.org_replies import the_error

pytestmark = pytest.mark.anyio
V = "/services/data/v59.0"
SESSION_ERROR = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
async def test_missing_or_bad_token_is_401(org_client: httpx2.AsyncClient, headers: dict[str, str]) -> None:
    org_client.headers.pop("Authorization")
    r = await org_client.get(f"{V}/actions/custom/flow", headers=headers)
    assert r.status_code == 401 and r.json() == SESSION_ERROR
    r = await org_client.post("/__org/latency", json={"ms": 1}, headers=headers)
    assert r.status_code == 401


async def test_expire_tokens_hook_makes_every_access_token_401(org_client: httpx2.AsyncClient, org_state: Any) -> None:
    assert (await org_client.post("/__org/expire-tokens")).status_code == 204
    r = await org_client.get(f"{V}/limits")
    assert r.status_code == 401 and r.json() == SESSION_ERROR
    fresh = org_state.sessions.issue_access_token(user_id=org_state.user_id)
    r = await org_client.get(f"{V}/limits", headers={"Authorization": f"Bearer {fresh}"})
    assert r.status_code == 200


async def test_versions_list_is_public_and_resources_need_a_token(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.get("/services/data", headers={"Authorization": ""})
    assert r.status_code == 200
    versions = [v["version"] for v in r.json()]
    assert "59.0" in versions and "62.0" in versions and "50.0" in versions
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in r.json()
    # A Winter '27 org: v68.0 is its release, nothing newer; v21-v30 are retired (Salesforce Help, API version
    # retirement, https://help.salesforce.com/s/articleView?id=005321531).
    assert (
        versions[-1] == "68.0" and {"label": "Winter '27", "url": "/services/data/v68.0", "version": "68.0"} in r.json()
    )
    assert "30.0" not in versions and "31.0" in versions
    r = await org_client.get(V)
    assert r.status_code == 200 and r.json()["query"] == f"{V}/query" and r.json()["tooling"] == f"{V}/tooling"


@pytest.mark.parametrize("version", ["v7.0", "v21.0", "v30.0"])
async def test_retired_version_is_410(org_client: httpx2.AsyncClient, version: str) -> None:
    """API End-of-Life Policy (REST API Developer Guide, api_rest_eol.htm): versions 7.0 through 30.0 are retired
    and "REST API returns the 410:GONE error code"; 31.0 and later are still served."""
    r = await org_client.get(f"/services/data/{version}/actions/custom/flow")
    assert r.status_code == 410
    assert r.json()[0]["errorCode"] == "GONE" and version[1:] in r.json()[0]["message"]
    assert (await org_client.get("/services/data/v31.0/actions/custom/flow")).status_code == 200


@pytest.mark.parametrize("version", ["v69.0", "v99.0", "v59", "vabc", "59.0"])
async def test_unsupported_version_is_404(org_client: httpx2.AsyncClient, version: str) -> None:
    r = await org_client.get(f"/services/data/{version}/actions/custom/flow")
    assert r.status_code == 404
    assert r.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


@pytest.mark.parametrize("path", [f"{V}/nothing/here", "/", "/services", f"{V}/actions/custom/flow/Greet/extra"])
async def test_unknown_route_is_404_json(org_client: httpx2.AsyncClient, path: str) -> None:
    r = await org_client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert r.json()[0]["errorCode"] == "NOT_FOUND"


async def test_wrong_method_is_405_naming_allowed_methods(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.put(f"{V}/sobjects/FlowInterview/0Fo5g0000000001AAA", json={})
    error = the_error(r, 405)
    assert error["errorCode"] == "METHOD_NOT_ALLOWED"
    assert "'PUT'" in error["message"] and "DELETE" in error["message"] and "GET" in error["message"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"{not json", "line:1, column:2"), (b"", "end-of-input"), (b"\xff\xfe", "UTF-8"), (b"[1,", "line:1")],
)
async def test_malformed_json_is_json_parser_error(
    org_client: httpx2.AsyncClient, content: bytes, fragment: str
) -> None:
    r = await org_client.post(f"{V}/actions/custom/flow/Greet", content=content)
    error = the_error(r, 400)
    assert error["errorCode"] == "JSON_PARSER_ERROR" and fragment in error["message"]


async def test_unhandled_exception_is_500_unknown_exception(org_state: Any) -> None:
    async def boom(_request: Request) -> Response:
        raise RuntimeError("kaboom")

    app = create_org_app(org_state)
    app.router.routes.insert(0, Route(f"{V}/boom", boom))
    transport = httpx2.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as client:
        r = await client.get(f"{V}/boom")
        error = the_error(r, 500)
        assert error["errorCode"] == "UNKNOWN_EXCEPTION" and "ErrorId" in error["message"]
        assert "kaboom" not in r.text
        assert (await client.get(f"{V}/limits")).status_code == 200  # still serving


async def test_every_response_counts_api_usage(org_client: httpx2.AsyncClient) -> None:
    first = await org_client.get(f"{V}/limits")
    used = int(first.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
    assert first.headers["Sforce-Limit-Info"].endswith("/15000")
    assert first.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - used}
    error = await org_client.get(f"{V}/query")
    assert error.headers["Sforce-Limit-Info"] == f"api-usage={used + 1}/15000"
    org_client.headers.pop("Authorization")
    unauthorised = await org_client.get(f"{V}/limits")
    assert unauthorised.headers["Sforce-Limit-Info"] == f"api-usage={used + 2}/15000"


async def test_fail_hook_answers_the_next_requests_with_its_status_and_body(org_client: httpx2.AsyncClient) -> None:
    r = await org_client.post("/__org/fail", json={"status": 503, "count": 2, "body": "<html>Down</html>"})
    assert r.status_code == 200
    for _ in range(2):
        failed = await org_client.get(f"{V}/actions/custom/flow")
        assert failed.status_code == 503 and failed.text == "<html>Down</html>"
        assert failed.headers["content-type"].startswith("text/html")
    assert (await org_client.get(f"{V}/actions/custom/flow")).status_code == 200
    body = '[{"message":"boom","errorCode":"UNKNOWN_EXCEPTION"}]'
    await org_client.post("/__org/fail", json={"status": 500, "body": body, "pathPrefix": f"{V}/query"})
    assert (await org_client.get(f"{V}/limits")).status_code == 200  # other paths are not affected
    failed = await org_client.get(f"{V}/query", params={"q": "SELECT Id FROM FlowInterview"})
    assert failed.status_code == 500 and failed.json()[0]["message"] == "boom"
    status = (await org_client.get("/__org/status")).json()
    assert status["failures"] == []


@pytest.mark.parametrize(
    "body", [{"status": 200}, {"status": 500, "count": 0}, {"body": 5}, {"pathPrefix": "services"}, {"status": "500"}]
)
async def test_fail_hook_validates(org_client: httpx2.AsyncClient, body: dict[str, Any]) -> None:
    r = await org_client.post("/__org/fail", json=body)
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_INPUT"


async def test_latency_hook(org_client: httpx2.AsyncClient) -> None:
    assert (await org_client.post("/__org/latency", json={"ms": 1})).json() == {"ms": 1}
    assert (await org_client.get("/__org/status")).json()["latencyMs"] == 1
    assert (await org_client.get(f"{V}/limits")).status_code == 200
    assert (await org_client.post("/__org/latency", json={"ms": -1})).status_code == 400
    assert (await org_client.post("/__org/latency", json={"ms": 0})).status_code == 200


async def test_deploy_hook_changes_the_catalogue(
    org_client: httpx2.AsyncClient, make_flow: Callable[..., bytes]
) -> None:
    r = await org_client.post("/__org/flows", params={"name": "Brand_New"}, content=make_flow("Brand New"))
    assert r.status_code == 201 and r.json()["versionNumber"] == 1 and r.json()["status"] == "Active"
    names = [a["name"] for a in (await org_client.get(f"{V}/actions/custom/flow")).json()["actions"]]
    assert "Brand_New" in names
    r = await org_client.post("/__org/flows", params={"name": "Off", "activate": "false"}, content=make_flow("Off"))
    assert r.json()["status"] == "Draft"


async def test_composite_batch_of_25(org_client: httpx2.AsyncClient) -> None:
    batch = [{"method": "GET", "url": "v59.0/actions/custom/flow/Greet"} for _ in range(10)]
    batch += [
        {"method": "POST", "url": "v59.0/actions/custom/flow/Greet", "richInput": {"inputs": [{"name": f"N{i}"}]}}
        for i in range(13)
    ]
    batch.append({"method": "GET", "url": "/services/data/v59.0/query?q=SELECT+ApiName+FROM+FlowDefinitionView"})
    batch.append({"method": "GET", "url": "v59.0/actions/custom/flow/Missing"})
    before = (await org_client.get(f"{V}/limits")).json()["DailyApiRequests"]["Remaining"]
    r = await org_client.post(f"{V}/composite/batch", json={"batchRequests": batch})
    assert r.status_code == 200
    body = r.json()
    assert body["hasErrors"] is True and len(body["results"]) == 25
    assert all(res["statusCode"] == 200 and res["result"]["name"] == "Greet" for res in body["results"][:10])
    posts = body["results"][10:23]
    assert [res["result"][0]["outputValues"]["greeting"] for res in posts] == [f"N{i}" for i in range(13)]
    assert body["results"][23]["result"]["totalSize"] == 6
    assert body["results"][24] == {
        "statusCode": 404,
        "result": [{"message": body["results"][24]["result"][0]["message"], "errorCode": "NOT_FOUND"}],
    }
    after = (await org_client.get(f"{V}/limits")).json()["DailyApiRequests"]["Remaining"]
    # Each of the 25 subrequests counts against the API limits (REST API Developer Guide, Composite Batch,
    # https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-batch.html); the batch
    # request is counted too (not documented either way: an upper bound), plus this /limits call.
    assert before - after == 25 + 1 + 1


async def test_composite_halt_on_error(org_client: httpx2.AsyncClient) -> None:
    batch = [
        {"method": "GET", "url": "v59.0/limits"},
        {"method": "GET", "url": "v59.0/sobjects/Flow/3015g0000000999AAA"},
        {"method": "GET", "url": "v59.0/limits"},
    ]
    r = await org_client.post(f"{V}/composite/batch", json={"batchRequests": batch, "haltOnError": True})
    results = r.json()["results"]
    assert [res["statusCode"] for res in results] == [200, 404, 412]
    assert results[2]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"
    r = await org_client.post(f"{V}/composite/batch", json={"batchRequests": batch})
    assert [res["statusCode"] for res in r.json()["results"]] == [200, 404, 200]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"batchRequests": [{"method": "GET", "url": "v59.0/limits"}] * 26}, "LIMIT_EXCEEDED"),
        ({"batchRequests": []}, "JSON_PARSER_ERROR"),
        ({}, "JSON_PARSER_ERROR"),
        ({"batchRequests": [{"method": "FETCH", "url": "v59.0/limits"}]}, "INVALID_BATCH_REQUEST"),
        ({"batchRequests": [{"method": "GET", "url": "http://elsewhere/x"}]}, "INVALID_BATCH_REQUEST"),
        ({"batchRequests": [{"method": "GET", "url": "v59.0/composite/batch"}]}, "INVALID_BATCH_REQUEST"),
        ({"batchRequests": ["GET v59.0/limits"]}, "INVALID_BATCH_REQUEST"),
    ],
)
async def test_composite_batch_refuses_bad_batches(org_client: httpx2.AsyncClient, body: Any, code: str) -> None:
    r = await org_client.post(f"{V}/composite/batch", json=body)
    assert r.status_code == 400 and r.json()[0]["errorCode"] == code


async def test_composite_subrequests_keep_the_callers_session(org_client: httpx2.AsyncClient) -> None:
    org_client.headers.pop("Authorization")
    r = await org_client.post(
        f"{V}/composite/batch", json={"batchRequests": [{"method": "GET", "url": "v59.0/limits"}]}
    )
    assert r.status_code == 401


async def test_records_through_the_data_api(org_client: httpx2.AsyncClient) -> None:
    created = await org_client.post(f"{V}/sobjects/Account", json={"Name": "Acme", "Industry": "Tech"})
    assert created.status_code == 201
    account_id = created.json()["id"]
    got = (await org_client.get(f"{V}/sobjects/Account/{account_id}")).json()
    assert got["Name"] == "Acme" and got["attributes"]["type"] == "Account"
    assert (
        await org_client.patch(f"{V}/sobjects/Account/{account_id}", json={"Industry": "Retail"})
    ).status_code == 204
    assert (await org_client.get(f"{V}/sobjects/Account/{account_id}")).json()["Industry"] == "Retail"
    missing = await org_client.post(f"{V}/sobjects/Account", json={"Industry": "Tech"})
    assert missing.status_code == 400 and missing.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert (await org_client.post(f"{V}/sobjects/NoSuchThing", json={"Name": "x"})).status_code == 404
    assert (await org_client.delete(f"{V}/sobjects/Account/{account_id}")).status_code == 204
    assert (await org_client.get(f"{V}/sobjects/Account/{account_id}")).status_code == 404
