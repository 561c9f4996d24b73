"""Governance on a shared server: the audit log (what it holds, and that it holds no secret or input value), the
per-user rate limit, and the flow deny list enforced on every path that can run a flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesforce_flow_mcp.remote.governance import GovernanceError, RateLimit

from .procs import bearer_client, serve_http

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TOKEN = "governance-test-token-0123456789"
SECRET_VALUE = "Critical"  # an argument value: it must not reach the audit log without --audit-inputs


async def test_audit_log_rate_limit_and_deny_list(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    args = ["--demo", "--http-token", TOKEN, "--audit-log", str(audit), "--rate-limit", "4/3600"]
    with serve_http([*args, "--exclude-flows", "Create_*"], tmp_path) as served:
        async with bearer_client(served.url, TOKEN, "legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert "flow_Route_Support_Case" in names and "flow_Create_Contact" not in names
            ok = await client.call_tool("flow_Route_Support_Case", {"priority": SECRET_VALUE})
            assert not ok.is_error
            denied = await client.call_tool(
                "invoke_flow", {"flowApiName": "Create_Contact", "inputs": [{"lastName": "X"}]}
            )
            assert denied.is_error and "not available on this server" in denied.content[0].text  # type: ignore[union-attr]
            bad = await client.call_tool("flow_Route_Support_Case", {"priority": 7})
            assert bad.is_error
            await client.call_tool("list_invocable_flows", {})
            limited = await client.call_tool("list_invocable_flows", {})
            assert limited.is_error and "Rate limit: at most 4 tool calls per 3600 s" in limited.content[0].text  # type: ignore[union-attr]
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(e["tool"], e["outcome"]) for e in lines] == [
        ("flow_Route_Support_Case", "ok"),
        ("invoke_flow", "denied"),
        ("flow_Route_Support_Case", "tool error"),
        ("list_invocable_flows", "ok"),
        ("list_invocable_flows", "rate limited"),
    ]
    first = lines[0]
    assert first["flow"] == "Route_Support_Case" and first["user"] == "shared bearer token"
    assert set(first) >= {"time", "user", "org", "tool", "flow", "records", "outcome", "ms", "request_id"}
    assert lines[1]["flow"] == "Create_Contact" and lines[1]["records"] == 1
    assert lines[3]["records"] is not None and lines[3]["records"] > 0
    text = audit.read_text()
    assert TOKEN not in text and SECRET_VALUE not in text and "arguments" not in text
    assert (audit.stat().st_mode & 0o777) == 0o600


async def test_audit_inputs_records_arguments(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    args = ["--demo", "--http-token", TOKEN, "--audit-log", str(audit), "--audit-inputs"]
    with serve_http(args, tmp_path) as served:
        async with bearer_client(served.url, TOKEN, "2026-07-28") as client:
            assert not (await client.call_tool("flow_Route_Support_Case", {"priority": SECRET_VALUE})).is_error
    (entry,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert entry["arguments"] == {"priority": SECRET_VALUE} and TOKEN not in audit.read_text()


def test_rate_limit_syntax() -> None:
    assert RateLimit.parse("60/60") == RateLimit(60, 60) and RateLimit.parse("10") == RateLimit(10, 60)
    for text in ("0/60", "x/60", "5/", "5/0", "-1/10"):
        with pytest.raises(GovernanceError, match="CALLS/SECONDS"):
            RateLimit.parse(text)
