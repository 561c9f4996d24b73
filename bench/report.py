"""docs/benchmarks.md from one run's results: the machine, the tables, the goals as ratios to the floor."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from .catalogue_size import FLOW_TOOL_BUDGET, OPERATIONS_BUDGET, CatalogueSize, structure_floor
from .measure import median
from .notes import notes
from .scenarios import THROUGHPUT_BLOCKS, Results, StartSample


@dataclass(frozen=True)
class Goal:
    name: str
    measured: str
    floor: str
    ratio: float
    limit: str
    passed: bool


def machine() -> list[str]:
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    mem_kib = _proc_field("/proc/meminfo", "MemTotal")
    memory = f"{int(mem_kib.split()[0]) / 1024 / 1024:.1f} GiB" if mem_kib else "unknown"
    return [
        f"- `uname -a`: `{uname}`",
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}",
        f"- Python {platform.python_version()}; mcp {_version('mcp')}, httpx2 {_version('httpx2')}",
    ]


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _ms1(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _med(samples: list[StartSample]) -> float:
    return median([s.seconds for s in samples])


def goals(results: Results) -> list[Goal]:
    top, slow = max(results.counts), max(results.latencies)
    out: list[Goal] = []
    for kind, limit in (("cold", 1.5), ("warm", 1.2)):
        samples = results.starts.get((top, slow, kind))
        if samples and results.floor_starts:
            floor_start = _med(results.floor_starts)
            ratio = _med(samples) / floor_start
            name = f"{kind} start to tools/list, {top} flows, {slow} ms"
            out.append(Goal(name, _ms(_med(samples)), _ms(floor_start), ratio, f"<= {limit}x", ratio <= limit))
    calls = results.calls
    if calls:
        direct = calls["direct"].latency.p50
        ours, floor = calls["server"].latency.p50 - direct, calls["floor"].latency.p50 - direct
        ratio = ours / floor if floor > 0 else float("inf")
        name = "per-call overhead over the direct call (p50)"
        out.append(Goal(name, _ms1(ours), _ms1(floor), ratio, "<= 1.2x", ratio <= 1.2))
        ours_rate, floor_rate = median(calls["server"].throughput), median(calls["floor"].throughput)
        ratio = ours_rate / floor_rate
        name = f"throughput, {results.width} calls in flight"
        out.append(Goal(name, f"{ours_rate:.0f}/s", f"{floor_rate:.0f}/s", ratio, ">= 0.9x", ratio >= 0.9))
    idle = results.idle
    if idle is not None:
        ratio = idle.per_refresh / idle.naive_per_refresh if idle.naive_per_refresh else float("inf")
        name = f"API calls per refresh of an unchanged org ({idle.flows} flows)"
        floor = f"{idle.naive_per_refresh} (re-describe)"
        out.append(Goal(name, f"{idle.per_refresh:g}", floor, ratio, "<= 2 calls", idle.per_refresh <= 2))
    if results.rss_kib:
        ours_rss, floor_rss = results.rss_kib["server"], results.rss_kib["floor"]
        ratio = ours_rss / floor_rss
        name = f"peak RSS ({results.call_flows} flow tools)"
        out.append(Goal(name, _mib(ours_rss), _mib(floor_rss), ratio, "<= 1.5x", ratio <= 1.5))
    return out


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def render(results: Results, command: str) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); every number below comes from the one run described here.",
        "",
        f"- Command: `{command}` (from the repository root; {results.repeats} starts per cell, medians reported)",
        f"- Date: {now}; the run took {results.wall_seconds:.0f} s",
        *machine(),
        "",
        "## Goals (ratios to the floor, measured in the same run)",
        "",
        "| goal | salesforce-flow-mcp | floor | ratio | limit | result |",
        "|---|---:|---:|---:|---|---|",
    ]
    for goal in goals(results):
        verdict = "pass" if goal.passed else "**FAIL**"
        lines.append(f"| {goal.name} | {goal.measured} | {goal.floor} | {goal.ratio:.2f}x | {goal.limit} | {verdict} |")
    lines += _idle_table(results)
    lines += _start_tables(results)
    lines += _call_tables(results)
    lines += ["", notes().strip(), ""]
    return "\n".join(lines)


def _idle_table(results: Results) -> list[str]:
    idle = results.idle
    if idle is None:
        return []
    per_day, naive_per_day = idle.per_day, idle.naive_per_day
    return [
        "",
        "## API calls on an idle org (the daily allowance)",
        "",
        f"An org of {idle.flows} invocable flows ({idle.drafted} with a newer draft than their active version, "
        f"{idle.namespaced} namespaced) where nothing changes; the server refreshes its catalogue every 300 s (the "
        f"default). Per refresh: the API calls the org counted over {idle.refreshes} refreshes, divided by "
        f"{idle.refreshes} (every composite subrequest counts, as Salesforce counts them). Re-describe: what a "
        "refresh costs that describes every flow again, measured as the calls of a start with an empty describe "
        "cache. A Developer Edition org has 15,000 API calls a day.",
        "",
        "| refresh | API calls per refresh | per day (every 300 s) | share of 15,000 a day |",
        "|---|---:|---:|---:|",
        f"| salesforce-flow-mcp | {idle.per_refresh:g} | {per_day:,.0f} | {per_day / 15_000:.1%} |",
        f"| naive re-describe | {idle.naive_per_refresh} | {naive_per_day:,.0f} | {naive_per_day / 15_000:.0%} |",
    ]


def _start_tables(results: Results) -> list[str]:
    floor = results.floor_starts
    lines = [
        "",
        "## Process start to the first complete tools/list",
        "",
        "Spawn of the server process to the last byte of the first tools/list answer that holds every flow tool "
        "(raw JSON-RPC over the pipe: initialize, wait, notifications/initialized, tools/list). Median of "
        f"{results.repeats} starts (min - max). Cold: empty describe cache; warm: a second start on the same org "
        "with the cache the cold start wrote. Requests: API calls the org counted during the start.",
        "",
        "| flows | org latency | cold | warm | requests cold / warm | warm / floor | cold / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor_start = _med(floor) if floor else float("nan")
    for count in results.counts:
        for latency in results.latencies:
            cold = results.starts.get((count, latency, "cold"), [])
            warm = results.starts.get((count, latency, "warm"), [])
            if not cold or not warm:
                continue
            lines.append(
                f"| {count} | {latency} ms | {_range(cold)} | {_range(warm)} "
                f"| {cold[0].org_requests} / {warm[0].org_requests} "
                f"| {_med(warm) / floor_start:.2f}x | {_med(cold) / floor_start:.2f}x |"
            )
    if floor:
        lines += [
            "",
            f"Floor (`bench/floor_server.py`, one tool, no org request at start): {_range(floor)} "
            f"over {len(floor)} starts; peak RSS at that point {_mib(int(median([s.peak_rss_kib for s in floor])))}.",
        ]
    lines += _size_table(results)
    return lines


def _size_cells(size: CatalogueSize | None) -> str:
    if size is None or not size.flow_tool_bytes:
        return "- | - | - | - | -"
    icons = size.icon_bytes / size.tools if size.tools else 0
    typical = "-"
    if size.typical_bytes is not None:
        typical = f"{len(size.typical_bytes)}: " + (
            f"{size.typical_median:,.0f} / {size.typical_max:,}" if size.typical_bytes else "none"
        )
    return f"{size.flow_median:,.0f} | {size.flow_max:,} | {typical} | {size.operations_bytes:,} | {icons:,.0f}"


def _size_table(results: Results) -> list[str]:
    lines = [
        "",
        "## tools/list size",
        "",
        "Response bytes: the whole tools/list answer as sent. The next columns measure each tool as compact JSON "
        "without its icons (hosts show icons; the model gets the rest on every turn): flow tools, median and max "
        "bytes per `flow_<ApiName>` tool; typical, the flow tools with 3-5 inputs and 2 outputs of their own (the "
        "issue's typical flow tool): how many, median / max; operations, the ten operation tools together; icons, "
        f"bytes of icons per tool. Budget: a typical flow tool at most {FLOW_TOOL_BUDGET} bytes, the operation "
        f"tools at most {OPERATIONS_BUDGET:,} bytes. The benchmark's flows have 4 inputs and 2 outputs, every one "
        "described; the corpus is the real flows of tests/data/flows-corpus (public repositories).",
        "",
        "| org | tools | response bytes | bytes per tool | flow tool median | flow tool max | typical: n, median / "
        "max | operations | icons per tool | peak RSS after a cold start |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, embedded in (("demo (`serve --demo`)", results.demo), ("flows corpus", results.corpus)):
        if embedded is not None:
            lines.append(f"| {label} | {embedded.tools} | - | - | {_size_cells(embedded)} | - |")
    for count in results.counts:
        samples = results.starts.get((count, results.latencies[0], "cold"), [])
        if samples:
            s = samples[0]
            rss = _mib(int(median([x.peak_rss_kib for x in samples])))
            lines.append(
                f"| {count} flows | {s.tools} | {s.list_bytes:,} | {s.list_bytes / s.tools:,.0f} "
                f"| {_size_cells(s.catalogue)} | {rss} |"
            )
    top = results.starts.get((max(results.counts), results.latencies[0], "cold"), [])
    lines += _budget_lines(top[0].catalogue if top else None, results.corpus)
    return lines


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _budget_lines(synthetic: CatalogueSize | None, corpus: CatalogueSize | None) -> list[str]:
    """The budget checks, each naming the figure it checks: the real flows' typical median (what an admin's flow
    costs), then the synthetic fully described flow against the structure floor (whether 500 is reachable)."""
    floor = structure_floor()
    lines = ["", "Budget checks:", ""]
    if corpus is not None and corpus.typical_median is not None:
        lines.append(
            f"- Typical flow tool, real flows: the corpus's {len(corpus.typical_bytes or ())} flow tools with 3-5 "
            f"inputs and 2 outputs, median {corpus.typical_median:,.0f} bytes (<= {FLOW_TOOL_BUDGET}): "
            f"{_verdict(corpus.typical_median <= FLOW_TOOL_BUDGET)}. This is the figure the budget is about: the "
            "issue names a typical tool by its shape, and these are real admins' flows of that shape."
        )
    if synthetic is not None and synthetic.flow_tool_bytes:
        words = synthetic.flow_median - floor.structure
        lines.append(
            f"- Fully described synthetic flow (the benchmark's, 4 inputs, 2 outputs, every variable described): "
            f"{synthetic.flow_median:,.0f} bytes, "
            f"{'within' if synthetic.flow_median <= FLOW_TOOL_BUDGET else 'over'} {FLOW_TOOL_BUDGET}. Its structure "
            f"alone (`structure_floor`: names, keys, types, the effects phrase, the annotations, every word of the "
            f"admin's one character long) takes {floor.structure} bytes, leaving {floor.room} for the {floor.words} "
            f"texts an admin writes (flow name and description, each variable's name and description: about "
            f"{floor.room / floor.words:.0f} bytes each); this flow's take {words:,.0f}. A fully described flow of "
            f"this shape meets {FLOW_TOOL_BUDGET} only with texts that short; none is dropped to get there. Real "
            "flows of the typical shape describe less (the line above), which is why their median is the check."
        )
    if synthetic is not None:
        lines.append(
            f"- Operation tools: {synthetic.operations_bytes:,} bytes (<= {OPERATIONS_BUDGET:,}): "
            f"{_verdict(synthetic.operations_bytes <= OPERATIONS_BUDGET)}."
        )
    return lines


def _range(samples: list[StartSample]) -> str:
    values = [s.seconds for s in samples]
    return f"{_ms(median(values))} ({min(values) * 1000:.0f} - {max(values) * 1000:.0f})"


def _call_tables(results: Results) -> list[str]:
    if not results.calls:
        return []
    calls = results.calls
    direct = calls["direct"].latency.p50
    labels = {
        "direct": "direct HTTP (httpx2, no MCP)",
        "floor": "floor server (one tool, same call)",
        "server": f"salesforce-flow-mcp ({results.call_flows} flow tools)",
    }
    lines = [
        "",
        "## Calling a flow tool (org latency 0 ms)",
        "",
        "The same flow call (POST /actions/custom/flow/{name}, 4 inputs, 2 outputs) "
        f"{len(calls['direct'].latency.samples)} times one at a time, then blocks of {results.width} calls in flight "
        f"(median of {THROUGHPUT_BLOCKS} blocks), right after the servers started. The three targets take turns, block "
        "by block. First call: the first tools/call after tools/list, before any warm-up (lazy imports and schema "
        "compilation show there). Overhead: p50 minus the direct call's p50.",
        "",
        "| target | first call | p50 | p90 | overhead (p50) | throughput | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, stats in calls.items():
        overhead = "-" if name == "direct" else _ms1(stats.latency.p50 - direct)
        rss = _mib(results.rss_kib[name]) if name in results.rss_kib else "-"
        cells = [labels[name], _ms1(stats.first), _ms1(stats.latency.p50), _ms1(stats.latency.p90), overhead]
        cells += [f"{median(stats.throughput):.0f} calls/s", rss]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
