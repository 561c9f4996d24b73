"""An org that echoes secrets back (a proxy that reflects request headers, an error that quotes the session) never
gets them into a tool result or a log line: every known secret is masked on the way out, whatever its source."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_flow_mcp.auth.masking import register_secret
from salesforce_flow_mcp.logging_setup import configure_logging
from tests.robust_support import rig, text_of

pytestmark = pytest.mark.anyio

ACCESS = "00D5g000004SFMC!AQ0AQH8.uXhB5dZ_echoed-access-token-value"
REFRESH = "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrfECHOED"
SECRET = "C1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6-client-secret"


def echoing_proxy(app: ASGIApp) -> ASGIApp:
    """In front of the org: reflects the Authorization header and the app's other secrets into its answers."""

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode()
        echo = f"request had {authorization}; refresh_token={REFRESH}; client secret {SECRET}"
        answers = {
            "/services/data/v59.0/actions/custom/flow": (
                400,
                "application/json",
                [{"message": echo, "errorCode": "X"}],
            ),
            "/services/data/v59.0/sobjects/FlowInterview/0Fo5g0000000001AAA": (502, "text/html", f"<p>{echo}</p>"),
            "/services/data/v59.0/query": (
                200,
                "application/json",
                {
                    "done": True,
                    "totalSize": 1,
                    "records": [
                        {"attributes": {"type": "FlowInterview"}, "Id": "0Fo5g0000000001AAA", "InterviewLabel": echo}
                    ],
                },
            ),
        }
        if path in answers and scope.get("method") == "GET":
            status, kind, body = answers[path]
            payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind.encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        await app(scope, receive, send)

    return proxy


@pytest.fixture
def stderr_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, root.filters[:])
    configure_logging(verbose=True)  # as `serve -v` does: debug lines to stderr
    try:
        yield capsys
    finally:
        root.handlers[:], root.filters[:] = saved[0], saved[2]
        root.setLevel(saved[1])


async def test_secrets_echoed_by_the_org_are_masked_in_results_and_stderr(
    stderr_logging: pytest.CaptureFixture[str],
) -> None:
    for secret in (REFRESH, SECRET):
        register_secret(secret)  # as connect.py does with the configured secrets at start
    seen: list[str] = []
    async with rig(front=echoing_proxy, token=ACCESS) as r:
        for tool, arguments in [
            ("list_invocable_flows", {}),
            ("get_flow_interview", {"interviewId": "0Fo5g0000000001AAA"}),
            ("query_flows", {"q": "SELECT Id, InterviewLabel FROM FlowInterview"}),
        ]:
            result = await r.mcp.call_tool(tool, arguments)
            seen.append(text_of(result) + json.dumps(result.structured_content))
        logging.getLogger("salesforce_flow_mcp.test").warning("the org said: %s", seen[0])
    out = stderr_logging.readouterr()
    everything = "\n".join(seen) + out.err + out.out
    for secret in (ACCESS, REFRESH, SECRET):
        assert secret not in everything
    assert everything.count("***") >= 9, "each secret was there, and masked, in each answer"
    assert "request had Bearer ***" in seen[0] and "InterviewLabel" in seen[2]


def test_a_record_field_named_like_a_secret_is_data_not_a_secret() -> None:
    import mcp_types as types

    from salesforce_flow_mcp.result_masking import masked_result

    record = {"code": "ABCDEFGHIJKLMNOP", "token": "visible-value-12345"}
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(record))], structured_content=record
    )
    assert masked_result(result) is result, "the key=value heuristic of the log filter does not touch results"
