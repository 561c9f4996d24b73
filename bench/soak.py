"""`make soak`: 10,000 fuzzed lines over stdio against `serve --demo`; every line answered, and the server's memory.

    .venv/bin/python -m bench.soak [--calls 10000] [--seed 15] [--output docs/benchmarks.md]

Resident memory (VmRSS) is read at the start, after a warm-up of 200 lines and at the end; the result goes into the
"Soak" section of docs/benchmarks.md (kept when `make bench` rewrites the rest of the page).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fuzz import FuzzLine, fuzz_lines
from .sections import Section, bench_arguments

SECTION = Section("<!-- soak: written by make soak -->", "<!-- /soak -->")
LINE_LIMIT = 64 * 1024 * 1024
WARM_UP = 200


class Unanswered(AssertionError):
    """A line got no answer, or the wrong one."""


@dataclass
class FuzzReport:
    lines: int = 0
    answered: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    rss_kib: list[int] = field(default_factory=list)  # at the start, after the warm-up, at the end
    seconds: float = 0.0


def read_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _next_response(stdout: asyncio.StreamReader, wait: float) -> dict[str, Any]:
    """The next JSON-RPC response on stdout; notifications in between are skipped."""
    while True:
        line = await asyncio.wait_for(stdout.readline(), wait)
        if not line:
            raise Unanswered("the server closed stdout")
        message = json.loads(line)  # stdout is pure JSON-RPC: anything else fails here
        if "id" in message and ("result" in message or "error" in message):
            return dict(message)


def _outcome(message: dict[str, Any]) -> str:
    if "error" in message:
        return f"error {message['error'].get('code')}"
    return "tool error" if message["result"].get("isError") else "result"


async def drive(
    process: asyncio.subprocess.Process,
    lines: Iterable[FuzzLine],
    *,
    wait: float = 30.0,
    report: FuzzReport | None = None,
    rss_after: int | None = None,
) -> FuzzReport:
    """Send each line, then read its answer before the next (so answers match lines); raise Unanswered on a miss."""
    assert process.stdin is not None and process.stdout is not None
    report = report or FuzzReport()
    started = time.perf_counter()
    for line in lines:
        report.lines += 1
        process.stdin.write(line.raw + b"\n")
        await process.stdin.drain()
        if not line.answered:
            continue
        try:
            message = await _next_response(process.stdout, wait)
        except TimeoutError:
            shown = line.raw[:200]
            raise Unanswered(f"no answer within {wait}s to line {report.lines} ({line.kind}): {shown!r}") from None
        if message["id"] != line.expect_id:
            raise Unanswered(f"line {report.lines} ({line.kind}) got id {message['id']!r}, not {line.expect_id!r}")
        report.answered += 1
        report.by_code[_outcome(message)] += 1
        if rss_after is not None and report.lines == rss_after:
            report.rss_kib.append(read_rss_kib(process.pid))
    report.seconds += time.perf_counter() - started
    return report


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}},
}


@contextlib.asynccontextmanager
async def demo_server(stderr_path: Path, env: dict[str, str] | None = None) -> Any:
    """`serve --demo` over stdio, initialized; closed (stdin EOF, then killed if it lingers) on exit."""
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "salesforce_flow_mcp",
            "serve",
            "--demo",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "SALESFORCE_REFRESH_INTERVAL": "0", **(env or {})},
            limit=LINE_LIMIT,
        )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
        await process.stdin.drain()
        await _next_response(process.stdout, 60)
        process.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        await process.stdin.drain()
        yield process
    finally:
        if not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


async def soak(calls: int, seed: int) -> FuzzReport:
    with tempfile.TemporaryDirectory(prefix="sfm-soak-") as work:
        async with demo_server(Path(work) / "stderr.log") as process:
            report = FuzzReport()
            report.rss_kib.append(read_rss_kib(process.pid))  # initialized, no call yet
            lines = list(fuzz_lines(seed, calls))
            await drive(process, lines[:WARM_UP], report=report, rss_after=WARM_UP)
            await drive(process, lines[WARM_UP:], report=report)
            report.rss_kib.append(read_rss_kib(process.pid))
    return report


def render(report: FuzzReport, calls: int, seed: int) -> str:
    start, warm, after = (kib / 1024 for kib in report.rss_kib)
    outcomes = ", ".join(f"{name}: {count:,}" for name, count in sorted(report.by_code.items()))
    summary = (
        f"`make soak`: {calls:,} lines from `bench/fuzz.py` (seed {seed}: tool calls with fuzzed arguments, and lines "
        f"that are not valid JSON-RPC) against `serve --demo`, one at a time, in {report.seconds:.0f} s. Every line "
        f"was answered ({report.answered:,} answers; {outcomes})."
    )
    note = (
        "The demo org runs in the same process, so its SQLite store (the records the fuzzed flow calls create) is "
        "part of the figure."
    )
    return SECTION.wrap(
        (
            "## Soak: fuzzed lines over stdio",
            "",
            textwrap.fill(summary, 118),
            "",
            "| resident memory (VmRSS) | MiB |",
            "|---|---|",
            f"| at the start (initialized, no call yet) | {start:.1f} |",
            f"| after {WARM_UP} lines (everything imported, caches warm) | {warm:.1f} |",
            f"| after {calls:,} lines | {after:.1f} |",
            f"| end / start | {after / start:.2f}x (goal: at most 1.5x) |",
            f"| end / warm | {after / warm:.2f}x |",
            "",
            textwrap.fill(note, 118),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = bench_arguments("python -m bench.soak", __doc__ or "")
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    report = asyncio.run(soak(args.calls, args.seed))
    section = render(report, args.calls, args.seed)
    SECTION.write(args.output, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
