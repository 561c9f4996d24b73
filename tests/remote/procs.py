"""Starting `serve --transport http` (and the embedded org) as real processes for the remote-server tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    base_url: str = field(init=False)  # http://127.0.0.1:PORT
    url: str = field(init=False)  # the MCP endpoint

    def __post_init__(self) -> None:
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.url = self.base_url + "/mcp"

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


_LISTENING = re.compile(r"MCP over streamable HTTP at http://[^/\s]+:(\d+)/mcp")


def wait_listening(process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> int:
    """The port the server says it listens on (it prints it once its socket is bound, so --port 0 needs no guess)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}: {log.read_text()}")
        time.sleep(0.1)
    raise AssertionError(f"server did not listen within {seconds} s: {log.read_text()}")


@contextmanager
def serve_http(args: Sequence[str], tmp: Path, env: dict[str, str] | None = None, port: int = 0) -> Iterator[Served]:
    """`salesforce-flow-mcp serve --transport http --port P ARGS` (P 0 by default: the server picks one and prints
    it), stderr to a file (it may print a token)."""
    log = Path(tempfile.mkstemp(dir=tmp, prefix="serve-", suffix=".stderr")[1])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    command = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--transport", "http", "--port", str(port)]
    with log.open("wb") as err:
        process = subprocess.Popen(
            [*command, *args], stdout=subprocess.DEVNULL, stderr=err, env={**clean, **(env or {})}
        )
    try:
        printed = wait_listening(process, log)
        yield Served(process, port or printed, log)  # with --public-url the line names the public URL
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bearer_client(url: str, token: str | None, mode: str) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers, timeout=60))
    return Client(transport, mode=mode)  # type: ignore[arg-type]
