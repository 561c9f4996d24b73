"""Load on the shared server (`serve --transport http --auth oauth`): 50 people signed in through the embedded org's
login page, 2,000 tool calls from 50 concurrent clients, against one replica and then two replicas on one Redis.
Writes its section of docs/benchmarks.md; figures are ratios of two replicas to one, measured in the same run.

    python -m bench.remote_load [--users 50] [--calls 2000]
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet

from bench.sections import Section, bench_arguments
from tests.remote.browser import MemoryStorage, oauth_client
from tests.remote.live_org import live_org
from tests.remote.procs import bearer_client, free_port, serve_http
from tests.remote.redis_server import redis_server
from tests.remote.test_oauth import oauth_env

SECTION = Section("<!-- remote-load: written by python -m bench.remote_load -->", "<!-- /remote-load -->")
TOOL = "flow_Who_Am_I"


async def sign_in(url: str, username: str) -> str:
    storage = MemoryStorage()
    async with oauth_client(url, username, "2026-07-28", storage) as client:
        result = await client.call_tool(TOOL, {})
        assert not result.is_error and result.structured_content["username"] == username
    assert storage.tokens is not None
    return storage.tokens.access_token


async def load(urls: list[str], tokens: dict[str, str], calls: int) -> dict[str, float]:
    """Each person's client sends its share of `calls` one after another; all people at once."""
    latencies: list[float] = []
    failures = 0
    people = list(tokens)
    per_person = calls // len(people)

    async def person(index: int, username: str) -> None:
        nonlocal failures
        async with bearer_client(urls[index % len(urls)], tokens[username], "2026-07-28") as client:
            for _ in range(per_person):
                started = time.perf_counter()
                result = await client.call_tool(TOOL, {})
                latencies.append(time.perf_counter() - started)
                if result.is_error or result.structured_content["username"] != username:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(person(i, u) for i, u in enumerate(people)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "calls": len(latencies),
        "failures": failures,
        "throughput": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


@contextlib.contextmanager
def replicas(count: int, org_env: dict[str, str], work: Path, public_port: int) -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        urls = []
        for index in range(count):
            port = public_port if index == 0 else free_port()
            args = ["--auth", "oauth", "--public-url", f"http://127.0.0.1:{public_port}"]
            args += ["--audit-log", str(work / f"audit-{count}-{index}.jsonl")]
            served = stack.enter_context(serve_http(args, work, org_env, port=port))
            urls.append(served.url)
        yield urls


async def run(users: int, calls: int, work: Path) -> dict[int, dict[str, float]]:
    key = Fernet.generate_key().decode()
    results: dict[int, dict[str, float]] = {}
    with redis_server(work) as redis_url, live_org() as org:
        names = [f"user{n:03d}@team.example" for n in range(users)]
        for name in names:
            org.add_user(name, name.split("@")[0])
        public_port = free_port()
        org.register_team_app(f"http://127.0.0.1:{public_port}/oauth/salesforce/callback")
        env = {**oauth_env(org, work / "unused.db", key), "SALESFORCE_FLOW_MCP_STORE": redis_url}
        with replicas(2, env, work, public_port) as urls:
            tokens = {name: await sign_in(urls[0], name) for name in names}
            await load(urls, tokens, users)  # warm-up: connections, imports, first refreshes
            for count in (1, 2):
                results[count] = await load(urls[:count], tokens, calls)
                print(f"bench: {count} replica(s): {results[count]}", file=sys.stderr)
    return results


def render(results: dict[int, dict[str, float]], users: int, command: str) -> str:
    one, two = results[1], results[2]
    return SECTION.wrap(
        [
            f"## Shared server: {users} people over two replicas on Redis",
            "",
            *textwrap.wrap(
                f"`{command}`: {users} people signed in with OAuth (through the embedded org's login page), then "
                f"{int(one['calls'])} calls of a flow tool from {users} concurrent clients (2026-07-28, stateless), "
                "each checked to run as its caller: first all to one replica, then spread over two replicas sharing "
                "one redis-server (token store, refresh lock, counters). The org, Redis, both replicas and the "
                "clients share this machine's cores, so a second replica cannot add capacity here; the ratios show "
                "what spreading people over replicas costs, and the failed-call counts that none is lost.",
                width=118,
            ),
            "",
            "| | one replica | two replicas | two / one |",
            "|---|---|---|---|",
            f"| failed calls | {int(one['failures'])} | {int(two['failures'])} | |",
            f"| throughput (calls/s) | {one['throughput']:.0f} | {two['throughput']:.0f} | "
            f"{two['throughput'] / one['throughput']:.2f}x |",
            f"| p50 latency (ms) | {one['p50']:.0f} | {two['p50']:.0f} | {two['p50'] / one['p50']:.2f}x |",
            f"| p99 latency (ms) | {one['p99']:.0f} | {two['p99']:.0f} | {two['p99'] / one['p99']:.2f}x |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = bench_arguments("python -m bench.remote_load", __doc__ or "")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print(
            "bench: redis-server is not installed (apt-get install redis-server): no remote-load figure",
            file=sys.stderr,
        )
        return 0
    work = Path(tempfile.mkdtemp(prefix="salesforce-flow-mcp-remote-load-"))
    try:
        results = asyncio.run(run(args.users, args.calls, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python -m bench.remote_load " + " ".join(sys.argv[1:]) if argv is None else "python -m bench.remote_load"
    SECTION.write(args.output, render(results, args.users, command.strip()))
    return 0 if all(r["failures"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
