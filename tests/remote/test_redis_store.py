"""The Store contract on a real redis-server, with two store instances standing for two replicas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from salesforce_flow_mcp.remote.store import LockTimeoutError, StoreError, open_store

from .redis_server import redis_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


async def test_values_expiry_and_single_use_take_across_replicas(redis_url: str) -> None:
    one, two = open_store(redis_url), open_store(redis_url)
    await one.put("code:x", b"v", ttl=60)
    assert await two.get("code:x") == b"v"
    taken: list[bytes | None] = []

    async def take(store: object) -> None:
        taken.append(await store.take("code:x"))  # type: ignore[attr-defined]

    async with anyio.create_task_group() as group:
        for store in (one, two, one, two):
            group.start_soon(take, store)
    assert sorted(taken, key=lambda v: v is None) == [b"v", None, None, None]
    await one.put("short", b"v", ttl=0.05)
    await anyio.sleep(0.2)  # Redis expires it by itself (PX)
    assert await two.get("short") is None
    assert [await one.incr("rate:u", 60), await two.incr("rate:u", 60)] == [1, 2]
    await one.aclose()
    await two.aclose()


async def test_a_lock_is_held_by_one_replica_at_a_time(redis_url: str) -> None:
    one, two = open_store(redis_url), open_store(redis_url)
    order: list[str] = []

    async def hold(store: object, name: str) -> None:
        async with store.lock("lock:refresh:u", 5):  # type: ignore[attr-defined]
            order.append(f"{name} in")
            await anyio.sleep(0.1)
            order.append(f"{name} out")

    async with anyio.create_task_group() as group:
        group.start_soon(hold, one, "one")
        group.start_soon(hold, two, "two")
    assert order in (["one in", "one out", "two in", "two out"], ["two in", "two out", "one in", "one out"])
    async with one.lock("lock:busy", 5):
        with pytest.raises(LockTimeoutError):
            async with two.lock("lock:busy", 0.1):
                pass
    await one.aclose()
    await two.aclose()


async def test_an_unreachable_redis_is_a_store_error_without_the_password(tmp_path: Path) -> None:
    from .procs import free_port

    store = open_store(f"redis://user:hunter2-secret@127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreError) as caught:
        await store.ping()
    assert "not answering" in str(caught.value) and "hunter2" not in str(caught.value)
    await store.aclose()
