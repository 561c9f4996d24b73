"""An org that echoes secrets back (a proxy that reflects request headers, an error that quotes the session) never
gets them into a tool result or a log line: every known secret is masked on the way out, whatever its source."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_flow_mcp.auth.masking import register_secret
from salesforce_flow_mcp.logging_setup import configure_logging
from tests.robust_support import rig
from tests.support import text_of

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
def stderr_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the server writes to stderr, with logging set up as `serve -v` does (debug lines included)."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, root.filters[:], sys.excepthook)
    configure_logging(verbose=True)
    try:
        yield stderr
    finally:
        root.handlers[:], root.filters[:] = saved[0], saved[2]
        root.setLevel(saved[1])
        sys.excepthook = saved[3]
        logging.captureWarnings(False)


async def test_secrets_echoed_by_the_org_are_masked_in_results_and_stderr(
    stderr_logging: io.StringIO,
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
    everything = "\n".join(seen) + stderr_logging.getvalue()
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


def test_the_http_server_s_log_lines_go_through_the_masking_filter(
    stderr_logging: io.StringIO,
) -> None:
    """uvicorn's default log config gives its loggers handlers of their own that stop propagation (they would print
    past the filter); serve --transport http makes it with log_config=None."""
    from salesforce_flow_mcp.remote.http_app import uvicorn_config

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("not served")

    register_secret(ACCESS)
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg.handlers[:], lg.propagate) for lg in loggers]
    for lg in loggers:  # as in a fresh process (another test may have run uvicorn with its default config)
        lg.handlers[:], lg.propagate = [], True
    try:
        uvicorn_config(app, "127.0.0.1", 0)
        logging.getLogger("uvicorn.error").warning("request with Authorization: Bearer %s failed", ACCESS)
    finally:
        for lg, (handlers, propagate) in zip(loggers, saved, strict=True):
            lg.handlers[:], lg.propagate = handlers, propagate
    err = stderr_logging.getvalue()
    assert "uvicorn.error" in err and ACCESS not in err and "***" in err


def test_warnings_and_crashes_reach_stderr_masked(stderr_logging: io.StringIO) -> None:
    import warnings

    register_secret(ACCESS)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        logging.captureWarnings(True)  # catch_warnings put the plain hook back; configure_logging had set this
        warnings.warn(f"a library warned with {ACCESS}", UserWarning, stacklevel=1)
    try:
        raise RuntimeError(f"crashed holding {ACCESS}")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    err = stderr_logging.getvalue()
    assert "a library warned with ***" in err and "crashed holding ***" in err and ACCESS not in err
