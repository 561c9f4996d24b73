"""Salesforce's error bodies and headers, as the facts file records them, become typed errors (errors.py draws the
hierarchy); callers branch on the type."""

from __future__ import annotations

import socket
from typing import Any

import httpx2
import pytest

from salesforce_flow_mcp.auth.credentials import StaticCredentials
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import (
    AuthenticationFailed,
    SalesforceAPIError,
    SalesforceError,
    SalesforceUnreachable,
    UnexpectedResponse,
    api_error_from_response,
)
from salesforce_flow_mcp.salesforce.limits import LimitInfo
from tests.support import FAST_RETRY


def test_standard_error_array() -> None:
    """The REST API's error format, `[{"message","errorCode"}]` (REST API Developer Guide, Status Codes and Error
    Responses: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm)."""
    body = b'[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]'
    error = api_error_from_response(404, body, "application/json")
    assert isinstance(error, SalesforceAPIError) and isinstance(error, SalesforceError)
    assert (error.status, error.error_code, error.message) == (
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
    assert str(error) == "NOT_FOUND: The requested resource does not exist [HTTP 404]"


def test_several_errors_keep_every_message_and_field() -> None:
    body = (
        b'[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]},'
        b'{"message":"second","errorCode":"OTHER"}]'
    )
    error = api_error_from_response(400, body)
    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert "Required fields are missing" in error.message and "second" in error.message
    assert error.fields == ["Name"] and len(error.errors) == 2


def test_oauth_error_object() -> None:
    """OAuth endpoints answer `{"error","error_description"}` (400 invalid_grant for a spent refresh token: Salesforce
    Help, OAuth 2.0 Refresh Token Flow; simple-salesforce's tests use the same body)."""
    error = api_error_from_response(
        400, b'{"error":"invalid_grant","error_description":"expired access/refresh token"}'
    )
    assert error.error_code == "invalid_grant" and error.message == "expired access/refresh token"


def test_non_json_body_keeps_status_and_an_excerpt() -> None:
    error = api_error_from_response(502, b"<html><body>Bad gateway from proxy</body></html>", "text/html")
    assert isinstance(error, SalesforceAPIError)
    assert error.status == 502 and error.error_code == "HTTP_502"
    assert "non-JSON" in error.message and "Bad gateway from proxy" in error.message


def test_json_not_in_salesforce_format_keeps_status() -> None:
    error = api_error_from_response(400, b'{"detail": "rejected by the gateway"}', "application/json")
    assert (error.status, error.error_code) == (400, "HTTP_400")
    assert "unrecognised JSON" in error.message and "rejected by the gateway" in error.message


def test_a_long_body_is_quoted_short() -> None:
    error = api_error_from_response(502, b"x" * 1_000_000, "text/plain")
    assert len(str(error)) < 500 and "1,000,000 characters" in error.message


def test_empty_body() -> None:
    assert "(empty body)" in api_error_from_response(500, b"").message


def test_the_old_constructor_name_still_parses() -> None:
    assert isinstance(SalesforceError.from_response(404, b"[]"), SalesforceAPIError)


def test_limit_info_header() -> None:
    """Sforce-Limit-Info (REST API Developer Guide, Limit Info Header:
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm)."""
    info = LimitInfo.parse(
        "api-usage=18/5000; per-app-api-usage=17/250(appName=sample-connected-app); api-bursts=1/750"
    )
    assert info is not None and info.api_usage is not None and info.per_app_api_usage is not None
    assert (info.api_usage.used, info.api_usage.limit, info.api_usage.remaining) == (18, 5000, 4982)
    assert info.per_app_api_usage.app_name == "sample-connected-app"
    assert info.api_bursts is not None and info.api_bursts.limit == 750
    assert LimitInfo.parse(None) is None and LimitInfo.parse("garbage") is None


# --- what the client raises, by type -----------------------------------------------------------------------------


def _client(handler: Any, credentials: Any = None) -> SalesforceClient:
    return SalesforceClient(
        credentials or StaticCredentials("https://example.my.salesforce.com", "token-value"),
        transport=httpx2.MockTransport(handler),  # a real org's documented answers, not our org
        retry=FAST_RETRY,
    )


@pytest.mark.anyio
async def test_a_success_status_with_a_body_that_is_not_json_is_an_unexpected_response() -> None:
    client = _client(lambda request: httpx2.Response(200, text="<html>login page</html>"))
    with pytest.raises(UnexpectedResponse) as caught:
        await client.get("/actions/custom/flow")
    assert caught.value.status == 200 and "login page" in caught.value.message
    await client.aclose()


@pytest.mark.anyio
async def test_a_query_answer_that_is_not_an_object_is_an_unexpected_response() -> None:
    client = _client(lambda request: httpx2.Response(200, json=["not", "a", "query", "result"]))
    with pytest.raises(UnexpectedResponse):
        await client.query("SELECT Id FROM FlowInterview")
    await client.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.anyio
async def test_no_answer_is_unreachable_and_a_refused_connection_never_ran() -> None:
    client = SalesforceClient(StaticCredentials(f"http://127.0.0.1:{_closed_port()}", "t"), retry=FAST_RETRY)
    with pytest.raises(SalesforceUnreachable) as caught:
        await client.request("POST", "/actions/custom/flow/X", json_body={"inputs": [{}]})
    assert caught.value.may_have_run is False, "a refused connection sent nothing"
    await client.aclose()


@pytest.mark.anyio
async def test_a_post_dropped_mid_request_may_have_run() -> None:
    def drop(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadError("connection reset by peer", request=request)

    client = _client(drop)
    with pytest.raises(SalesforceUnreachable) as caught:
        await client.request("POST", "/actions/custom/flow/X", json_body={"inputs": [{}]})
    assert caught.value.may_have_run is True
    await client.aclose()


class _BrokenSignIn:
    instance_url = "https://example.my.salesforce.com"

    async def access_token(self) -> str:
        raise RuntimeError("the refresh token was revoked: run login again")

    async def refresh(self, rejected_token: str) -> str:
        raise AssertionError("not reached")


@pytest.mark.anyio
async def test_a_sign_in_failure_is_authentication_failed() -> None:
    client = _client(lambda request: httpx2.Response(200, json={}), _BrokenSignIn())
    with pytest.raises(AuthenticationFailed) as caught:
        await client.get("/limits")
    assert "run login again" in caught.value.message
    await client.aclose()
