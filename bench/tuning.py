"""The startup tuning's tricks (server/startup_tuning.py), each measured on its own: cold starts to the first complete
tools/list with the tuning off, with each trick alone and all but each (where there are several), and with all.

    .venv/bin/python -m bench.tuning [--repeats 5] [--count 1000] [--output docs/benchmarks.md]

`make bench` runs this too (bench/run.py); run alone, it rewrites only its section of the report.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import logging
import shutil
import sys
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from salesforce_flow_mcp.startup_tuning import ENV_VAR, TRICKS

from .flows import write_flows
from .measure import median
from .org_process import Org, running_org
from .scenarios import SERVER_ARGV, complete_tool_list, server_env, time_start
from .stdio_session import StdioSession

log = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent
TOKEN = "00D!bench-token"
HEADING = "## Startup tuning"


def variants() -> dict[str, str]:
    """Label -> the switch's value: off; each trick alone and all but each one (where that differs from all); all."""
    tricks = sorted(TRICKS)
    table = {"off": "off"}
    if len(tricks) > 1:
        table.update({f"{t} only": t for t in tricks})
    if len(tricks) > 2:
        table.update({f"all but {t}": ",".join(o for o in tricks if o != t) for t in tricks})
    table[f"all ({', '.join(tricks)}; the default)"] = "on"
    return table


@dataclass
class TuningResults:
    count: int
    latencies: tuple[int, ...]
    repeats: int
    seconds: dict[tuple[str, int], list[float]] = field(default_factory=dict)  # spawn -> complete tools/list
    cpu: dict[tuple[str, int], list[float]] = field(default_factory=dict)  # the server's CPU time until then


async def timed_start(env: dict[str, str], log_path: Path, flow_tools: int) -> tuple[float, float]:
    """(wall seconds, server CPU seconds) from spawn to the first tools/list that holds every flow tool."""
    session = await StdioSession.spawn(SERVER_ARGV, env, log_path)
    try:
        await session.initialize()
        arrived, _, _ = await complete_tool_list(session, flow_tools)
        return arrived - session.started, session.cpu_seconds()
    finally:
        await session.close()


async def measure(
    org: Org, count: int, latencies: tuple[int, ...], repeats: int, work: Path, only: tuple[str, ...] = ()
) -> TuningResults:
    """Every repeat starts every variant (or those whose switch value is in `only`) once per latency, cold (a fresh,
    empty describe cache each time)."""
    results = TuningResults(count, latencies, repeats)
    table = {label: value for label, value in variants().items() if not only or value in only}
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for repeat in range(repeats):
        for latency in latencies:
            await org.set_latency(latency)
            labels = list(table)
            labels = labels[repeat % len(labels) :] + labels[: repeat % len(labels)]  # drift hits all alike
            for label in labels:
                env = server_env(org, work / f"cache-{repeat}-{latency}-{len(results.seconds)}")
                env[ENV_VAR] = table[label]
                wall, cpu = await timed_start(env, logs / f"tuning-{repeat}-{latency}.log", count)
                results.seconds.setdefault((label, latency), []).append(wall)
                results.cpu.setdefault((label, latency), []).append(cpu)
                log.info("tuning %-15s %3d ms: %.3f s (cpu %.3f s)", label, latency, wall, cpu)
    await org.set_latency(0)
    return results


def render(results: TuningResults) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = {label: value for label, value in variants().items() if (label, results.latencies[0]) in results.seconds}
    head = " | ".join(f"{latency} ms: wall | {latency} ms: CPU" for latency in results.latencies)
    lines = [
        HEADING,
        "",
        f"From `python -m bench.tuning` (also part of `make bench`), {stamp}. "
        f"Cold starts to the first complete tools/list, {results.count} flows, median of {results.repeats} starts "
        f"per cell, with `{ENV_VAR}` set as shown (server/startup_tuning.py); in brackets, the difference from the "
        "tuning off. Wall: spawn to the last byte of tools/list; CPU: the server's user + system time until then "
        "(less disturbed than wall time by other work on a shared machine).",
        "",
        f"| tricks | `{ENV_VAR}` | {head} |",
        "|---|---|" + "---:|" * (2 * len(results.latencies)),
    ]
    for label, value in table.items():
        cells = []
        for latency in results.latencies:
            for series in (results.seconds, results.cpu):
                seconds = median(series[(label, latency)])
                change = "" if label == "off" else f" ({(seconds - median(series[('off', latency)])) * 1000:+.0f})"
                cells.append(f"{seconds * 1000:.0f} ms{change}")
        lines.append(f"| {label} | `{value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def splice(report: str, section: str) -> str:
    """`report` with its startup-tuning section replaced by `section` (added before "## Method" if it has none)."""
    start = report.find(HEADING)
    if start < 0:
        at = report.find("## Method")
        at = len(report) if at < 0 else at
        return report[:at] + section + "\n" + report[at:]
    end = report.find("\n## ", start + len(HEADING))
    return report[:start] + section + ("\n" + report[end + 1 :] if end >= 0 else "")


async def run(args: argparse.Namespace) -> TuningResults:
    work = Path(tempfile.mkdtemp(prefix="salesforce-flow-mcp-bench-tuning-"))
    try:
        async with AsyncExitStack() as stack:
            write_flows(work / "flows", args.count)
            (work / "logs").mkdir()
            org = await stack.enter_async_context(running_org(work / "flows", TOKEN, work / "logs" / "org.log"))
            await time_start(SERVER_ARGV, server_env(org, None), work / "logs" / "warmup.log", args.count)
            return await measure(org, args.count, tuple(args.latencies), args.repeats, work, tuple(args.only))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("bench: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    parser = argparse.ArgumentParser(prog="python -m bench.tuning", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="starts per cell (the median is reported)")
    parser.add_argument("--count", type=int, default=1000, help="invocable flows in the org")
    parser.add_argument("--latencies", type=lambda t: [int(p) for p in t.split(",")], default=[0, 50])
    parser.add_argument("--only", type=lambda t: t.split(";"), default=[], help="switch values to run, ';'-separated")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md", help="report to update")
    args = parser.parse_args(argv)
    section = render(asyncio.run(run(args)))
    report = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    args.output.write_text(splice(report, section), encoding="utf-8")
    log.info("startup tuning section written to %s", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
