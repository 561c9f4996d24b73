"""What a hostile or broken org (or a proxy in front of it) sends back cannot break the server or leak through it.

The org here is a double standing in for a real Salesforce org (httpx MockTransport), answering with documented
shapes carrying hostile content.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import UnexpectedResponse
from tests.support import FAST_RETRY

pytestmark = pytest.mark.anyio

INSTANCE = "https://example.my.salesforce.com"


def org_double(handler: httpx2.MockTransport) -> SalesforceClient:
    return SalesforceClient(StaticCredentials(INSTANCE, "token-value"), transport=handler, retry=FAST_RETRY)


async def test_lone_surrogates_from_the_org_become_replacement_characters() -> None:
    """JSON allows a \\ud800 escape with no pair; it is not text, and the stdio writer (UTF-8) cannot send it."""
    body = (
        b'{"actions":[{"label":"Bad \\ud800 label","name":"X","type":"FLOW","url":"/x"},{"label":"ok \\ud83d\\ude00"}]}'
    )
    client = org_double(httpx2.MockTransport(lambda request: httpx2.Response(200, content=body)))
    listing = await client.get("/actions/custom/flow")
    assert listing["actions"][0]["label"] == "Bad \ufffd label"
    assert listing["actions"][1]["label"] == "ok \U0001f600", "a valid pair stays the character it encodes"
    json.dumps(listing, ensure_ascii=False).encode("utf-8")  # would raise on a lone surrogate
    await client.aclose()


FIRST_PAGE = {"totalSize": 4, "done": False, "records": [{"Id": "0Fo5g0000000001AAA"}, {"Id": "0Fo5g0000000002AAA"}]}


def paging_org(next_url: str, seen: list[str]) -> httpx2.MockTransport:
    """A first page whose nextRecordsUrl is `next_url`; a second page for a proper locator."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.raw_path.decode())
        if request.url.path.endswith("/query"):
            return httpx2.Response(200, json={**FIRST_PAGE, "nextRecordsUrl": next_url})
        return httpx2.Response(200, json={"totalSize": 4, "done": True, "records": [{"Id": "0Fo5g0000000003AAA"}]})

    return httpx2.MockTransport(answer)


@pytest.mark.parametrize(
    "next_url",
    [
        "/services/data/v59.0/sobjects/Account/001000000000001AAA",  # another resource of the same API
        "/sobjects/Account/001000000000001AAA",  # relative to the versioned path
        "https://attacker.example/services/data/v59.0/query/01gRO0000016PIAYA2-2000",  # another host
        "/services/data/v59.0/query/01gRO0000016PIAYA2-2000?q=SELECT+Id+FROM+Account",  # locators take no parameters
        "/services/data/v58.0/query/01gRO0000016PIAYA2-2000",  # another version
        "/services/data/v59.0/tooling/query/01gRO0000016PIAYA2-2000",  # the Tooling API for a data query
        "/services/data/v59.0/query/../sobjects/Account",
    ],
)
async def test_a_next_records_url_that_is_not_a_query_locator_is_not_followed(next_url: str) -> None:
    """The next batch lives at /services/data/vXX.X/query/<locator> (REST API Developer Guide, Execute a SOQL Query:
    https://developer.salesforce.com/docs/platform/api-rest/guide/dome-query.html; Query:
    https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html)."""
    seen: list[str] = []
    client = org_double(paging_org(next_url, seen))
    with pytest.raises(UnexpectedResponse) as caught:
        await client.query("SELECT Id FROM FlowInterview")
    assert "is not a query locator" in caught.value.message and "was not fetched" in caught.value.message
    assert len(seen) == 1, f"only the query itself reached the org: {seen}"
    await client.aclose()


@pytest.mark.parametrize("tooling", [False, True])
async def test_a_query_locator_of_the_same_api_is_followed(tooling: bool) -> None:
    seen: list[str] = []
    api = "tooling/" if tooling else ""
    client = org_double(paging_org(f"/services/data/v59.0/{api}query/01gRO0000016PIAYA2-2", seen))
    result = await client.query("SELECT Id FROM Flow", tooling=tooling)
    assert [r["Id"][-4:] for r in result["records"]] == ["1AAA", "2AAA", "3AAA"] and result["done"] is True
    assert seen[1] == f"/services/data/v59.0/{api}query/01gRO0000016PIAYA2-2"
    await client.aclose()
