"""The MCP Bundle round trip, as Claude Desktop does it: `make bundle` packs with the official `mcpb pack`, the official
`mcpb unpack` lays it into an empty folder, the official `getMcpConfigForManifest` (what hosts use to turn the
manifest's mcp_config and the user's settings into a command line) says how to start it, and the server starts so
with a clean environment, on a PATH that holds only a Python without our dependencies, and answers over stdio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.support import REPO

MCPB = REPO / "node_modules" / ".bin" / "mcpb"
MAX_BUNDLE_BYTES = 30_000_000
RESOLVE = """
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";
const [manifestPath, folder, userConfig] = process.argv.slice(1);
const { readFileSync } = await import("node:fs");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const config = await getMcpConfigForManifest({
  manifest, extensionPath: folder, systemDirs: {}, userConfig: JSON.parse(userConfig), pathSeparator: "/",
});
console.log(JSON.stringify(config));
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),  # pip installs the dependencies into the bundle: a minute or two on a loaded machine
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: no official mcpb to pack with"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert MCPB.exists(), "npm is present but @anthropic-ai/mcpb is not installed: run `make install`"
    work = tmp_path_factory.mktemp("bundle")
    output = work / "salesforce-flow-mcp.mcpb"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "packaging" / "build_bundle.py"),
            "--folder",
            str(work / "layout"),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return output


def test_the_bundle_is_small_and_holds_only_the_server(bundle: Path) -> None:
    assert bundle.stat().st_size < MAX_BUNDLE_BYTES, f"{bundle.stat().st_size / 1e6:.1f} MB"
    names = zipfile.ZipFile(bundle).namelist()
    assert "manifest.json" in names and "server/main.py" in names
    assert any(n.startswith("server/lib/salesforce_flow_mcp/") for n in names)
    assert any(n.startswith("server/lib/mcp/") for n in names), "the dependencies are inside"
    for unwanted in (".venv/", "node_modules/", "tests/", "build/", ".git/", "bench/", "docs/"):
        assert not any(n.startswith(unwanted) for n in names), f"the clone's {unwanted} is not in the bundle"
    assert not any("__pycache__/" in n for n in names)
    validated = subprocess.run(
        [str(MCPB), "validate", str(bundle.parent / "layout" / "manifest.json")], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


@pytest.fixture
def installed(bundle: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """The bundle unpacked into an empty folder, and the command line a host makes of its manifest (demo on)."""
    folder = tmp_path / "installed"
    folder.mkdir()
    unpacked = subprocess.run([str(MCPB), "unpack", str(bundle), str(folder)], capture_output=True, text=True)
    assert unpacked.returncode == 0, unpacked.stdout + unpacked.stderr
    resolved = subprocess.run(
        ["node", "--input-type=module", "-e", RESOLVE, str(folder / "manifest.json"), str(folder), '{"demo": true}'],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert resolved.returncode == 0, resolved.stderr
    config: dict[str, Any] = json.loads(resolved.stdout)
    assert config["command"] == ("python" if sys.platform == "win32" else "python3")
    assert config["args"] == [f"{folder}/server/main.py", "serve"]
    # A PATH with only a Python that has none of our dependencies (the base interpreter, not the test venv).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / config["command"]).symlink_to(sys._base_executable)  # type: ignore[attr-defined]
    bare = subprocess.run([str(bin_dir / config["command"]), "-c", "import mcp"], capture_output=True, env={})
    assert bare.returncode != 0, "the Python on PATH must not have mcp installed, or the test proves nothing"
    return config, bin_dir


@pytest.mark.anyio
async def test_the_unpacked_bundle_starts_as_its_manifest_says(
    installed: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    config, bin_dir = installed
    env = {**config["env"], "PATH": str(bin_dir), "HOME": str(tmp_path / "home")}
    server = StdioServerParameters(command=str(bin_dir / config["command"]), args=config["args"], env=env)
    async with Client(server, mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "flow_Quote_Discount_Calculator" in names and "list_invocable_flows" in names
        result = await client.call_tool("list_invocable_flows", {})
        assert not result.is_error
        assert any(a["name"] == "Quote_Discount_Calculator" for a in (result.structured_content or {})["actions"])
