"""manifest.json passes the official MCPB validator and matches the server it describes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from salesforce_flow_mcp import __version__
from salesforce_flow_mcp.tools.operations import OPERATION_TOOLS
from tests.support import REPO

MANIFEST = REPO / "manifest.json"
MCPB = REPO / "node_modules" / ".bin" / "mcpb"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot run the official mcpb validator")
def test_official_validator_accepts_the_manifest() -> None:
    assert MCPB.exists(), "npm is present but @anthropic-ai/mcpb is not installed: run `make install`"
    done = subprocess.run([str(MCPB), "validate", str(MANIFEST)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passes" in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot run the official mcpb validator")
def test_official_validator_rejects_a_broken_manifest(tmp_path: Path) -> None:
    broken = json.loads(MANIFEST.read_text())
    del broken["author"]
    path = tmp_path / "broken-manifest.json"
    path.write_text(json.dumps(broken))
    done = subprocess.run([str(MCPB), "validate", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "author: Required" in done.stdout + done.stderr, "refused for the missing author, not for its location"


def test_manifest_describes_this_server() -> None:
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["version"] == __version__
    assert {t["name"] for t in manifest["tools"]} == {t.name for t in OPERATION_TOOLS}
    assert manifest["tools_generated"] is True, "per-flow tools are generated at runtime"
    config = manifest["user_config"]
    assert config["access_token"]["sensitive"] is True and config["instance_url"]["type"] == "string"
    env = manifest["server"]["mcp_config"]["env"]
    assert env["SALESFORCE_INSTANCE_URL"] == "${user_config.instance_url}"
    assert env["SALESFORCE_ACCESS_TOKEN"] == "${user_config.access_token}"
