"""Replicas on one Redis store share each org's describe cache: a second replica of the same org starting after the
first sends no describe request at all (counted at the embedded org, over real HTTP, with a real redis-server).

Describe requests, as the server sends them and the org counts them: GET .../actions/custom/flow/{name} (REST API
Developer Guide, "Custom Invocable Actions") or, against a real org, several at once in POST .../composite/batch
(REST API Developer Guide, "Batch"); both are counted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest
from cryptography.fernet import Fernet

from salesforce_flow_mcp.remote.shared_describes import SharedDescribeCache
from salesforce_flow_mcp.remote.store import open_store
from salesforce_flow_mcp.salesforce.describe_cache import DescribeCache, cache_name

from .live_org import LiveOrg, live_org
from .procs import Served, free_port, serve_http
from .redis_server import redis_server
from .test_oauth import oauth_env

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
DESCRIBE = re.compile(r"/services/data/v([\d.]+)/(actions/custom/flow/[^/]+|composite/batch)$")


def describes_sent(org: LiveOrg) -> list[str]:
    """The API version of every describe request the org has answered so far."""
    found: list[str] = []
    for (_, path), count in org.app.counts.items():
        match = DESCRIBE.search(path)
        if match:
            found += [match.group(1)] * count
    return found


def wait_ready(served: Served, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx2.get(f"{served.url.rsplit('/mcp', 1)[0]}/readyz", timeout=5).status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"replica not ready within {seconds} s: {served.log.read_text()}")


async def stored_document(redis_url: str, key: str) -> bytes | None:
    store = open_store(redis_url)
    try:
        return await store.get(key)
    finally:
        await store.aclose()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis-describes")) as url:
        yield url


def test_second_replica_of_an_org_sends_no_describe(tmp_path: Path, redis_url: str) -> None:
    key = Fernet.generate_key().decode()
    with live_org() as org:
        port_one, port_two = free_port(), free_port()
        public = f"http://127.0.0.1:{port_one}"
        org.register_team_app(f"{public}/oauth/salesforce/callback")
        args = ["--auth", "oauth", "--public-url", public, "--store", redis_url]
        # Each replica with a disk cache of its own: what they share can only come through Redis.
        env_one = {**oauth_env(org, tmp_path / "unused.db", key), "SALESFORCE_FLOW_MCP_CACHE": str(tmp_path / "c1")}
        env_two = {**env_one, "SALESFORCE_FLOW_MCP_CACHE": str(tmp_path / "c2")}
        with serve_http(args, tmp_path, env_one, port=port_one) as one:
            wait_ready(one)
            first = describes_sent(org)
            assert first, "the first replica described its flows (else this test counts nothing)"
            with serve_http(args, tmp_path, env_two, port=port_two) as two:
                wait_ready(two)
                assert describes_sent(org) == first
        # Same document and keying as the disk cache: the stored bytes, as a file, serve a DescribeCache.
        api_version = first[0]
        stored = anyio.run(stored_document, redis_url, cache_name(org.base_url, api_version))
        assert stored is not None
        disk = DescribeCache(tmp_path / "as-file", org.base_url, api_version)
        disk.path.parent.mkdir()
        disk.path.write_bytes(stored)
        assert disk._load().keys() == {"Who_Am_I"}
        # Nor was a describes file written beside the chosen API version's (the folder's other file).
        assert not [*tmp_path.glob("c*/describes-*")]


async def test_an_unreadable_shared_document_is_ignored_and_rewritten(redis_url: str) -> None:
    store = open_store(redis_url)
    cache = SharedDescribeCache(store, "https://other.example", "66.0")
    await store.put(cache.key, b"{not json")
    await cache.prepare()
    assert cache.get("Flow_A", "active:1") is None
    cache.replace_all({"Flow_A": ("active:1", {"inputs": []})})
    await cache.flush()
    other = open_store(redis_url)  # another replica
    again = SharedDescribeCache(other, "https://other.example", "66.0")
    await again.prepare()
    assert again.get("Flow_A", "active:1") == {"inputs": []}
    assert again.get("Flow_A", "active:2") is None  # another version of the flow is described again
    await store.aclose()
    await other.aclose()
