"""Every host snippet in the README's "Connect your host" section starts a server that answers the official MCP client:
the test reads each snippet (JSON configs of Claude Desktop, Cursor, VS Code and Windsurf; the `claude mcp add`,
uvx and pipx command lines), takes the command it names as the host would, and starts it over stdio.

`salesforce-flow-mcp` is this checkout's console script (first on PATH). uvx and pipx would fetch the package; here
their launcher part is checked for the form the README promises and the command after it runs from the same install.
A snippet with only an env example (an sf CLI org or profile that does not exist here) must still complete the
handshake: a server with nothing usable configured answers with `setup_status`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.support import REPO

SNIPPET = re.compile(r"<!-- host: (?P<host>[a-z-]+)(?P<env> env)? -->\n```(?P<lang>json|bash)\n(?P<body>.*?)```", re.S)
HOSTS = {"claude-desktop", "claude-code", "cursor", "vscode", "windsurf", "uvx", "pipx"}


@dataclass(frozen=True)
class Launch:
    host: str
    demo: bool
    command: str
    args: list[str]
    env: dict[str, str]


def _from_json(host: str, body: str) -> Launch:
    config = json.loads(body)
    key = "servers" if host == "vscode" else "mcpServers"
    assert set(config) == {key}, f"{host} reads its servers from {key!r}"
    (server,) = config[key].values()
    if host == "vscode":
        assert server["type"] == "stdio"
    args = list(server.get("args", []))
    return Launch(host, "--demo" in args, server["command"], args, dict(server.get("env", {})))


def _from_shell(host: str, body: str) -> Launch:
    words = shlex.split(body.strip())
    env: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if words[:3] == ["claude", "mcp", "add"]:
        rest = words[4:]
        while rest and rest[0] == "-e":
            name, value = rest[1].split("=", 1)
            env[name] = value
            rest = rest[2:]
        assert rest[0] == "--", "claude mcp add NAME [-e K=V]... -- COMMAND ARGS"
        words = rest[1:]
    elif words[0] == "uvx":
        assert words[1] == "--from" and words[2].endswith(".whl")
        words = words[3:]
    elif words[:2] == ["pipx", "run"]:
        assert words[2] == "--spec" and words[3].endswith(".whl")
        words = words[4:]
    return Launch(host, "--demo" in words, words[0], words[1:], env)


def snippets() -> list[Launch]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Connect your host", 1)[1].split("\n## ", 1)[0]
    found = []
    for match in SNIPPET.finditer(section):
        parse = _from_json if match["lang"] == "json" else _from_shell
        found.append(parse(match["host"], match["body"]))
    return found


def test_every_host_has_a_demo_and_an_env_snippet() -> None:
    found = snippets()
    assert {s.host for s in found} == HOSTS
    for host in HOSTS - {"uvx", "pipx"}:
        kinds = {(s.demo, bool(s.env)) for s in found if s.host == host}
        assert (True, False) in kinds and (False, True) in kinds, host
    assert any(s.demo for s in found if s.host in ("uvx", "pipx"))
    assert any(s.env for s in found if s.host in ("uvx", "pipx"))


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize("launch", snippets(), ids=lambda s: f"{s.host}{'-demo' if s.demo else '-env'}")
async def test_the_snippet_starts_a_server_the_mcp_client_can_use(launch: Launch, tmp_path: Path) -> None:
    assert launch.command == "salesforce-flow-mcp"
    scripts = Path(sys.executable).parent
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env = {
        **clean,
        **launch.env,
        "PATH": f"{scripts}{os.pathsep}{clean.get('PATH', '')}",
        "SALESFORCE_FLOW_MCP_HOME": str(tmp_path / "home"),
        "SALESFORCE_FLOW_MCP_CACHE": str(tmp_path / "cache"),
        "SALESFORCE_SF_COMMAND": str(tmp_path / "no-sf-here"),
    }
    server = StdioServerParameters(command=str(scripts / launch.command), args=launch.args, env=env)
    async with Client(server, mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        if launch.demo:
            assert "flow_Quote_Discount_Calculator" in names
            assert not (await client.call_tool("list_invocable_flows", {})).is_error
        else:
            assert "setup_status" in names, "nothing usable configured here: the server says how to set it up"
            status = await client.call_tool("setup_status", {})
            assert not status.is_error
