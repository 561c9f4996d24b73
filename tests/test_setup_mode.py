"""With no org configured, `serve` still completes the handshake: the host shows the server connected, and the agent
reads what to configure from `setup_status` (the report `doctor` prints), while every other tool answers the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.support import PROTOCOL_MODES, text_of

pytestmark = pytest.mark.slow


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env["SALESFORCE_FLOW_MCP_HOME"] = str(tmp_path / "home")
    env["SALESFORCE_FLOW_MCP_CACHE"] = str(tmp_path / "cache")
    return env


@pytest.mark.anyio
@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_unconfigured_serve_answers_the_handshake_with_setup_status(tmp_path: Path, mode: str) -> None:
    env = clean_env(tmp_path)
    server = StdioServerParameters(command=sys.executable, args=["-m", "salesforce_flow_mcp", "serve"], env=env)
    async with Client(server, mode=mode) as client:  # type: ignore[arg-type]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert "setup_status" in tools
        assert all(t.annotations and t.annotations.read_only_hint for t in tools.values()), "read-only tools only"
        assert "list_flows" in tools and "invoke_flow" not in tools
        status = await client.call_tool("setup_status", {})
        assert not status.is_error
        steps = text_of(status)
        assert "`salesforce-flow-mcp login`" in steps and "--demo" in steps and "--target-org" in steps
        refused = await client.call_tool("list_flows", {})
        assert refused.is_error and "Not connected to a Salesforce org" in text_of(refused)
        assert "--demo" in text_of(refused)

    doctor = await anyio.run_process([sys.executable, "-m", "salesforce_flow_mcp", "doctor"], env=env, check=False)
    assert doctor.returncode == 1
    report = [line for line in doctor.stdout.decode().splitlines() if line.strip()]
    assert report and all(line in steps for line in report), "setup_status gives the text doctor gives"


def test_tools_without_an_org_still_exits_with_the_steps(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "salesforce_flow_mcp", "tools"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "--demo" in done.stderr and "login" in done.stderr
    assert done.stdout == ""


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.anyio
async def test_an_unreachable_token_endpoint_at_start_is_not_setup_mode(tmp_path: Path) -> None:
    """A network failure while the first token is fetched says nothing about the configuration: the server serves
    the configured tools (no setup_status, which would stay until a restart) and each call asks for a token again."""
    port = closed_port()
    env = clean_env(tmp_path) | {
        "SALESFORCE_INSTANCE_URL": f"http://127.0.0.1:{port}",
        "SALESFORCE_LOGIN_URL": f"http://127.0.0.1:{port}",
        "SALESFORCE_REFRESH_TOKEN": "5Aep861-not-a-real-refresh-token",
        "SALESFORCE_CLIENT_ID": "our-external-client-app",
    }
    server = StdioServerParameters(command=sys.executable, args=["-m", "salesforce_flow_mcp", "serve"], env=env)
    async with Client(server, mode="legacy") as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert "setup_status" not in tools and "invoke_flow" in tools
        for _ in range(2):  # every call tries again; none of them reports "not configured"
            answer = await client.call_tool("list_flows", {})
            assert answer.is_error and "unreachable" in text_of(answer)
            assert "Not connected to a Salesforce org" not in text_of(answer)
