"""The embedded org as its own process (`salesforce-flow-mcp org serve` on a free loopback port) with test hooks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 180.0  # parsing a thousand flow files takes a few seconds on a slow machine
STOP_TIMEOUT = 10.0
_LISTENING = re.compile(rb"listening at (\S+)")


class OrgError(RuntimeError):
    pass


@dataclass
class Org:
    base_url: str
    token: str
    pid: int
    hooks: httpx2.AsyncClient

    async def set_latency(self, ms: float) -> None:
        response = await self.hooks.post("/__org/latency", json={"ms": ms})
        if response.status_code != 200:
            raise OrgError(f"could not set the org's latency: {response.status_code} {response.text}")

    async def status(self) -> dict[str, Any]:
        response = await self.hooks.get("/__org/status")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def api_usage(self) -> int:
        return int((await self.status())["apiUsage"])

    async def deploy(self, name: str, xml: str, *, activate: bool) -> None:
        """A new flow, or a new version of one (a draft when not activated), through the org's test hook."""
        params = {"name": name, "activate": "true" if activate else "false"}
        response = await self.hooks.post("/__org/flows", params=params, content=xml.encode())
        if response.status_code != 201:
            raise OrgError(f"could not deploy {name}: {response.status_code} {response.text}")


@asynccontextmanager
async def running_org(flows_dir: Path, token: str, log_path: Path) -> AsyncIterator[Org]:
    """Start the org on 127.0.0.1 (a free port), wait until it listens; stop it on the way out, whatever happened."""
    argv = [
        sys.executable,
        "-m",
        "salesforce_flow_mcp",
        "org",
        "serve",
        "--port",
        "0",
        "--flows",
        str(flows_dir),
        "--token",
        token,
    ]
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=log, cwd=ROOT)
    try:
        base_url = await asyncio.wait_for(_base_url(process, log_path), READY_TIMEOUT)
        async with httpx2.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as hooks:
            yield Org(base_url, token, process.pid, hooks)
    finally:
        await _stop(process)


async def _base_url(process: asyncio.subprocess.Process, log_path: Path) -> str:
    assert process.stdout is not None
    while True:
        line = await process.stdout.readline()
        if not line:
            tail = _tail(log_path)
            raise OrgError(f"the embedded org exited before listening (exit {process.returncode}):\n{tail}")
        found = _LISTENING.search(line)
        if found:
            return found.group(1).decode()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)  # uvicorn stops cleanly on SIGINT
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read()[-2000:].decode(errors="replace")
    except OSError:
        return ""
