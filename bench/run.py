"""`make bench`: start-up, tools/list size, call latency, throughput, memory and the startup tuning, in one run.

    .venv/bin/python -m bench.run [--repeats 7] [--counts 10,200,1000] [--output docs/benchmarks.md]

Everything runs on 127.0.0.1: one embedded org process per flow count (started before any timing), the server and
the floor server as stdio subprocesses. Every process is stopped at the end, also when something fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from . import engine, soak, tuning
from .catalogue_size import CORPUS, embedded_catalogue
from .flows import flow_name, write_flows
from .idle import IDLE_FLOWS, measure_idle, prepare_idle_org
from .org_process import Org, running_org
from .report import render
from .scenarios import (
    FLOOR_ARGV,
    SERVER_ARGV,
    Results,
    floor_env,
    measure_calls,
    server_env,
    started_session,
    time_start,
)

log = logging.getLogger("bench")
TOKEN = "00D!bench-token"
ROOT = Path(__file__).resolve().parent.parent


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="starts per cell (the median is reported)")
    parser.add_argument("--counts", type=_ints, default=(10, 200, 1000), help="invocable flows per org")
    parser.add_argument("--latencies", type=_ints, default=(0, 50), help="added org latency per request, in ms")
    parser.add_argument("--calls", type=int, default=400, help="sequential calls per target")
    parser.add_argument("--throughput-calls", type=int, default=320, help="calls per throughput block")
    parser.add_argument("--width", type=int, default=32, help="calls in flight for throughput")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md", help="report file")
    parser.add_argument("--tuning-repeats", type=int, default=5, help="starts per startup-tuning cell (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, flows, caches)")
    return parser.parse_args(argv)


async def measure_starts(results: Results, orgs: dict[int, Org], work: Path) -> None:
    """Each repeat visits every cell once (cold then warm on a fresh cache) and starts the floor twice."""
    logs = work / "logs"
    one_org = orgs[max(orgs)]
    floor = floor_env(one_org, flow_name(1))
    # Untimed first starts: bytecode compiled, files in the page cache, for both servers alike.
    await time_start(FLOOR_ARGV, floor, logs / "floor-warmup.log", 1)
    await time_start(SERVER_ARGV, server_env(one_org, None), logs / "server-warmup.log", max(orgs))
    for repeat in range(results.repeats):
        await one_org.set_latency(0)
        results.floor_starts.append(await time_start(FLOOR_ARGV, floor, logs / f"floor-{repeat}-a.log", 1))
        for count in results.counts:
            org = orgs[count]
            for latency in results.latencies:
                await org.set_latency(latency)
                cache = work / f"cache-{count}-{latency}-{repeat}"
                env = server_env(org, cache)
                for kind in ("cold", "warm"):
                    log_path = logs / f"server-{count}-{latency}-{kind}-{repeat}.log"
                    sample = await time_start(SERVER_ARGV, env, log_path, count, org)
                    results.starts.setdefault((count, latency, kind), []).append(sample)
                    log.info("%5d flows %3d ms %s: %.3f s", count, latency, kind, sample.seconds)
                await org.set_latency(0)
        await one_org.set_latency(0)
        results.floor_starts.append(await time_start(FLOOR_ARGV, floor, logs / f"floor-{repeat}-b.log", 1))
        log.info("floor: %.3f s", results.floor_starts[-1].seconds)


async def measure_call_phase(results: Results, org: Org, count: int, work: Path, args: argparse.Namespace) -> None:
    await org.set_latency(0)
    flow = flow_name(1)
    logs = work / "logs"
    cache = work / "cache-calls"
    async with AsyncExitStack() as stack:
        server = await started_session(SERVER_ARGV, server_env(org, cache), logs / "server-calls.log", count)
        stack.push_async_callback(server.close)
        floor = await started_session(FLOOR_ARGV, floor_env(org, flow), logs / "floor-calls.log", 1)
        stack.push_async_callback(floor.close)
        results.calls = await measure_calls(org, flow, server, floor, args.calls, args.throughput_calls, args.width)
        results.rss_kib = {"server": server.peak_rss_kib(), "floor": floor.peak_rss_kib()}
    results.call_flows = count
    results.width = args.width


async def run(args: argparse.Namespace) -> tuple[Results, tuning.TuningResults | None]:
    results = Results(counts=tuple(args.counts), latencies=tuple(args.latencies), repeats=args.repeats)
    work = Path(tempfile.mkdtemp(prefix="salesforce-flow-mcp-bench-"))
    (work / "logs").mkdir()
    started = time.perf_counter()
    try:
        async with AsyncExitStack() as stack:
            orgs: dict[int, Org] = {}
            for count in results.counts:
                folder = work / f"flows-{count}"
                write_flows(folder, count)
                org_log = work / "logs" / f"org-{count}.log"
                orgs[count] = await stack.enter_async_context(running_org(folder, TOKEN, org_log))
                log.info("org with %d flows at %s", count, orgs[count].base_url)
            idle_folder = work / "flows-idle"
            write_flows(idle_folder, IDLE_FLOWS)
            idle_org = await stack.enter_async_context(running_org(idle_folder, TOKEN, work / "logs" / "org-idle.log"))
            await prepare_idle_org(idle_org)
            results.idle = await measure_idle(idle_org, work)
            log.info("idle org: %.1f API calls per refresh", results.idle.per_refresh)
            results.demo = await embedded_catalogue(work / "logs" / "demo.log")
            results.corpus = await embedded_catalogue(work / "logs" / "corpus.log", CORPUS)
            await measure_starts(results, orgs, work)
            biggest = max(results.counts)
            await measure_call_phase(results, orgs[biggest], biggest, work, args)
            tuned = None
            if args.tuning_repeats > 0:
                tuned = await tuning.measure(orgs[biggest], biggest, results.latencies, args.tuning_repeats, work)
    except BaseException:
        log.error("benchmark failed; logs kept in %s", work / "logs")
        raise
    results.wall_seconds = time.perf_counter() - started
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        log.info("work folder kept: %s", work)
    return results, tuned


def main(argv: list[str] | None = None) -> int:
    # Only our own progress lines: library loggers (httpx2 logs every request) stay quiet and cost nothing.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("bench: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    args = parse_args(argv)
    results, tuned = asyncio.run(run(args))
    command = "make bench" if argv is None and len(sys.argv) == 1 else "python -m bench.run " + " ".join(sys.argv[1:])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    kept = soak.SECTION.existing(args.output)  # `make soak` writes its own section
    kept_engine = engine.SECTION.existing(args.output)  # and bench/engine.py its own
    report = render(results, command)
    if tuned is not None:
        report = tuning.splice(report, tuning.render(tuned))
    args.output.write_text(
        report + (f"\n{kept}\n" if kept else "") + (f"\n{kept_engine}\n" if kept_engine else ""), encoding="utf-8"
    )
    log.info("results written to %s (%.0f s)", args.output, results.wall_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
