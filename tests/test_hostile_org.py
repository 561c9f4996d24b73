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
