"""The official MCP Inspector CLI signs in by its own OAuth login (no token handed to it): it discovers our
authorization server, registers (dynamically, or by its `--client-metadata-url` document), prints the authorization
URL and waits on its loopback callback listener; a browser stand-in opens that URL, signs in at the embedded org's
login page and lands on the listener; the Inspector exchanges the code and calls a flow tool as that person.

The Inspector's behaviour followed (npm @modelcontextprotocol/inspector 2.12.0, clients/cli/build/index.js, from its
source at github.com/modelcontextprotocol/inspector, core/cli/cli-oauth-navigation.ts and the CLI's --help): the
URL is written to stderr as "Please navigate to: <url>"; without a TTY interactive OAuth needs
MCP_AUTO_OPEN_ENABLED=true (it then also tries to open a browser, which fails quietly here: there is none);
`--callback-url` must be a loopback http URL, where it listens for the redirect. Our side: MCP 2025-11-25
"Authorization" (https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from .browser import Browser
from .procs import free_port
from .test_client_document_signin import Setup, server_with_documents
from .test_oauth import ALICE, BOB

REPO = Path(__file__).resolve().parents[2]
INSPECTOR = REPO / "node_modules" / ".bin" / "mcp-inspector"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: no MCP Inspector"),
    pytest.mark.skipif(not INSPECTOR.exists(), reason="the MCP Inspector (npm) is not installed: run make install"),
]
_NAVIGATE = re.compile(r"Please navigate to: (\S+)")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with server_with_documents(tmp_path_factory.mktemp("inspector-oauth")) as ready:
        yield ready


def inspector_login(
    setup: Setup, home: Path, username: str, callback: str, *extra: str
) -> tuple[dict[str, Any], list[str]]:
    """Runs the Inspector CLI to call flow_Who_Am_I, walks its login as `username`; its result and stderr lines."""
    command = [
        str(INSPECTOR),
        "--cli",
        *("--transport", "http", "--server-url", setup.server.url, "--callback-url", callback),
        *extra,
        *("--method", "tools/call", "--tool-name", "flow_Who_Am_I"),
    ]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "MCP_AUTO_OPEN_ENABLED": "true", "NO_COLOR": "1"}
    out = home / "inspector.stdout"  # a file: stderr is read line by line by the pump, and only by it
    with out.open("w") as stdout_file:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=stdout_file, stderr=subprocess.PIPE, env=env, text=True
        )
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = None
        while url is None:
            line = lines.get(timeout=120)
            if line is None:
                raise AssertionError(f"the Inspector ended before asking for a login: {''.join(seen)}")
            seen.append(line)
            found = _NAVIGATE.search(line)
            url = found.group(1) if found else None
        anyio.run(Browser(username, callback, deliver=True).open, url)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while (line := lines.get(timeout=10)) is not None:
        seen.append(line)
    assert process.returncode == 0, "".join(seen)
    return json.loads(out.read_text()), seen


def test_the_inspector_signs_in_by_its_own_oauth_login(setup: Setup, tmp_path: Path) -> None:
    """Dynamic registration (the Inspector has no document here), PKCE, the code at its callback listener."""
    callback = f"http://127.0.0.1:{free_port()}/oauth/callback"
    result, stderr = inspector_login(setup, tmp_path, ALICE, callback)
    assert result["structuredContent"]["username"] == ALICE
    assert any("Authorization complete" in line for line in stderr)


def test_the_inspector_signs_in_with_a_client_metadata_document(setup: Setup, tmp_path: Path) -> None:
    """`--client-metadata-url`: the Inspector's client_id is the document's URL (MCP 2025-11-25 "Client ID Metadata
    Documents"); the document lists the Inspector's callback as its redirect URI."""
    path = "/inspector/client-metadata.json"
    url = setup.documents.url(path)
    callback = f"http://127.0.0.1:{free_port()}/oauth/callback"  # the document lists this run's listener
    setup.documents.put_document(
        path,
        {
            "client_id": url,
            "client_name": "MCP Inspector",
            "redirect_uris": [callback],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
        },
    )
    result, _ = inspector_login(setup, tmp_path, BOB, callback, "--client-metadata-url", url)
    assert result["structuredContent"]["username"] == BOB
    assert setup.documents.hits[path] >= 1
