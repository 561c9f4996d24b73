"""The official MCP conformance suite (npm @modelcontextprotocol/conformance, server mode, every scenario of each
spec version) against `serve --transport http`, with the expected failures listed and explained in
tests/remote/conformance/ (all of them need the suite's own reference tools, prompts and resources).

The suite needs Node 22 (fs.globSync); on Node 20 tests/remote/node20/ supplies that one function by a loader hook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .procs import serve_http

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
HERE = Path(__file__).parent


def node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the MCP conformance suite (npm) cannot run")
    if not SUITE.exists():
        pytest.skip("npm @modelcontextprotocol/conformance is not installed (make install runs npm ci)")
    major = int(re.sub(r"\D.*", "", subprocess.run([node, "--version"], capture_output=True, text=True).stdout[1:]))
    shim = [] if major >= 22 else ["--import", str(HERE / "node20" / "register.mjs")]
    return [node, *shim, str(SUITE)]


@pytest.mark.parametrize("spec_version", ["2025-11-25", "2026-07-28"])
def test_the_conformance_suite_passes_but_for_the_listed_failures(tmp_path: Path, spec_version: str) -> None:
    command = node_command()
    expected = HERE / "conformance" / f"expected-failures-{spec_version}.yaml"
    with serve_http(["--demo", "--auth", "none"], tmp_path) as served:
        done = subprocess.run(
            [
                *command,
                *("server", "--url", served.url, "--suite", "all", "--spec-version", spec_version),
                *("--expected-failures", str(expected), "-o", str(tmp_path / "results")),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1"},
        )
    report = done.stderr + done.stdout
    assert done.returncode == 0, report[-4000:]
    assert "Baseline check passed" in report
    passed = re.search(r"Total: (\d+) passed, (\d+) failed", report)
    assert passed and int(passed.group(1)) > 40, report[-2000:]
