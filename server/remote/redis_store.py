"""The Store on Redis (the `redis` client's asyncio API), which any number of replicas share: the per-user token
store, single-use codes (GETDEL, Redis 6.2+), rate-limit counters, and locks (redis-py's Lock: SET NX PX with a
token, released only by its holder, expiring by itself if a replica dies holding it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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

    def _fail(self, exc: Exception) -> StoreError:
        return StoreError(f"Redis at {self._url_for_errors} is not answering ({type(exc).__name__})")

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(PREFIX + key)
        except RedisError as exc:
            raise self._fail(exc) from None
        return bytes(value) if value is not None else None

    async def take(self, key: str) -> bytes | None:
        try:
            value = await self._redis.getdel(PREFIX + key)
        except RedisError as exc:
            raise self._fail(exc) from None
        return bytes(value) if value is not None else None

    async def put(self, key: str, value: bytes, ttl: float | None = None) -> None:
        try:
            if ttl is None:
                await self._redis.set(PREFIX + key, value)
            elif ttl > 0:
                await self._redis.set(PREFIX + key, value, px=max(1, int(ttl * 1000)))
            else:
                await self._redis.delete(PREFIX + key)
        except RedisError as exc:
            raise self._fail(exc) from None

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(PREFIX + key)
        except RedisError as exc:
            raise self._fail(exc) from None

    async def incr(self, key: str, ttl: float) -> int:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(PREFIX + key)
                pipe.pexpire(PREFIX + key, max(1, int(ttl * 1000)), nx=True)
                count, _ = await pipe.execute()
        except RedisError as exc:
            raise self._fail(exc) from None
        return int(count)

    @asynccontextmanager
    async def lock(self, name: str, wait: float) -> AsyncIterator[None]:
        lock = self._redis.lock(PREFIX + name, timeout=LOCK_LEASE, blocking_timeout=wait)
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            raise self._fail(exc) from None
        if not acquired:
            raise LockTimeoutError(f"waited {wait:g} s for {name}")
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:  # the lease ran out first; someone else may hold it now
                pass
            except RedisError as exc:
                raise self._fail(exc) from None

    async def ping(self) -> None:
        try:
            await self._redis.ping()
        except RedisError as exc:
            raise self._fail(exc) from None

    async def aclose(self) -> None:
        await self._redis.aclose()
