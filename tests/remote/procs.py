"""Starting `serve --transport http` (and the embedded org) as real processes for the remote-server tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + "/mcp"

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def wait_listening(process: subprocess.Popen[bytes], port: int, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(f"server exited {process.returncode}: {log.read_text()}") from None
            time.sleep(0.1)
    raise AssertionError(f"server did not listen within {seconds} s: {log.read_text()}")


@contextmanager
def serve_http(
    args: Sequence[str], tmp: Path, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[Served]:
    """`salesforce-flow-mcp serve --transport http --port P ARGS`, stderr to a file (it may print a token)."""
    port = port or free_port()
    log = tmp / f"serve-{port}.stderr"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    command = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--transport", "http", "--port", str(port)]
    with log.open("wb") as err:
        process = subprocess.Popen(
            [*command, *args], stdout=subprocess.DEVNULL, stderr=err, env={**clean, **(env or {})}
        )
    try:
        wait_listening(process, port, log)
        yield Served(process, port, log)
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
