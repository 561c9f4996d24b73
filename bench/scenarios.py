"""What one benchmark run measures: server starts, tool calls, memory; and the data it collects."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

from .catalogue_size import CatalogueSize, catalogue_size
from .flows import ARGUMENTS, EXPECTED_TOTAL, OUTPUTS
from .measure import Latency, in_flight, sequential
from .org_process import Org
from .stdio_session import SessionError, StdioSession

if TYPE_CHECKING:
    from .idle import IdleCost

BENCH_DIR = Path(__file__).resolve().parent
SERVER_ARGV = (sys.executable, "-m", "salesforce_flow_mcp", "serve")
FLOOR_ARGV = (sys.executable, str(BENCH_DIR / "floor_server.py"))
LIST_DEADLINE = 120.0  # seconds a start may take before the run gives up on it
SEQUENTIAL_BLOCKS = 8  # the sequential calls of each target, split into turns
THROUGHPUT_BLOCKS = 5


@dataclass(frozen=True)
class StartSample:
    seconds: float  # process spawn -> last byte of the first complete tools/list
    list_bytes: int
    tools: int
    flow_tools: int
    peak_rss_kib: int
    org_requests: int  # API requests the org counted during this start (-1: not measured)
    catalogue: CatalogueSize | None = None  # bytes per tool of that tools/list


@dataclass(frozen=True)
class CallStats:
    first: float  # seconds: the first call after tools/list (lazy imports and compilation show here)
    latency: Latency
    throughput: tuple[float, ...]  # calls per second, one value per block


@dataclass
class Results:
    counts: tuple[int, ...]
    latencies: tuple[int, ...]
    repeats: int
    starts: dict[tuple[int, int, str], list[StartSample]] = field(default_factory=dict)
    floor_starts: list[StartSample] = field(default_factory=list)
    calls: dict[str, CallStats] = field(default_factory=dict)  # "direct", "floor", "server"
    rss_kib: dict[str, int] = field(default_factory=dict)  # "floor", "server" after the call phase
    call_flows: int = 0
    width: int = 32
    wall_seconds: float = 0.0
    idle: IdleCost | None = None  # API calls of refreshes on an unchanged org
    demo: CatalogueSize | None = None  # tools/list of `serve --demo`
    corpus: CatalogueSize | None = None  # tools/list of `serve --demo --flows tests/data/flows-corpus`


def server_env(org: Org, cache_dir: Path | None) -> dict[str, str]:
    """The environment a host would give the server, with nothing of ours (no other SALESFORCE_* settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env.update(
        SALESFORCE_INSTANCE_URL=org.base_url,
        SALESFORCE_ACCESS_TOKEN=org.token,
        SALESFORCE_FLOW_MCP_CACHE=str(cache_dir) if cache_dir else "",
        SALESFORCE_MAX_FLOW_TOOLS="5000",  # one tool per flow even at 1,000 flows
        SALESFORCE_CATALOGUE_WAIT="60",  # tools/list waits for the whole catalogue
    )
    return env


def floor_env(org: Org, flow: str) -> dict[str, str]:
    env = server_env(org, None)
    env["BENCH_FLOW"] = flow
    return env


async def complete_tool_list(session: StdioSession, want_flow_tools: int) -> tuple[float, int, list[dict[str, Any]]]:
    """tools/list until it holds every flow tool: (arrival time, bytes, tools) of the first complete answer."""
    deadline = time.perf_counter() + LIST_DEADLINE
    while True:
        response = await session.request("tools/list", wait=LIST_DEADLINE)
        tools: list[dict[str, Any]] = response.message["result"]["tools"]
        if sum(t["name"].startswith("flow_") for t in tools) >= want_flow_tools:
            return response.arrived, response.size, tools
        if time.perf_counter() > deadline:
            raise SessionError(f"tools/list still lacks flow tools after {LIST_DEADLINE}s: {len(tools)} tools")
        await asyncio.sleep(0.01)


async def time_start(
    argv: tuple[str, ...], env: Mapping[str, str], log: Path, want_flow_tools: int, org: Org | None = None
) -> StartSample:
    before = await org.api_usage() if org else -1
    session = await StdioSession.spawn(argv, env, log)
    try:
        await session.initialize()
        arrived, size, tools = await complete_tool_list(session, want_flow_tools)
        rss = session.peak_rss_kib()
    finally:
        await session.close()
    requests = (await org.api_usage()) - before if org else -1
    flow_tools = sum(t["name"].startswith("flow_") for t in tools)
    seconds = arrived - session.started
    outputs = {str(t["name"]): OUTPUTS for t in tools}  # every bench flow has the same outputs
    return StartSample(seconds, size, len(tools), flow_tools, rss, requests, catalogue_size(tools, outputs))


async def started_session(argv: tuple[str, ...], env: Mapping[str, str], log: Path, flow_tools: int) -> StdioSession:
    session = await StdioSession.spawn(argv, env, log)
    try:
        await session.initialize()
        await complete_tool_list(session, flow_tools)
    except BaseException:
        await session.close()
        raise
    return session


def _check_outputs(outputs: Any, who: str) -> None:
    if not isinstance(outputs, dict) or outputs.get("total") != EXPECTED_TOTAL:
        raise SessionError(f"{who}: unexpected flow outputs {outputs!r}")


async def measure_calls(
    org: Org, flow: str, server: StdioSession, floor: StdioSession, sequential_calls: int, total: int, width: int
) -> dict[str, CallStats]:
    """Sequential latency and throughput of the same flow call: direct over HTTP, through the floor, through us.

    The three take turns in blocks (rotating who goes first), so drift on a shared machine hits them alike.
    """
    url = f"{org.base_url}/services/data/v59.0/actions/custom/flow/{flow}"
    headers = {"Authorization": f"Bearer {org.token}", "Accept": "application/json"}
    async with httpx2.AsyncClient(timeout=60.0) as http:

        async def direct() -> None:
            response = await http.post(url, json={"inputs": [ARGUMENTS]}, headers=headers)
            response.raise_for_status()
            _check_outputs(response.json()[0].get("outputValues"), "direct")

        def through(session: StdioSession, who: str) -> Any:
            async def call() -> None:
                response = await session.call_tool(f"flow_{flow}", ARGUMENTS)
                _check_outputs(response.message["result"].get("structuredContent"), who)

            return call

        targets = {"direct": direct, "floor": through(floor, "floor"), "server": through(server, "server")}
        names = list(targets)
        first = {name: (await sequential(targets[name], 1))[0] for name in names}
        for name in names:  # warm-up: connections open, code paths hot
            await sequential(targets[name], 20)
        samples: dict[str, list[float]] = {n: [] for n in names}
        for block in range(SEQUENTIAL_BLOCKS):
            for name in names[block % 3 :] + names[: block % 3]:
                samples[name] += await sequential(targets[name], sequential_calls // SEQUENTIAL_BLOCKS)
        rates: dict[str, list[float]] = {n: [] for n in names}
        for block in range(THROUGHPUT_BLOCKS):
            for name in names[block % 3 :] + names[: block % 3]:
                rates[name].append(await in_flight(targets[name], total, width))
    return {n: CallStats(first[n], Latency(tuple(samples[n])), tuple(rates[n])) for n in names}
