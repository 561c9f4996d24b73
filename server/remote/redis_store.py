"""The Store on Redis (the `redis` client's asyncio API), which any number of replicas share: the per-user token
store, single-use codes (GETDEL, Redis 6.2+), rate-limit counters, and locks (redis-py's Lock: SET NX PX with a
token, released only by its holder, expiring by itself if a replica dies holding it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import LockError, RedisError

from .store import LockTimeoutError, StoreError

PREFIX = "sfmcp:"
LOCK_LEASE = 60.0  # seconds a lock lives if its holder never releases it (a refresh takes far less)


class RedisStore:
    def __init__(self, url: str) -> None:
        self._url_for_errors = url.split("@")[-1]  # never the password of redis://user:pass@host
        try:
            self._redis: Any = aioredis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        except ValueError as exc:
            raise StoreError(f"the store URL is not a Redis URL: {exc}") from None

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """Every Redis error becomes a StoreError naming the server (never its password)."""
        try:
            yield
        except RedisError as exc:
            raise StoreError(f"Redis at {self._url_for_errors} is not answering ({type(exc).__name__})") from None

    async def _value(self, command: Callable[[str], Awaitable[Any]], key: str) -> bytes | None:
        with self._answering():
            value = await command(PREFIX + key)
        return bytes(value) if value is not None else None

    async def get(self, key: str) -> bytes | None:
        return await self._value(self._redis.get, key)

    async def take(self, key: str) -> bytes | None:
        return await self._value(self._redis.getdel, key)

    async def put(self, key: str, value: bytes, ttl: float | None = None) -> None:
        with self._answering():
            if ttl is None:
                await self._redis.set(PREFIX + key, value)
            elif ttl > 0:
                await self._redis.set(PREFIX + key, value, px=max(1, int(ttl * 1000)))
            else:
                await self._redis.delete(PREFIX + key)

    async def delete(self, key: str) -> None:
        with self._answering():
            await self._redis.delete(PREFIX + key)

    async def incr(self, key: str, ttl: float) -> int:
        with self._answering():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(PREFIX + key)
                pipe.pexpire(PREFIX + key, max(1, int(ttl * 1000)), nx=True)
                count, _ = await pipe.execute()
        return int(count)

    @asynccontextmanager
    async def lock(self, name: str, wait: float) -> AsyncIterator[None]:
        lock = self._redis.lock(PREFIX + name, timeout=LOCK_LEASE, blocking_timeout=wait)
        with self._answering():
            acquired = await lock.acquire()
        if not acquired:
            raise LockTimeoutError(f"waited {wait:g} s for {name}")
        try:
            yield
        finally:
            with self._answering(), contextlib.suppress(LockError):  # LockError: the lease ran out first
                await lock.release()

    async def ping(self) -> None:
        with self._answering():
            await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()
