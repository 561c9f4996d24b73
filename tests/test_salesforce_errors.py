"""Salesforce's error bodies and headers, as the facts file records them, become one typed error."""

from __future__ import annotations

from salesforce_flow_mcp.salesforce.errors import SalesforceError
from salesforce_flow_mcp.salesforce.limits import LimitInfo


def test_standard_error_array() -> None:
    body = b'[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]'
    error = SalesforceError.from_response(404, body, "application/json")
    assert (error.status, error.error_code, error.message) == (
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
    )


def test_several_errors_keep_every_message_and_field() -> None:
    body = (
        b'[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]},'
        b'{"message":"second","errorCode":"OTHER"}]'
    )
    error = SalesforceError.from_response(400, body)
    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert "Required fields are missing" in error.message and "second" in error.message
    assert error.fields == ["Name"] and len(error.errors) == 2


def test_oauth_error_object() -> None:
    error = SalesforceError.from_response(
        400, b'{"error":"invalid_grant","error_description":"expired access/refresh token"}'
    )
    assert error.error_code == "invalid_grant" and error.message == "expired access/refresh token"


def test_non_json_body_keeps_status_and_an_excerpt() -> None:
    error = SalesforceError.from_response(502, b"<html><body>Bad gateway from proxy</body></html>", "text/html")
    assert error.status == 502 and error.error_code == "HTTP_502"
    assert "non-JSON" in error.message and "Bad gateway from proxy" in error.message


def test_empty_body() -> None:
    assert "(empty body)" in SalesforceError.from_response(500, b"").message


def test_limit_info_header() -> None:
    info = LimitInfo.parse(
        "api-usage=18/5000; per-app-api-usage=17/250(appName=sample-connected-app); api-bursts=1/750"
    )
    assert info is not None and info.api_usage is not None and info.per_app_api_usage is not None
    assert (info.api_usage.used, info.api_usage.limit, info.api_usage.remaining) == (18, 5000, 4982)
    assert info.per_app_api_usage.app_name == "sample-connected-app"
    assert info.api_bursts is not None and info.api_bursts.limit == 750
    assert LimitInfo.parse(None) is None and LimitInfo.parse("garbage") is None
