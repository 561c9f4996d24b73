"""Raw JSON-RPC over a server's stdin/stdout: the cheapest, most exact way to time an MCP server from outside.

One reader task reads stdout lines and hands each response to the request waiting for it, stamped with the moment
its last byte arrived. Notifications (tools/list_changed...) are counted and otherwise ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

PROTOCOL_VERSION = "2025-11-25"
LINE_LIMIT = 256 * 1024 * 1024  # a tools/list of thousands of tools is one long line
STOP_TIMEOUT = 10.0


class SessionError(RuntimeError):
    """The server died, answered with an error, or did not answer in time; the message has its stderr tail."""


@dataclass(frozen=True)
class Response:
    message: dict[str, Any]
    size: int  # bytes of the JSON line, newline included
    arrived: float  # time.perf_counter() when the whole line was read


class StdioSession:
    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path, started: float) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.started = started  # time.perf_counter() just before the process was spawned
        self.notifications = 0
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[Response]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def spawn(cls, argv: Sequence[str], env: Mapping[str, str], stderr_path: Path) -> StdioSession:
        stderr: BinaryIO = stderr_path.open("wb")
        try:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=dict(env),
                limit=LINE_LIMIT,
            )
        finally:
            stderr.close()  # the child has its own copy
        return cls(process, stderr_path, started)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                line = await stdout.readline()
                arrived = time.perf_counter()
                if not line:
                    break
                message = json.loads(line)
                pending = self._waiting.pop(message.get("id"), None) if "id" in message else None
                if pending is None:
                    self.notifications += 1
                elif not pending.done():
                    pending.set_result(Response(message, len(line), arrived))
        except Exception as exc:  # a broken stream fails every waiter instead of hanging it
            self._fail_all(exc)
            return
        self._fail_all(SessionError(f"the server closed stdout (exit {self.process.returncode}){self._stderr_tail()}"))

    def _fail_all(self, exc: BaseException) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(exc)
        self._waiting.clear()

    def _stderr_tail(self) -> str:
        try:
            tail = self.stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        except OSError:
            return ""
        return f"\n--- server stderr ({self.stderr_path}) ---\n{tail}" if tail.strip() else ""

    def _write(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def send(self, method: str, params: dict[str, Any] | None = None) -> asyncio.Future[Response]:
        """Write a request; the future resolves with its response."""
        self._next_id += 1
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self._write(message)
        stdin = self.process.stdin
        assert stdin is not None
        await stdin.drain()
        return future

    async def request(self, method: str, params: dict[str, Any] | None = None, wait: float = 120.0) -> Response:
        future = await self.send(method, params)
        try:
            response = await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise SessionError(f"no answer to {method} within {wait}s{self._stderr_tail()}") from None
        if "error" in response.message:
            raise SessionError(f"{method} failed: {response.message['error']}")
        return response

    async def notify(self, method: str) -> None:
        self._write({"jsonrpc": "2.0", "method": method})
        stdin = self.process.stdin
        assert stdin is not None
        await stdin.drain()

    async def initialize(self) -> Response:
        """The handshake as a host does it: initialize, wait for the answer, then notifications/initialized."""
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "salesforce-flow-mcp-bench", "version": "1"},
        }
        response = await self.request("initialize", params)
        await self.notify("notifications/initialized")
        return response

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Response:
        response = await self.request("tools/call", {"name": name, "arguments": arguments})
        if response.message["result"].get("isError"):
            raise SessionError(f"{name} failed: {response.message['result'].get('content')}")
        return response

    def peak_rss_kib(self) -> int:
        """VmHWM: the most resident memory the process ever had, in KiB (read while it is alive)."""
        return read_peak_rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (read while it is alive)."""
        return read_cpu_seconds(self.pid)

    async def close(self) -> None:
        """Close stdin (the server's signal to exit); kill it if it does not exit in time."""
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


def read_peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SessionError(f"no VmHWM for process {pid}")


def read_cpu_seconds(pid: int) -> float:
    # /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the parenthesised name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(extra)
    return env
