"""The official MCP Inspector CLI, a client we did not write, against `serve --demo` over stdio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO

INSPECTOR = REPO / "node_modules" / ".bin" / "mcp-inspector"
SERVER = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: no MCP Inspector CLI"),
]


def inspector(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert INSPECTOR.exists(), "node is present but the inspector is not installed: run `make install`"
    env = {**os.environ, "HOME": str(tmp_path)}  # keeps the inspector's own files out of the real home
    return subprocess.run(
        [str(INSPECTOR), "--cli", *SERVER, *args], capture_output=True, text=True, timeout=120, env=env
    )


def parsed(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_inspector_lists_the_tools(tmp_path: Path) -> None:
    done = inspector(tmp_path, "--method", "tools/list")
    assert done.returncode == 0, done.stderr
    names = {t["name"] for t in parsed(done)["tools"]}
    assert {"list_flows", "invoke_flow", "query_flows", "flow_Route_Support_Case"} <= names


def test_inspector_lists_and_reads_the_resources(tmp_path: Path) -> None:
    done = inspector(tmp_path, "--method", "resources/list")
    assert done.returncode == 0, done.stderr
    uris = {r["uri"] for r in parsed(done)["resources"]}
    assert "salesforce-flow://flows/Route_Support_Case" in uris
    templates = inspector(tmp_path, "--method", "resources/templates/list")
    assert templates.returncode == 0, templates.stderr
    assert "salesforce-flow://flows/{ApiName}" in {t["uriTemplate"] for t in parsed(templates)["resourceTemplates"]}
    read = inspector(tmp_path, "--method", "resources/read", "--uri", "salesforce-flow://flows/Route_Support_Case")
    assert read.returncode == 0, read.stderr
    body = json.loads(parsed(read)["contents"][0]["text"])
    assert body["apiName"] == "Route_Support_Case" and body["describe"]["inputs"]


def test_inspector_lists_and_gets_the_prompts(tmp_path: Path) -> None:
    done = inspector(tmp_path, "--method", "prompts/list")
    assert done.returncode == 0, done.stderr
    names = {p["name"] for p in parsed(done)["prompts"]}
    assert names == {"run_flow_safely", "why_did_interview_fail", "automation_on_object"}
    got = inspector(
        tmp_path, "--method", "prompts/get", "--prompt-name", "automation_on_object", "--prompt-args", "objectName=Case"
    )
    assert got.returncode == 0, got.stderr
    assert "TriggerObjectOrEventLabel = 'Case'" in parsed(got)["messages"][0]["content"]["text"]


def test_inspector_calls_a_flow_tool(tmp_path: Path) -> None:
    done = inspector(
        tmp_path,
        "--method",
        "tools/call",
        "--tool-name",
        "flow_Route_Support_Case",
        "--tool-arg",
        "priority=Low",
        "--tool-arg",
        "subject=Password reset",
    )
    assert done.returncode == 0, done.stderr
    result = parsed(done)
    # Low priority, no outage in the subject: first tier, a day's SLA.
    assert result["structuredContent"]["assignedQueue"] == "Tier 1 Support"
    assert result["structuredContent"]["slaHours"] == 24


def test_inspector_sees_a_tool_error_as_an_error(tmp_path: Path) -> None:
    done = inspector(
        tmp_path, "--method", "tools/call", "--tool-name", "get_flow", "--tool-arg", "flowId=../../sobjects/Account/1"
    )
    assert done.returncode == 5, (done.returncode, done.stdout, done.stderr)  # the CLI's exit code for isError
    assert "wrong format" in done.stdout


def test_inspector_strict_portability_check_finds_no_error(tmp_path: Path) -> None:
    """`--strict` lints every tool schema for portability (boolean schemas are errors; type unions, remote refs and
    schemas that accept anything are warnings). Before issue 11 the demo catalogue had 96 warnings, nearly all
    nullable output properties; now only create_flow_interview's input `value`, which is any JSON value on purpose."""
    done = inspector(tmp_path, "--method", "tools/list", "--strict")
    assert done.returncode == 0, done.stderr  # exit 6 on a portability error
    summary = done.stderr.strip().splitlines()[-1]
    assert summary == "0 errors, 1 warning across 1 tool.", done.stderr
    assert 'Warning: tool "create_flow_interview"' in done.stderr
